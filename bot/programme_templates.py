"""Programme templates are data (JSON files in bot/data/programme_templates), not code.

A template is true to its sources: every deadline, duty and checklist
section names the documents it comes from (`source`: a list of
`{"doc": <key of "sources">, "at": <paragraph, section or annex>}`), and its
dates are the documented ones (`date`, in the `documented_year` cycle).

A programme set up for another cycle gets the same milestones moved into
that cycle's years and off weekends and English bank holidays. Those dates
are provisional: no source gives them, so they are shown as "date to
confirm" until an admin confirms or moves each one.

A date that one organisation's papers give as its own (`suggestion` says whose, in the
words shown beside the date) is offered as a suggestion in every cycle, the documented
one included: it too is provisional until an admin confirms or moves it.

Items may apply to some co-commissioning models only (`models`); a template
without `models` at the top has no model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from .dates import working_day_on_or_before
from .errors import UsageError
from .grammar import closest

TEMPLATE_DIR = Path(__file__).parent / "data" / "programme_templates"
UNDECIDED = "undecided"


def names() -> list[str]:
    return sorted(p.stem for p in TEMPLATE_DIR.glob("*.json"))


@lru_cache(maxsize=16)
def load(name: str) -> dict:
    path = TEMPLATE_DIR / f"{name}.json"
    if not path.is_file():
        hint = closest(name, names())
        raise UsageError(
            f"There is no template called {name!r}. Templates: {', '.join(names())}."
            + (f" Did you mean `{hint}`?" if hint else "")
        )
    return json.loads(path.read_text(encoding="utf-8"))


# -- sources -------------------------------------------------------------------


def cite(template: dict, refs: list[dict] | None, brief: bool = False) -> str | None:
    """`[{"doc": "hwbb-letter", "at": "Annex A"}]` -> "NHS England letter, 18 Dec 2014, Annex A".

    `brief` gives the first source only, for one-line listings.
    """
    if not refs:
        return None
    docs = template.get("sources", {})
    out = []
    for ref in refs[:1] if brief else refs:
        doc = docs[ref["doc"]]
        parts = [doc["short"], doc["date"]] + ([ref["at"]] if ref.get("at") else [])
        out.append(", ".join(parts))
    return "; ".join(out)


def documents(template: dict) -> list[dict]:
    """Every source document the template names, with its key, for a list of references."""
    return [{"key": k} | v for k, v in template.get("sources", {}).items()]


# -- the model -----------------------------------------------------------------


def model_names(template: dict | None) -> list[str]:
    return list((template or {}).get("models", {}))


def check_model(template: dict | None, model: str | None) -> str | None:
    """The model a programme of this template runs under (undecided if not given)."""
    models = model_names(template)
    if not models:
        if model:
            raise UsageError(
                "`--model` goes with a template that has models: `--template co-commissioning`."
            )
        return None
    if model is None:
        return UNDECIDED
    model = model.strip().lower()
    if model not in models:
        hint = closest(model, models)
        raise UsageError(
            f"{model!r} is not a model. Models: {', '.join(models)}."
            + (f" Did you mean `{hint}`?" if hint else "")
        )
    return model


def model_label(template: dict | None, model: str | None) -> str:
    return (template or {}).get("models", {}).get(model or "", model or "")


def applies(item: dict, model: str | None) -> bool:
    """Whether a template item exists under this model (items without `models` always do)."""
    wanted = item.get("models")
    return not wanted or model is None or model in wanted


# -- dates ---------------------------------------------------------------------


def documented_year(template: dict) -> int | None:
    return template.get("documented_year")


def is_documented(template: dict, year: int | None) -> bool:
    """Whether a cycle's dates are the documented ones (not provisional)."""
    return year is not None and year == documented_year(template)


def _on(text: str) -> date:
    return date.fromisoformat(text)


def cycle_date(template: dict, text: str, year: int) -> tuple[date, bool]:
    """A documented date moved into the cycle starting in `year`: (date, provisional).

    The documented cycle keeps its dates exactly; any other cycle gets the same
    day and month in the matching year, moved back to a working day.
    """
    documented = _on(text)
    base = documented_year(template) or documented.year
    if year == base:
        return documented, False
    target_year = year + (documented.year - base)
    try:
        moved = documented.replace(year=target_year)
    except ValueError:  # 29 February in a year without one
        moved = date(target_year, documented.month, 28)
    return working_day_on_or_before(moved), True


@dataclass(frozen=True)
class PlannedDeadline:
    key: str
    title: str
    due_on: date
    documented_on: date
    provisional: bool
    source: str
    note: str | None
    suggestion: str | None = None  # one organisation's own date, offered as a suggestion


def suggestion_of(item: dict | None) -> str | None:
    """Whose own date a template date is, as shown beside it (None: the sources set it)."""
    return (item or {}).get("suggestion")


def key_dates(template: dict, year: int, model: str | None = None) -> list[PlannedDeadline]:
    """The template's deadlines that apply under `model`, for the cycle starting in `year`."""
    out = []
    for d in template.get("deadlines", []):
        if not applies(d, model):
            continue
        due, provisional = cycle_date(template, d["date"], year)
        out.append(
            PlannedDeadline(
                d["key"],
                d["title"],
                due,
                _on(d["date"]),
                provisional or bool(suggestion_of(d)),
                cite(template, d.get("source")),
                d.get("note"),
                suggestion_of(d),
            )
        )
    return out


def deadline_item(template: dict, key: str) -> dict | None:
    for d in template.get("deadlines", []):
        if d["key"] == key:
            return d
    return None


@dataclass(frozen=True)
class Milestone:
    """A dated event of the documented cycle, shown on timelines as context, never reminded of."""

    on: date
    month_only: bool
    title: str
    source: str


def context_milestones(template: dict | None) -> list[Milestone]:
    return [
        Milestone(
            _on(c["date"]),
            c.get("precision") == "month",
            c["title"],
            cite(template, c.get("source")) or "",
        )
        for c in (template or {}).get("context", [])
    ]


# -- checks --------------------------------------------------------------------


def items(template: dict) -> list[tuple[str, dict]]:
    """Every item of a template that users see as a date, a duty or a section: (what, item)."""
    out = [("deadline", d) for d in template.get("deadlines", [])]
    out += [("context", c) for c in template.get("context", [])]
    out += [("duty", d) for d in template.get("duties", [])]
    out += [("revision duty", d) for d in template.get("revision_duties", [])]
    out += [("checklist section", c) for c in (template.get("checklist") or {}).get("items", [])]
    return out
