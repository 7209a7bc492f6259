"""Reading member practices from the files NHS Digital publishes, or a plain CSV.

Pure parsing: each reader returns rows and per-line problems; nothing is stored here.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from .errors import UsageError
from .typed_text import is_visible, strip_controls


@dataclass
class PracticeRow:
    line: int
    code: str
    name: str | None = None
    list_size: int | None = None
    group: str | None = None
    postcode: str | None = None


@dataclass
class FileReading:
    kind: str  # epraccur | list-sizes | plain
    rows: list[PracticeRow]
    skipped: int  # rows deliberately left out (inactive, not a GP practice, other commissioner)
    problems: list[tuple[int, str]]  # (line, what is wrong): any problem means nothing is stored


# NHS Digital's epraccur.csv has this many fields on every row.
EPRACCUR_FIELDS = 27
_QUOTE_HINT = (
    'a value with a comma in it (a list size written 8,100, or a name) must be in quotes ("8,100")'
)


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UsageError("The file is not text (UTF-8 or Windows-1252).")


def detect(text: str) -> str:
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    header = [c.strip().strip('"').upper() for c in next(csv.reader([first]), [])]
    if "CODE" in header and "NUMBER_OF_PATIENTS" in header:
        return "list-sizes"
    if header and header[0].lower() == "code":
        return "plain"
    if len(header) >= 26:
        return "epraccur"
    raise UsageError(
        "I can't tell what this file is. Give NHS Digital's epraccur.csv (no header, 27 columns), "
        "its gp-reg-pat-prac-all.csv (CODE and NUMBER_OF_PATIENTS columns), or a CSV with the "
        "header code,name,list_size,group."
    )


def _size(text: str, line: int, problems: list[tuple[int, str]]) -> int | None:
    text = (text or "").strip().replace(",", "")
    if not text:
        return None
    if not text.isdigit():
        problems.append((line, f"list size {text!r} is not a whole number"))
        return None
    return int(text)


def _visible_name(raw: str, line: int, code: str, problems: list[tuple[int, str]]) -> str | None:
    """The name without control characters; None (a problem noted) when none of it is visible."""
    name = " ".join(strip_controls(raw).split())
    if raw and not is_visible(name):
        problems.append(
            (line, f"the name of {code} has nothing visible once control characters are removed")
        )
        return None
    return name


def read(data: bytes | str, commissioner: str | None = None) -> FileReading:
    text = _decode(data)
    kind = detect(text)
    rows: list[PracticeRow] = []
    problems: list[tuple[int, str]] = []
    skipped = 0
    reader = csv.reader(io.StringIO(text))
    if kind == "epraccur":
        if not commissioner:
            raise UsageError(
                "epraccur.csv lists every practice in England: say whose with `--commissioner <CCG code>` (e.g. 08G)."
            )
        for line, cols in enumerate(reader, start=1):
            if not any(c.strip() for c in cols):
                continue
            if len(cols) != EPRACCUR_FIELDS:
                problems.append(
                    (
                        line,
                        f"{len(cols)} fields, but epraccur.csv has {EPRACCUR_FIELDS}; "
                        + _QUOTE_HINT,
                    )
                )
                continue
            code, name, postcode, status, ccg, setting = (
                cols[0].strip(),
                cols[1].strip(),
                cols[9].strip(),
                cols[12].strip(),
                cols[14].strip(),
                cols[25].strip(),
            )
            if status != "A" or setting != "4" or ccg.upper() != commissioner.upper():
                skipped += 1
                continue
            if not code:
                problems.append((line, "no organisation code"))
                continue
            visible = _visible_name(name, line, code, problems)
            if visible is None:
                continue
            rows.append(PracticeRow(line, code.upper(), visible or None, postcode=postcode or None))
    else:
        header = [h.strip().lower() for h in next(reader)]
        index = {h: i for i, h in enumerate(header)}
        code_col = index.get("code")
        size_col = index.get("number_of_patients" if kind == "list-sizes" else "list_size")
        for line, cols in enumerate(reader, start=2):
            if not any(c.strip() for c in cols):
                continue
            if len(cols) != len(header):
                problems.append(
                    (line, f"{len(cols)} fields, but the header has {len(header)}; " + _QUOTE_HINT)
                )
                continue

            def get(i: int | None) -> str:
                return cols[i].strip() if i is not None and i < len(cols) else ""

            code = get(code_col)
            if not code:
                problems.append((line, "no practice code"))
                continue
            if kind == "list-sizes":
                rows.append(
                    PracticeRow(line, code.upper(), list_size=_size(get(size_col), line, problems))
                )
            else:
                given = _visible_name(get(index.get("name")), line, code, problems)
                if given is None:
                    continue
                if not given:
                    problems.append((line, f"no practice name for {code}"))
                    continue
                rows.append(
                    PracticeRow(
                        line,
                        code.upper(),
                        given,
                        _size(get(size_col), line, problems),
                        " ".join(strip_controls(get(index.get("group"))).split()) or None,
                    )
                )
    return FileReading(kind, rows, skipped, problems)
