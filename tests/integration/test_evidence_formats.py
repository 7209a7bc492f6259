"""The evidence pack as a board paper: the PDF laid out page by page, its contents page, bookmarks,
tags and metadata (PDF/UA-1); the Word file; the HTML pack under an automated accessibility check."""

import html as html_lib
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from lxml import html as lxml_html

from bot import charts
from bot.services import evidence
from tests.integration.test_evidence_pack import (
    NAME,
    _chromium,
    _needs,
    build,
    long_programme,
    pack_of,
)

AXE = Path(__file__).resolve().parents[1] / "axe"


def pdf_of(services, programme, tmp_path) -> Path:
    _, content = evidence.build_pack_pdf(services.new_uow(), programme.id)
    pdf = tmp_path / "pack.pdf"
    pdf.write_bytes(content)
    return pdf


def pages_of(pdf: Path) -> list[str]:
    """Each page's text as pdftotext lays it out (a table row's cells side by side)."""
    text = subprocess.run(
        [_needs("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def body_lines(page: str, fingerprint: str) -> list[str]:
    """A page's lines without the running header (the first line) and footer (the fingerprint
    and the page number), nor blank lines."""
    lines = [line for line in page.split("\n") if line.strip()]
    return [
        line
        for line in lines[1:]
        if not (fingerprint in line and "Page " in line) and not re.search(r"Page \d+ of \d+", line)
    ]


def cells_text(html: str, tags=("td", "th")) -> list[str]:
    tree = lxml_html.document_fromstring(html)
    for svg in tree.xpath("//*[local-name()='svg']"):
        svg.getparent().remove(svg)
    return [" ".join(cell.text_content().split()) for tag in tags for cell in tree.iter(tag)]


WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>'
)


def duty_rows(pdf: Path) -> list[tuple[int, float, float]]:
    """(page, bottom of the Duty cell's text, bottom of the Due cell's text) for each duty row,
    from the position of every word (pdftotext -bbox): a row starts at its number in the No.
    column and runs to the next row's number, or to the first text after the table."""
    out = subprocess.run(
        [_needs("pdftotext"), "-bbox", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    rows = []
    for n, page in enumerate(out.split("<page ")[1:], start=1):
        words = [(float(x), float(y0), float(y1), w) for x, y0, y1, w in WORD.findall(page)]
        headers = [(x, y) for x, y, _, w in words if w == "No."]
        for _, hy in headers:
            line = [(x, w) for x, y, _, w in words if abs(y - hy) < 1]
            cols = {w: x for x, w in line if w in ("Duty", "Due", "State")}
            if set(cols) != {"Duty", "Due", "State"}:
                continue
            # In the No. column: each row's number, then whatever comes after the table.
            left = sorted((y, w) for x, y, _, w in words if x < cols["Duty"] - 1 and y > hy + 1)
            starts = []
            for y, w in left:
                if not w.isdigit():
                    starts.append(y)  # the end of the table
                    break
                starts.append(y)
            else:
                starts.append(10_000)
            for top, bottom in zip(starts, starts[1:]):
                in_row = [(x, y1) for x, y, y1, _ in words if top - 1 < y < bottom - 1]
                duty = max(y1 for x, y1 in in_row if cols["Duty"] - 1 < x < cols["Due"] - 1)
                due = max(
                    (y1 for x, y1 in in_row if cols["Due"] - 1 < x < cols["State"] - 1), default=0
                )
                rows.append((n, duty, due))
    return rows


DATE = re.compile(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} \d{4}\b")


def test_the_pdf_reads_as_a_board_paper_page_by_page(services, tmp_path):
    """Dates never wrap, no page carries only its header and footer, no heading is left at the
    foot of a page, and the contents' page numbers are the pages where the sections start and
    where their bookmarks go."""
    programme = long_programme(services)
    pack = pack_of(services, programme)
    _, html = evidence.build_pack_html(services.new_uow(), programme.id)
    pdf = pdf_of(services, programme, tmp_path)
    pages = pages_of(pdf)
    text = "\n".join(pages)

    # Every date in a table cell is whole on one line of the PDF: as many times as the cells
    # show it (a wrapped "Thu 3 / Dec / 2026" is not found at all).
    shown: dict[str, int] = {}
    for cell in cells_text(html):
        for found in DATE.findall(cell):
            shown[found] = shown.get(found, 0) + 1
    assert len(shown) > 20
    # Nor does a column header ("No / ." in a column too narrow for it).
    assert len(re.findall(r"No\. +Duty +Due +State +Evidence", text)) >= 3
    short = {d: (n, text.count(d)) for d, n in shown.items() if text.count(d) < n}
    assert short == {}, short

    # A duty's due cell (its date, and how that date was set) is no taller than the duty.
    rows = duty_rows(pdf)
    assert len(rows) >= len(pack.duties) + len(pack.checklist)
    taller = [(page, round(due - duty)) for page, duty, due in rows if due > duty + 2]
    assert taller == [], taller

    # No page is its header and footer alone, and the last page is more than the closing lines.
    for n, page in enumerate(pages, start=1):
        assert body_lines(page, pack.fingerprint), f"page {n} has only its header and footer"
    last = body_lines(pages[-1], pack.fingerprint)
    closing = next(i for i, line in enumerate(last) if "by Consult from the programme" in line)
    assert closing > 0, "the closing lines are alone on the last page"

    # A heading always has something under it on its page.
    tree = lxml_html.document_fromstring(html)
    headings = [" ".join(h.text_content().split()) for h in tree.iter("h2", "h3")]
    for heading in headings:
        start = heading[:40]
        where = [n for n, page in enumerate(pages) if start in " ".join(page.split())]
        assert where, heading
        lines = body_lines(pages[where[0]], pack.fingerprint)
        at = next(i for i, line in enumerate(lines) if heading.split()[0] in line)
        following = [line for line in lines[at + 1 :] if start[-12:] not in line]
        assert len(following) >= 2, f"{heading!r} is left at the foot of page {where[0] + 1}"

    # The contents page lists every section with the page it starts on ...
    sections = pack.sections()
    contents = {}
    for line in pages[0].split("\n"):
        m = re.match(r"\s*(.+?)\s*\.{3,}\s*(\d+)\s*$", line)
        if m:
            contents[m.group(1)] = int(m.group(2))
    assert list(contents) == [title for _, title in sections]
    for title, page in contents.items():
        assert title[:40] in " ".join(pages[page - 1].split()), (title, page)
        earlier = " ".join(" ".join(p.split()) for p in pages[1 : page - 1])
        assert title[:40] not in earlier, f"{title} starts before page {page}"
    # ... and the bookmarks go to the same pages, one for every section.
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    [programme_mark, children] = reader.outline
    assert programme_mark.title == NAME
    marks = {
        item.title: reader.get_destination_page_number(item) + 1
        for item in children
        if not isinstance(item, list)
    }
    assert {title: marks[title] for title in contents} == contents
    assert len(pages) == len(reader.pages)


def test_the_pdf_is_pdf_ua_1_tagged_with_its_title_language_and_chart_alt_text(services, tmp_path):
    programme, _, _ = build(services)
    pdf = pdf_of(services, programme, tmp_path)
    pack = pack_of(services, programme)
    info = subprocess.run(
        [_needs("pdfinfo"), str(pdf)], capture_output=True, check=True, text=True
    ).stdout
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    assert fields["Tagged"] == "yes"
    assert fields["Title"] == NAME
    assert fields["Author"] == NAME  # no Slack installation names the workspace in the tests
    assert fields["Subject"].startswith("Evidence pack: engagement of member practices")
    assert "CreationDate" in fields and "ModDate" in fields
    # Every font is embedded (PDF/UA requires it).
    fonts = subprocess.run(
        [_needs("pdffonts"), str(pdf)], capture_output=True, check=True, text=True
    ).stdout.splitlines()[2:]
    assert fonts and all(" yes " in line for line in fonts), fonts

    from pypdf import PdfReader

    reader = PdfReader(pdf)
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"pdfuaid:part[^0-9]{1,3}1", xmp), xmp[:2000]

    tags: dict[str, int] = {}
    alts: list[str] = []

    def walk(node):
        node = node.get_object()
        kind = node.get("/S")
        if kind:
            tags[kind] = tags.get(kind, 0) + 1
            if kind == "/Figure":
                alts.append(str(node.get("/Alt", "")))
        kids = node.get("/K")
        kids = kids if isinstance(kids, list) else [kids] if kids is not None else []
        for kid in kids:
            if hasattr(kid, "get_object") and hasattr(kid.get_object(), "get"):
                walk(kid)

    walk(root["/StructTreeRoot"])
    assert tags["/H1"] == 1
    assert tags["/H2"] == len(pack.sections()) + 1  # each section, and the contents
    assert tags["/H3"] >= 5
    assert tags["/Table"] == tags["/THead"] and tags["/TH"] > tags["/Table"]
    drawn = charts.pack_charts(pack)
    assert sorted(alts) == sorted(c.alt for c in drawn.values())


def test_the_word_file_has_the_sections_tables_pictures_and_fingerprint(
    services, sqlite_url, tmp_path, monkeypatch, capsys
):
    import docx
    from docx.oxml.ns import qn

    import app

    programme, _, vote_id = build(services)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    out = tmp_path / "pack.docx"
    assert app.main(["evidence", "--programme", NAME, "--format", "docx", "--out", str(out)]) == 0
    assert "Wrote the evidence pack (DOCX)" in capsys.readouterr().out
    pack = pack_of(services, programme)
    document = docx.Document(io.BytesIO(out.read_bytes()))

    styled = [(p.style.name, p.text) for p in document.paragraphs]
    assert styled[0] == ("Title", NAME)
    assert [t for s, t in styled if s == "Heading 1"] == [t for _, t in pack.sections()]
    assert [t for s, t in styled if s == "Heading 2" and t.endswith("registered patients")] == [
        "North: 2 practices, 13,000 registered patients",
        "South: 2 practices, 5,000 registered patients",
    ]
    assert f"Vote {vote_id}: Take on joint commissioning?" in [
        t for s, t in styled if s == "Heading 2"
    ]

    # The tables are Word tables, with their header rows repeated on each page.
    tables = document.tables
    first = [c.text for c in tables[0].rows[0].cells]
    assert first[:4] == ["Stakeholder type", "In register", "Engaged", "Engagements"]
    assert tables[0].rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    names = {c.text for t in tables for row in t.rows for c in row.cells}
    assert {"Acorn Surgery", "Beacon Practice", "Cedar Health Centre", "Dene Surgery"} <= names
    assert any("13,000" in n for n in names)
    assert any(n.startswith("Statutory: NHS Act 2006 s14Z13(4)") or "s14Z13(4)" in n for n in names)
    # Columns sized to their content: the duty's number narrow, its title wide, a date whole.
    duties = next(t for t in tables if t.rows[0].cells[0].text == "No.")
    no, duty, due = (c.width for c in duties.rows[0].cells[:3])
    assert no * 4 < duty and due > no * 2

    # The charts are pictures, each described by its alt text.
    drawn = charts.pack_charts(pack)
    described = [s._inline.docPr.get("descr") for s in document.inline_shapes]
    assert sorted(described) == sorted(c.alt for c in drawn.values())

    # The fingerprint in the footer of every page, the programme in the header.
    section = document.sections[0]
    assert f"Fingerprint {pack.fingerprint}" in section.footer.paragraphs[0].text
    assert NAME in section.header.paragraphs[0].text
    props = document.core_properties
    assert (props.title, props.author, props.language) == (NAME, NAME, "en-GB")
    assert props.subject.startswith("Evidence pack:")


def axe_source() -> str:
    """axe-core from the npm registry, at the version tests/axe/package-lock.json pins, installed
    once into a cache outside the project (AXE_CACHE, or the system's temporary folder)."""
    cache = Path(os.environ.get("AXE_CACHE") or Path(tempfile.gettempdir()) / "consult-axe")
    pinned = json.loads((AXE / "package-lock.json").read_text())["packages"]
    version = pinned["node_modules/axe-core"]["version"]
    installed = cache / "node_modules" / "axe-core"
    have = installed / "package.json"
    if not have.is_file() or json.loads(have.read_text())["version"] != version:
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is not installed: run tests/system-deps.sh (Debian's npm)")
        cache.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(AXE / name, cache / name)
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--prefix", str(cache)],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return (installed / "axe.min.js").read_text(encoding="utf-8")


RUN_AXE = """<script>{axe}</script>
<script>
axe.run(document, {{runOnly: {{type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
    "best-practice"]}}}}).then(function (result) {{
  var out = document.createElement("pre"); out.id = "axe-results";
  out.textContent = JSON.stringify(result.violations.map(function (v) {{
    return {{id: v.id, impact: v.impact, help: v.help,
             where: v.nodes.slice(0, 3).map(function (n) {{ return n.target.join(" "); }})}};
  }}));
  document.body.appendChild(out);
}}, function (error) {{
  var out = document.createElement("pre"); out.id = "axe-results";
  out.textContent = JSON.stringify([{{id: "axe-failed", impact: "critical", help: String(error)}}]);
  document.body.appendChild(out);
}});
</script></body>"""


def axe_findings(html: str, tmp_path: Path) -> list[dict]:
    """axe-core's findings on the page, run in headless Chromium (the results read back from
    the page's DOM once axe has finished)."""
    page = tmp_path / "axe.html"
    page.write_text(html.replace("</body>", RUN_AXE.format(axe=axe_source())), encoding="utf-8")
    run = _chromium(
        "--virtual-time-budget=60000", "--dump-dom", page.as_uri(), profile=tmp_path / "axe-p"
    )
    dom = run.stdout.decode("utf-8", "replace")
    found = re.search(r'<pre id="axe-results">(.*?)</pre>', dom, re.S)
    assert found, f"axe-core did not report: {run.stderr.decode()[-2000:]}"
    return json.loads(html_lib.unescape(found.group(1)))


def test_the_html_pack_has_no_serious_or_critical_accessibility_findings(services, tmp_path):
    programme, _, _ = build(services)
    _, html = evidence.build_pack_html(services.new_uow(), programme.id)
    findings = axe_findings(html, tmp_path)
    serious = [f for f in findings if f["impact"] in ("serious", "critical")]
    assert serious == [], serious


def test_the_accessibility_check_sees_a_serious_finding(tmp_path):
    """The check above can fail: an image without alt text and an unlabelled table header."""
    page = (
        '<!DOCTYPE html><html lang="en-GB"><head><title>Broken</title></head><body><main>'
        '<img src="data:image/png;base64,iVBORw0KGgo="><p style="color:#ddd;background:#fff">'
        "Faint text</p></main></body></html>"
    )
    findings = {f["id"]: f["impact"] for f in axe_findings(page, tmp_path)}
    assert findings.get("image-alt") == "critical", findings
    assert findings.get("color-contrast") == "serious", findings


def test_headings_and_closing_lines_never_end_a_page(services, tmp_path):
    """The pack's own stylesheet and duties section, pushed down the page a line at a time by
    filler, so each heading in turn meets the foot of a page: none is ever left there, and the
    closing lines never sit alone on the last page."""
    from bot.pdf import html_to_pdf

    programme, _, _ = build(services)
    pack = pack_of(services, programme)
    _, html = evidence.build_pack_html(services.new_uow(), programme.id)
    head = html[: html.index("<body>")]
    duties = re.search(r'<section id="duties".*?</section>', html, re.S).group(0)
    duties = duties.replace('class="new-page"', "")
    footer = re.search(r"<footer>.*?</footer>", html, re.S).group(0)
    # Each heading, and what must be on its page under it: the chart under the section's
    # introduction, a duty (with its source) under each kind's heading.
    follows = {
        "6. Duties by kind": "of every kind: 2 done",
        "Statutory duties (4)": "Source:",
        "National guidance (3)": "Source:",
        "CCG constitution (1)": "Source:",
    }
    headings = list(follows)
    pages_seen: dict[str, set[int]] = {h: set() for h in headings}
    for n in range(24, 62, 2):
        filler = "".join(f"<p>Filler line {i}</p>" for i in range(n))
        page = f"{head}<body><main>{filler}{duties}</main>{footer}</body></html>"
        pdf = tmp_path / f"f{n}.pdf"
        pdf.write_bytes(html_to_pdf(page))
        pages = pages_of(pdf)
        for heading in headings:
            where = next(i for i, p in enumerate(pages) if heading in p)
            lines = body_lines(pages[where], pack.fingerprint)
            at = next(i for i, line in enumerate(lines) if heading in line)
            below = " ".join(" ".join(line.split()) for line in lines[at + 1 :])
            assert follows[heading] in below, f"{heading!r} ends page {where + 1} after {n} lines"
            pages_seen[heading].add(where)
        last = body_lines(pages[-1], pack.fingerprint)
        assert not any("Generated" in line for line in last[:1]) or len(pages) == 1, n
    # The sweep moved every heading across a page break.
    assert all(len(seen) >= 2 for seen in pages_seen.values()), pages_seen


def test_the_author_is_the_workspace_that_installed_consult(services, tmp_path):
    from datetime import datetime

    from storage.models.slack import slack_installations

    programme, _, _ = build(services)
    with services.engine.begin() as conn:
        for name, when in (("Old name", datetime(2014, 1, 1)), ("NHS Hillingdon CCG", None)):
            conn.execute(
                slack_installations.insert().values(
                    client_id="1.2",
                    app_id="A1",
                    team_id="T1",
                    team_name=name,
                    user_id="UADMIN",
                    installed_at=when or datetime(2014, 6, 1),
                )
            )
    pdf = pdf_of(services, programme, tmp_path)
    info = subprocess.run(
        [_needs("pdfinfo"), str(pdf)], capture_output=True, check=True, text=True
    ).stdout
    assert re.search(r"^Author:\s+NHS Hillingdon CCG$", info, re.M), info
    assert re.search(rf"^Title:\s+{NAME}$", info, re.M), info


def test_practices_are_listed_under_their_localities_those_without_one_last(services):
    from bot.services import stakeholders
    from tests.integration.test_evidence_pack import ADMIN

    programme, _, _ = build(services)
    stakeholders.add_stakeholder(
        ADMIN, "C1", "practice", "Zenith Surgery", services.new_uow(), code="E9", list_size=1500
    )
    stakeholders.add_stakeholder(
        ADMIN, "C1", "practice", "Aardvark Practice", services.new_uow(), code="E8", group="Central"
    )
    _, html = evidence.build_pack_html(services.new_uow(), programme.id)
    tree = lxml_html.document_fromstring(html)
    section = tree.get_element_by_id("practices")
    localities = [" ".join(h.text_content().split()) for h in section.iter("h3")]
    assert localities == [
        "Central: 1 practice, 0 registered patients",
        "North: 2 practices, 13,000 registered patients",
        "South: 2 practices, 5,000 registered patients",
        "No locality recorded: 1 practice, 1,500 registered patients",
    ]
    tables = section.findall(".//table")[1:]  # after the totals by position
    names = [[row.findall("td")[1].text_content() for row in t.find("tbody")] for t in tables]
    assert names == [
        ["Aardvark Practice"],
        ["Acorn Surgery", "Beacon Practice"],
        ["Cedar Health Centre", "Dene Surgery"],
        ["Zenith Surgery"],
    ]
