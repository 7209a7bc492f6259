"""The evidence pack against a known data set, on SQLite and PostgreSQL; and in a real browser."""

import hashlib
import re
import shutil
import struct
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from freezegun import freeze_time

from bot import charts
from bot.context import Actor
from bot.errors import Forbidden
from bot.services import duties, evidence, programmes, stakeholders, votes

ADMIN = Actor("T1", "UADMIN")
OTHER = Actor("T1", "UOTHER")
NAME = "Hillingdon co-commissioning"


def log(svc, programme, ids, on, kind, summary, position=None, withdrawn=False):
    with svc.new_uow() as uow:
        e = uow.engagements.create(
            ids,
            programme_id=programme.id,
            kind=kind,
            summary=summary,
            occurred_on=on,
            position=position,
            logged_by="UADMIN",
            withdrawn_at=datetime(2015, 1, 2, tzinfo=UTC) if withdrawn else None,
        )
        uow.commit()
        return e.id


def build(svc):
    """Four practices, an LMC, an HWBB and Healthwatch; eight log entries (one withdrawn); a carried vote."""
    with freeze_time("2014-06-01 09:00:00"):
        programme, _ = programmes.setup_programme(
            ADMIN, "C1", NAME, svc.new_uow(), template="co-commissioning", year=2014, model="joint"
        )
        add = lambda *a, **k: stakeholders.add_stakeholder(ADMIN, "C1", *a, svc.new_uow(), **k)  # noqa: E731
        p1 = add("practice", "Acorn Surgery", code="E1", list_size=8000, group="North")
        p2 = add("practice", "Beacon Practice", code="E2", list_size=5000, group="North")
        p3 = add("practice", "Cedar Health Centre", code="E3", list_size=3000, group="South")
        add("practice", "Dene Surgery", code="E4", list_size=2000, group="South")
        lmc = add("lmc", "Londonwide LMCs", code="L1")
        hwbb = add("hwbb", "Hillingdon HWBB", code="H1")
        add("healthwatch", "Healthwatch Hillingdon", code="W1")
    ids = {
        "e1": log(
            svc,
            programme,
            [p1.id, p2.id, lmc.id],
            date(2014, 6, 10),
            "meeting",
            "Locality meeting: conflicts of interest raised",
        ),
        "e2": log(
            svc,
            programme,
            [p1.id],
            date(2014, 7, 1),
            "email",
            "Supports joint commissioning",
            "support",
        ),
        "e3": log(
            svc, programme, [p2.id], date(2014, 8, 1), "call", "Worried about workload", "oppose"
        ),
        "e4": log(
            svc,
            programme,
            [p2.id],
            date(2014, 9, 1),
            "meeting",
            "Content after assurances",
            "support",
        ),
        "e5": log(
            svc,
            programme,
            [p3.id],
            date(2014, 10, 1),
            "survey",
            "<script>alert(1)</script> undecided",
            "undecided",
        ),
        "e6": log(svc, programme, [hwbb.id], date(2014, 11, 20), "board-paper", "Draft plan sent"),
        "e7": log(
            svc,
            programme,
            [p3.id],
            date(2014, 12, 1),
            "meeting",
            "Logged in error",
            "oppose",
            withdrawn=True,
        ),
        "e8": log(
            svc,
            programme,
            [lmc.id],
            date(2014, 12, 5),
            "letter",
            "LMC supports with conditions",
            "support",
        ),
    }
    with svc.new_uow() as uow:
        draft = uow.duties.by_key(programme.id, f"hwbb-draft-plan:{hwbb.id}")
        support = uow.duties.by_key(programme.id, "member-practice-support")
    with freeze_time("2014-11-21 12:00:00"):
        duties.complete_duty(
            ADMIN,
            "C1",
            str(draft.id),
            svc.new_uow(),
            evidence=[str(ids["e6"]), "https://example.org/draft-plan.pdf"],
        )
    with freeze_time("2015-02-10 10:00:00"):
        view = votes.open_vote(
            ADMIN,
            "C1",
            "Take on joint commissioning?",
            svc.new_uow(),
            closes_on=date(2015, 3, 4),
            duty=str(support.id),  # the vote decides member practices' support
        )
        for code, choice in (("E1", "for"), ("E2", "for"), ("E3", "against")):
            votes.record_ballot(ADMIN, "C1", code, choice, svc.new_uow())
    with freeze_time("2015-03-04 18:00:00"):
        votes.close_vote(ADMIN, "C1", svc.new_uow())
    return programme, ids, view.vote.id


def pack_of(svc, programme):
    with svc.new_uow() as uow:
        return evidence.compute(evidence.gather(uow, uow.programmes.get(programme.id)))


def test_the_figures_match_the_known_data_set(any_services):
    svc = any_services
    programme, ids, vote_id = build(svc)
    pack = pack_of(svc, programme)
    types = {t.type: t for t in pack.types}
    practice = types["practice"]
    assert (practice.in_register, practice.engaged, practice.engagements) == (4, 3, 5)
    assert (practice.first, practice.last) == (date(2014, 6, 10), date(2014, 10, 1))
    assert practice.kinds == {"call": 1, "email": 1, "meeting": 2, "survey": 1}
    assert practice.positions == {
        "support": 2,
        "oppose": 0,
        "undecided": 1,
        "neutral": 0,
    }  # Beacon came round
    lmc = types["lmc"]
    assert (lmc.in_register, lmc.engaged, lmc.engagements, lmc.first, lmc.last) == (
        1,
        1,
        2,
        date(2014, 6, 10),
        date(2014, 12, 5),
    )
    assert (
        types["hwbb"].engagements,
        types["healthwatch"].engaged,
        types["healthwatch"].engagements,
    ) == (1, 0, 0)
    assert pack.totals == {
        "engagements": 7,
        "stakeholders": 7,
        "engaged": 5,
        "first": date(2014, 6, 10),
        "last": date(2014, 12, 5),
    }
    assert all(
        "Logged in error" not in e.summary for rows in pack.engagement_log.values() for e in rows
    )
    assert pack.practice_positions == [
        ("support", 2, 13000),
        ("oppose", 0, 0),
        ("undecided", 1, 3000),
        ("neutral", 0, 0),
        ("no position stated", 1, 2000),
    ]
    beacon = next(r for r in pack.practices if r.code == "E2")
    assert (beacon.position, beacon.position_on, beacon.engagements) == (
        "support",
        date(2014, 9, 1),
        3,
    )

    [v] = pack.votes
    t = v.tally
    assert (t.practices.for_, t.practices.against, t.practices.abstain, t.practices.electorate) == (
        2,
        1,
        0,
        4,
    )
    assert (t.list_size.for_, t.list_size.against, t.list_size.not_voted) == (13000, 3000, 2000)
    assert v.state == "closed" and t.carried
    expected = hashlib.sha256(b"E1|8000|for\nE2|5000|for\nE3|3000|against\n").hexdigest()
    assert t.checksum == expected and v.stored_checksum == expected and v.checksum_matches

    rows = {r.title: r for r in pack.duties}
    support = next(r for r in pack.duties if r.title.startswith("Win member practices' support"))
    assert support.state == "done" and support.done_on == date(2015, 3, 4)
    assert [e.kind for e in support.evidence] == ["vote"] and "carried" in support.evidence[0].text
    draft = next(r for r in rows.values() if r.title.startswith("Give Hillingdon HWBB a draft"))
    assert draft.done_on == date(2014, 11, 21)
    assert [(e.kind, e.on) for e in draft.evidence] == [
        ("engagement", date(2014, 11, 20)),
        ("url", date(2014, 11, 21)),
    ]
    assert pack.duty_counts == {"open": 6, "done": 2, "na": 0}
    assert [r.title[0] for r in pack.checklist] == list("ABCDEFGH")

    # Duties grouped by what they are, each with its sources; a section only where cited.
    groups = {kind: rows for kind, _, rows in pack.duty_groups}
    assert [kind for kind, _, _ in pack.duty_groups] == ["statutory", "guidance", "constitution"]
    assert [h for _, h, _ in pack.duty_groups] == [
        "Statutory duties",
        "National guidance",
        "CCG constitution",
    ]
    assert draft in groups["statutory"] and draft.basis == "Statutory: NHS Act 2006 s14Z13(4)"
    assert draft.source.startswith("NHS England letter, 18 Dec 2014, Annex A")
    opinion = next(r for r in groups["statutory"] if r.title.startswith("Ask Hillingdon HWBB"))
    assert opinion.statute is None and opinion.basis == "Statutory"
    invitation = next(r for r in groups["guidance"] if "standing invitation" in r.title)
    assert invitation.source.startswith("NHS England letter, 18 Dec 2014, section B")
    assert groups["constitution"] == [support]
    assert all(r.source for r in pack.duties + pack.checklist)
    assert any("the programme's suggestion" in n for n in opinion.due_notes)
    # 2014/15: the documented dates; only Hillingdon CCG's own vote date is offered to confirm.
    assert [t.what for t in pack.timeline if t.provisional] == [
        "Member practice vote on the constitution change"
    ]
    context = {(t.on, t.kind) for t in pack.timeline if t.kind == "context"}
    assert (date(2014, 5, 1), "context") in context and (date(2014, 12, 18), "context") in context
    assert {d["key"] for d in pack.documents} >= {"eoi-letter", "hwbb-letter", "nwl-paper"}

    when = {(t.on, t.what) for t in pack.timeline}
    assert (date(2014, 6, 20), "Expression of interest to NHS England (sections A to H)") in when
    assert (date(2015, 3, 4), f"Vote {vote_id} closed: carried") in when
    assert (date(2014, 11, 21), draft.title and f"Done: {draft.title}") in when
    assert [t.on for t in pack.timeline] == sorted(t.on for t in pack.timeline)


def test_the_same_log_gives_the_same_pack_and_a_change_shows(any_services):
    svc = any_services
    programme, _, _ = build(svc)
    first, second = pack_of(svc, programme), pack_of(svc, programme)
    assert first.fingerprint == second.fingerprint and len(first.fingerprint) == 64
    with svc.new_uow() as uow:
        practice = uow.stakeholders.by_code(programme.id, "E4")
    log(svc, programme, [practice.id], date(2015, 1, 5), "call", "Dene now supports", "support")
    changed = pack_of(svc, programme)
    assert changed.fingerprint != first.fingerprint
    assert changed.practice_positions[0] == ("support", 3, 15000)


def test_the_html_shows_the_figures_and_escapes_what_people_typed(services):
    programme, _, _ = build(services)
    _, html = evidence.build_pack_html(services.new_uow(), programme.id)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    for text in (
        "Hillingdon co-commissioning",
        "NHS Act 2006 s14Z13(4)",
        "13,000",
        hashlib.sha256(b"E1|8000|for\nE2|5000|for\nE3|3000|against\n").hexdigest(),
        "It matches the checksum recorded when the vote closed",
        "G. Engaging member practices",
        'href="https://example.org/draft-plan.pdf"',
        "Fingerprint of the figures",
    ):
        assert text in html, text


def test_only_admins_make_the_pack(services):
    programmes.setup_programme(
        ADMIN, "C1", NAME, services.new_uow(), template="co-commissioning", year=2014
    )
    with pytest.raises(Forbidden, match="<@UADMIN>"):
        evidence.evidence_pack(OTHER, "C1", services.new_uow())
    programme, filename, content = evidence.evidence_pack(ADMIN, "C1", services.new_uow())
    assert filename.startswith("evidence-pack-hillingdon-co-commissioning-") and filename.endswith(
        ".html"
    )
    assert content.startswith(b"<!DOCTYPE html>")


def test_the_command_line_writes_the_pack(services, sqlite_url, tmp_path, monkeypatch):
    import app

    build(services)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    out = tmp_path / "pack.html"
    assert app.main(["evidence", "--programme", NAME.upper(), "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "Vote 1: Take on joint commissioning?" in html
    with pytest.raises(SystemExit, match="No programme"):
        app.main(["evidence", "--programme", "Nowhere", "--out", str(out)])


def _png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_the_pack_opens_in_a_real_browser(services, tmp_path):
    chromium = shutil.which("chromium") or (
        "/usr/bin/chromium" if shutil.os.path.exists("/usr/bin/chromium") else None
    )
    if chromium is None:
        pytest.fail(
            "Chromium is not installed: run tests/system-deps.sh (Debian's chromium package)"
        )
    programme, _, _ = build(services)
    _, html = evidence.build_pack_html(services.new_uow(), programme.id)
    page = tmp_path / "pack.html"
    page.write_text(html, encoding="utf-8")
    shot = tmp_path / "pack.png"
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1200,2600",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert shot.is_file(), "Chromium took no screenshot"
    assert _png_size(shot) == (1200, 2600)
    # A blank or error page compresses to a few kilobytes; a page of tables and text does not.
    assert shot.stat().st_size > 40_000
    # The charts are drawn: the engagement-per-week and coverage bars are Okabe-Ito blue.
    from PIL import Image

    image = Image.open(shot).convert("RGB")
    blue = sum(
        n
        for n, (r, g, b) in image.getcolors(maxcolors=image.width * image.height)
        if abs(r - 0x00) < 20 and abs(g - 0x72) < 20 and abs(b - 0xB2) < 20
    )
    assert blue > 2_000, blue


# -- charts and the PDF ------------------------------------------------------------------------


def test_the_packs_charts_draw_the_packs_own_figures(any_services):
    svc = any_services
    programme, _, vote_id = build(svc)
    pack = pack_of(svc, programme)
    drawn = charts.pack_charts(pack)
    assert set(drawn) == {"weekly", "coverage", "duties", "positions", f"turnout-{vote_id}"}
    # Each type's weekly bars add up to the table's engagements for that type.
    weekly = dict(drawn["weekly"].series)
    assert {t.label: t.engagements for t in pack.types if t.engagements} == {
        label: sum(counts) for label, counts in weekly.items()
    }
    assert [(r.value, r.whole) for r in drawn["positions"].rows] == [
        (n, size) for _, n, size in pack.practice_positions
    ]
    assert [r.text for r in drawn["coverage"].rows] == [
        f"{t.engaged} of {t.in_register}" for t in pack.types
    ]
    assert [r.value for r in drawn["duties"].rows] == [
        pack.duty_counts["done"],
        pack.duty_counts["open"],
        pack.duty_counts["na"],
    ]
    # Turnout: three practices voted on 10 Feb 2015; the vote closed on 4 Mar with 3 of 4.
    turnout = drawn[f"turnout-{vote_id}"]
    assert turnout.series[0] == (date(2015, 2, 10), 3)
    assert turnout.series[-1] == (date(2015, 3, 4), pack.votes[0].tally.practices.turnout)
    assert turnout.alt == (
        f"Turnout in vote {vote_id}: 3 of 4 practices (75%) had voted by Wed 4 Mar 2015; "
        "no quorum set."
    )


def test_the_html_pack_carries_each_chart_inline_with_its_alt_text(services):
    programme, _, vote_id = build(services)
    _, html = evidence.build_pack_html(services.new_uow(), programme.id)
    pack = pack_of(services, programme)
    for chart in charts.pack_charts(pack).values():
        label = chart.alt.replace("'", "&#39;")
        assert f'<svg role="img" aria-label="{label}"' in html, chart.name
        assert f"<figcaption>{label}</figcaption>" in html
    assert html.count("<svg ") == 5
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # five charts, no clashing element ids


def _needs(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        pytest.fail(f"{tool} is not installed: run tests/system-deps.sh (Debian's poppler-utils)")
    return found


MM = 72 / 25.4  # pixels per millimetre at 72 dpi


def cut_table_rows(pdf: Path, workdir: Path) -> tuple[int, list[int]]:
    """(pages, pages that end inside a table row). Each page is drawn with pdftoppm; a page whose
    lowest ink is a table's cell borders running down to the bottom margin without the
    horizontal rule that closes a row has a row split across the page break."""
    from PIL import Image

    workdir.mkdir(exist_ok=True)
    subprocess.run(
        [_needs("pdftoppm"), "-r", "72", "-gray", "-png", str(pdf), str(workdir / "p")], check=True
    )
    pages = sorted(workdir.glob("p-*.png"))
    cut = []
    for n, path in enumerate(pages, start=1):
        image = Image.open(path).convert("L")
        px = image.load()
        width, height = image.size
        top, bottom = int(20 * MM) + 2, height - int(20 * MM) - 2  # inside the page margins

        def ink(x, y):
            return px[x, y] < 235

        last = next(
            (y for y in range(bottom, top, -1) if any(ink(x, y) for x in range(width))), None
        )
        if last is None:
            continue
        borders = [x for x in range(width) if all(ink(x, y) for y in range(last - 8, last + 1))]
        if len(borders) < 2:
            continue  # the page ends with text or a chart, not inside a table
        left, right = min(borders), max(borders)
        closed = sum(ink(x, last) or ink(x, last - 1) for x in range(left, right + 1))
        if closed / (right - left + 1) < 0.9:
            cut.append(n)
    return len(pages), cut


def long_programme(svc):
    """The known data set plus 90 engagements with summaries from a line to a paragraph, so the
    tables run over many pages."""
    programme, _, _ = build(svc)
    with svc.new_uow() as uow:
        practice = uow.stakeholders.by_code(programme.id, "E4")
    for i in range(90):
        words = " ".join(["the committee's terms of reference and conflicts"] * (1 + (i * 7) % 23))
        log(svc, programme, [practice.id], date(2014, 7, 1 + i % 28), "meeting", f"{i}: {words}")
    return programme


def test_the_pdf_is_a4_with_header_page_numbers_fingerprint_and_no_cut_rows(services, tmp_path):
    programme = long_programme(services)
    _, content = evidence.build_pack_pdf(services.new_uow(), programme.id)
    assert content[:5] == b"%PDF-"
    pdf = tmp_path / "pack.pdf"
    pdf.write_bytes(content)
    text = subprocess.run(
        [_needs("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    pack = pack_of(services, programme)
    pages = text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")
    assert len(pages) >= 4
    for n, page in enumerate(pages, start=1):
        assert NAME in page.split("\n", 3)[0] + page[:400], f"no running header on page {n}"
        assert f"Page {n} of {len(pages)}" in page
        assert pack.fingerprint in page, f"no fingerprint on page {n}"
    # The figures are in the text, charts included (their labels are text, not pixels).
    for figure in (
        "13,000",
        "Member practices by position",
        "Share of registered patients",
        "3 voted (75%)",
        "Engagement per week",
        "Duties of every kind",
        "2 of 8",
    ):
        assert figure in text, figure
    # pdftoppm draws the same number of pages, A4 (595 x 842 points), and no row is cut.
    count, cut = cut_table_rows(pdf, tmp_path / "pages")
    assert count == len(pages)
    from PIL import Image

    width, height = Image.open(next((tmp_path / "pages").glob("p-*.png"))).size
    assert abs(width - 595.3) < 1 and abs(height - 841.9) < 1  # A4 in points
    assert cut == []


def test_the_row_checker_sees_a_cut_row(tmp_path):
    """The check above can fail: the same long table, allowed to split its rows, is caught."""
    from bot.pdf import html_to_pdf

    rows = "".join(
        f"<tr><td>{i}</td><td>{'word ' * (30 if i % 7 else 220)}</td></tr>" for i in range(40)
    )
    style = (
        "table{border-collapse:collapse;width:100%} td{border:1px solid #c9d1d8;padding:4px}"
        "@page{size:A4;margin:20mm 14mm}"
    )
    html = f"<html><style>{style}</style><body><table>{rows}</table></body></html>"
    (tmp_path / "split.pdf").write_bytes(html_to_pdf(html))
    _, cut = cut_table_rows(tmp_path / "split.pdf", tmp_path / "split")
    assert cut
    kept = html.replace("</style>", "tr{break-inside:avoid}</style>")
    (tmp_path / "kept.pdf").write_bytes(html_to_pdf(kept))
    assert cut_table_rows(tmp_path / "kept.pdf", tmp_path / "kept")[1] == []


def test_the_command_line_writes_a_pdf(services, sqlite_url, tmp_path, monkeypatch, capsys):
    import app

    build(services)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    out = tmp_path / "pack.pdf"
    assert app.main(["evidence", "--programme", NAME, "--format", "pdf", "--out", str(out)]) == 0
    assert out.read_bytes()[:5] == b"%PDF-"
    assert "Wrote the evidence pack (PDF)" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        app.main(["evidence", "--programme", NAME, "--format", "odt", "--out", str(out)])


def test_without_weasyprint_the_pdf_is_refused_clearly(services, monkeypatch):
    """Nothing else depends on WeasyPrint: without it only the PDF is refused, with how to fix it."""
    import builtins

    from bot.pdf import PdfUnavailable

    programmes.setup_programme(ADMIN, "C1", NAME, services.new_uow())
    real_import = builtins.__import__

    def no_weasyprint(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    with pytest.raises(PdfUnavailable, match="system-deps.sh runtime"):
        evidence.evidence_pack(ADMIN, "C1", services.new_uow(), "pdf")
    _, name, html = evidence.evidence_pack(ADMIN, "C1", services.new_uow(), "html")
    assert name.endswith(".html") and html.startswith(b"<!DOCTYPE html>")


def test_the_command_line_writes_the_charts(services, sqlite_url, tmp_path, monkeypatch, capsys):
    import app

    _, _, vote_id = build(services)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    assert app.main(["charts", "--programme", NAME, "--out", str(tmp_path)]) == 0
    written = {p.name for p in tmp_path.glob("*.png")}
    assert written == {
        "coverage-30-days.png",
        "weekly.png",
        "coverage.png",
        "duties.png",
        "positions.png",
        f"turnout-{vote_id}.png",
    }
    out = capsys.readouterr().out
    assert "positions.png: Member practices by current position, 4 practices" in out
    assert app.main(["charts", "--programme", NAME, "--out", str(tmp_path), "--format", "svg"]) == 0
    assert (tmp_path / "duties.svg").read_text().count("<svg") == 1
    # A new folder is made; a file where the folder should be is refused.
    assert app.main(["charts", "--programme", NAME, "--out", str(tmp_path / "new" / "one")]) == 0
    assert (tmp_path / "new" / "one" / "duties.png").is_file()
    (tmp_path / "taken").write_text("x")
    assert app.main(["charts", "--programme", NAME, "--out", str(tmp_path / "taken")]) == 2


def test_duty_owners_are_named_deactivated_marked_and_unknown_noted(any_services):
    from bot.people import Person
    from bot.services.directory import remember_people
    from storage.models import Duty

    programme, _, _ = build(any_services)
    with any_services.new_uow() as uow:
        owned = list(uow.session.query(Duty).filter_by(programme_id=programme.id).order_by(Duty.id))
        for duty, owner in zip(owned, ["UJANE", "UGONE", "UNOBODY"]):
            duty.owner_id = owner
        uow.commit()
    remember_people(
        any_services.new_uow(),
        "T1",
        [
            Person("UJANE", "jane", "Jane <b>Patel</b>"),
            Person("UGONE", "sam", "Sam Old", deleted=True),
        ],
    )
    _, html = evidence.build_pack_html(any_services.new_uow(), programme.id)
    assert "owner Jane &lt;b&gt;Patel&lt;/b&gt;" in html
    assert "owner Sam Old (deactivated)" in html
    assert "owner UNOBODY (not yet looked up)" in html


def _chromium(*args, profile):
    chromium = shutil.which("chromium") or (
        "/usr/bin/chromium" if shutil.os.path.exists("/usr/bin/chromium") else None
    )
    if chromium is None:
        pytest.fail(
            "Chromium is not installed: run tests/system-deps.sh (Debian's chromium package)"
        )
    common = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ]
    return subprocess.run([chromium, *common, *args], capture_output=True, timeout=120, check=False)


def test_a_screenshot_of_the_pack_shows_duties_grouped_by_kind_with_sources(services, tmp_path):
    """The duties section as a browser draws it: a screenshot of that section alone, and the
    same page printed to PDF, whose text (read back with pdftotext in the order the browser drew
    it) has the kind headings in
    order, each followed by its duties and their sources."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is not installed: run tests/system-deps.sh (poppler-utils)")
    programme, _, _ = build(services)
    _, html = evidence.build_pack_html(services.new_uow(), programme.id)
    only_duties = html.replace(
        "</head>",
        "<style>header, nav, section:not(#duties), footer { display: none; }</style></head>",
    )
    page = tmp_path / "duties.html"
    page.write_text(only_duties, encoding="utf-8")

    shot = tmp_path / "duties.png"
    _chromium(
        f"--screenshot={shot}", "--window-size=1200,1800", page.as_uri(), profile=tmp_path / "p1"
    )
    assert shot.is_file(), "Chromium took no screenshot"
    assert _png_size(shot) == (1200, 1800)
    assert shot.stat().st_size > 40_000  # tables of text, not a blank or error page

    pdf = tmp_path / "duties.pdf"
    _chromium(
        f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri(), profile=tmp_path / "p2"
    )
    assert pdf.is_file() and pdf.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(
        ["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    headings = ["Statutory duties (4)", "National guidance (3)", "CCG constitution (1)"]
    positions = [flat.find(h) for h in headings]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), positions
    statutory = flat[positions[0] : positions[1]]
    guidance = flat[positions[1] : positions[2]]
    constitution = flat[positions[2] :]
    assert "Statutory: NHS Act 2006 s14Z13(4)" in statutory
    assert "Statutory: NHS Act 2006 s14Z13(8)" in statutory
    assert "Source: NHS England letter, 18 Dec 2014, Annex A" in statutory
    assert (
        "Source: NHS England letter inviting expressions of interest, May 2014, section F"
        in statutory
    )
    assert "Source: NHS England letter, 18 Dec 2014, section B" in guidance
    assert (
        "Source: Southern Derbyshire CCG report to its Health and Wellbeing Board, 15 Jan 2015"
        in guidance
    )
    assert "Win member practices' support" in constitution
    assert (
        "Source: NW London CCGs' update for Health and Wellbeing Boards, undated, para 7.6"
        in constitution
    )
    # No section the sources do not cite, anywhere on the page.
    assert "14Z13(5)" not in flat and "s14" + "O" not in flat
