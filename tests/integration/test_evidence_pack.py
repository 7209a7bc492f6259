"""The evidence pack against a known data set, on SQLite and PostgreSQL; and in a real browser."""

import hashlib
import shutil
import struct
import subprocess
from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time

from bot.context import Actor
from bot.errors import Forbidden
from bot.services import duties, evidence, programmes, stakeholders, votes

ADMIN = Actor("T1", "UADMIN")
OTHER = Actor("T1", "UOTHER")
NAME = "Hillingdon co-commissioning"


def log(svc, programme, ids, on, kind, summary, position=None, withdrawn=False):
    with svc.uow() as uow:
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
            ADMIN, "C1", NAME, svc.uow(), template="co-commissioning", year=2014
        )
        add = lambda *a, **k: stakeholders.add_stakeholder(ADMIN, "C1", *a, svc.uow(), **k)  # noqa: E731
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
    with svc.uow() as uow:
        draft = uow.duties.by_key(programme.id, f"hwbb-draft-plan:{hwbb.id}")
    with freeze_time("2014-11-21 12:00:00"):
        duties.complete_duty(
            ADMIN,
            "C1",
            str(draft.id),
            svc.uow(),
            evidence=[str(ids["e6"]), "https://example.org/draft-plan.pdf"],
        )
    with freeze_time("2015-02-10 10:00:00"):
        view = votes.open_vote(
            ADMIN, "C1", "Take on joint commissioning?", svc.uow(), closes_on=date(2015, 3, 4)
        )
        for code, choice in (("E1", "for"), ("E2", "for"), ("E3", "against")):
            votes.record_ballot(ADMIN, "C1", code, choice, svc.uow())
    with freeze_time("2015-03-04 18:00:00"):
        votes.close_vote(ADMIN, "C1", svc.uow())
    return programme, ids, view.vote.id


def pack_of(svc, programme):
    with svc.uow() as uow:
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
    with svc.uow() as uow:
        practice = uow.stakeholders.by_code(programme.id, "E4")
    log(svc, programme, [practice.id], date(2015, 1, 5), "call", "Dene now supports", "support")
    changed = pack_of(svc, programme)
    assert changed.fingerprint != first.fingerprint
    assert changed.practice_positions[0] == ("support", 3, 15000)


def test_the_html_shows_the_figures_and_escapes_what_people_typed(services):
    programme, _, _ = build(services)
    _, html = evidence.build_pack_html(services.uow, programme.id)
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
        ADMIN, "C1", NAME, services.uow(), template="co-commissioning", year=2014
    )
    with pytest.raises(Forbidden, match="<@UADMIN>"):
        evidence.evidence_pack(OTHER, "C1", services.uow)
    programme, filename, content = evidence.evidence_pack(ADMIN, "C1", services.uow)
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
    _, html = evidence.build_pack_html(services.uow, programme.id)
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
            "--window-size=1200,2000",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert shot.is_file(), "Chromium took no screenshot"
    assert _png_size(shot) == (1200, 2000)
    # A blank or error page compresses to a few kilobytes; a page of tables and text does not.
    assert shot.stat().st_size > 40_000
