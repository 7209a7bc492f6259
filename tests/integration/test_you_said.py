"""The evidence pack's "You said, we did" against a known data set, on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime

from freezegun import freeze_time

from bot.context import Actor
from bot.services import engagements as eng
from bot.services import evidence, programmes, stakeholders
from bot.services import raised_issues as svc

ADMIN = Actor("T1", "UADMIN")


def build(s):
    """Three practices (10,000 patients), an LMC and an HWBB; three issues; eight engagements."""
    with freeze_time("2014-06-01 09:00:00"):
        programmes.setup_programme(ADMIN, "C1", "Hillingdon", s.new_uow())
        add = lambda *a, **k: stakeholders.add_stakeholder(ADMIN, "C1", *a, s.new_uow(), **k)  # noqa: E731
        add("practice", "Acorn Surgery", code="E1", list_size=5000)
        add("practice", "Beacon Practice", code="E2", list_size=3000)
        add("practice", "Cedar Health Centre", code="E3", list_size=2000)
        add("lmc", "Londonwide LMCs", code="L1")
        add("hwbb", "Hillingdon HWBB", code="H1")
        for name in ("Conflicts of interest", "GP workload", "Estates"):
            svc.add_issue(ADMIN, "C1", name, s.new_uow())
    with freeze_time("2014-12-01 09:00:00"):
        log = lambda refs, on, text, *issues: eng.log_engagement(  # noqa: E731
            ADMIN, "C1", refs, "meeting", text, s.new_uow(), on=on, issues=list(issues)
        )
        log(["E1", "L1"], "10/6/2014", "Who decides when GPs commission themselves?", "conflicts")
        log(["E2"], "1/7/2014", "Partners worried about workload of committee duties", "workload")
        log(["E2"], "2/7/2014", "Register of interests must be public", "conflicts")
        log(["H1"], "1/9/2014", "HWBB asks for a lay chair to manage conflicts", "conflicts")
        log(["E3"], "3/9/2014", "Locum cover for meetings #gp-workload")
        log(["E1"], "4/9/2014", "Register of interests must be public", "conflicts")
        withdrawn = log(["E3"], "5/9/2014", "Logged in error", "conflicts")
        eng.withdraw_engagement(ADMIN, "C1", withdrawn.engagement.id, s.new_uow())
        log(["E1"], "6/9/2014", "No issue here")
        svc.respond_issue(
            ADMIN,
            "C1",
            "conflicts",
            "Lay chair and a published register of interests",
            s.new_uow(),
            state="plan-changed",
            on="1/10/2014",
        )
        svc.respond_issue(
            ADMIN,
            "C1",
            "workload",
            "Meetings stay in the working day",
            s.new_uow(),
            state="not-taken-forward",
            reason="Committee meetings must be in public hours",
            on="2/10/2014",
        )


def pack(s):
    with s.new_uow() as uow:
        return evidence.compute(evidence.gather(uow, uow.programmes.get(1)))


def test_you_said_we_did_against_a_known_data_set(any_services):
    build(any_services)
    p = pack(any_services)
    # Ordered by how widely raised: 4 stakeholders, then 2, then none
    assert [(r.name, r.stakeholders, r.engagements) for r in p.you_said] == [
        ("Conflicts of interest", 4, 4),  # the withdrawn entry does not count
        ("GP workload", 2, 2),  # one of them by #hashtag
        ("Estates", 0, 0),
    ]
    c, w, e = p.you_said
    assert c.by_type == [
        ("Member practices", 2),
        ("Local Medical Committee", 1),
        ("Health and Wellbeing Boards", 1),
    ]
    assert (c.practices, c.practice_list_size, c.practice_share) == (2, 8000, 80)
    assert (w.practices, w.practice_list_size, w.practice_share) == (2, 5000, 50)
    assert (c.first, c.last) == (date(2014, 6, 10), date(2014, 9, 4))
    # One summary per stakeholder type first (the repeated text only once), oldest first
    assert [(q.on, q.summary, q.types) for q in c.quotes] == [
        (
            date(2014, 6, 10),
            "Who decides when GPs commission themselves?",
            ["Local Medical Committee", "Member practices"],
        ),
        (
            date(2014, 9, 1),
            "HWBB asks for a lay chair to manage conflicts",
            ["Health and Wellbeing Boards"],
        ),
        (date(2014, 9, 4), "Register of interests must be public", ["Member practices"]),
    ]
    assert [q.summary for q in w.quotes] == [
        "Partners worried about workload of committee duties",
        "Locum cover for meetings #gp-workload",
    ]
    assert (c.state_label, c.response, c.responded_on, c.owner) == (
        "plan changed",
        "Lay chair and a published register of interests",
        date(2014, 10, 1),
        "UADMIN (not yet looked up)",  # no directory entry: the id, with a note
    )
    assert (w.state, w.reason) == (
        "not-taken-forward",
        "Committee meetings must be in public hours",
    )
    assert (e.state, e.first, e.quotes) == ("open", None, [])
    assert p.source["issues"] == 3


def test_the_fingerprint_covers_the_section(any_services):
    build(any_services)
    first, again = pack(any_services), pack(any_services)
    assert first.fingerprint == again.fingerprint
    with freeze_time("2014-12-02 09:00:00"):
        svc.respond_issue(ADMIN, "C1", "Estates", "Surveyed every surgery", any_services.new_uow())
    changed = pack(any_services)
    assert changed.fingerprint != first.fingerprint
    assert changed.you_said[2].state == "responded"


def test_the_html_reads_as_you_said_we_did_with_the_log_in_an_appendix(services):
    build(services)
    html = evidence.render_pack(pack(services), datetime(2014, 12, 1, tzinfo=UTC))
    said = html.index("You said, we did: the issues raised</h2>")
    appendix = html.index("Appendix: the engagement log</h2>")
    assert (
        said
        < html.index("Conflicts of interest", said)
        < html.index("GP workload", said)
        < appendix
    )
    assert "Practices with 80% of registered patients (8,000)" in html
    assert "Why not taken forward:</i> Committee meetings must be in public hours" in html
    assert html.index("Partners worried about workload", appendix) > appendix
    assert "Logged in error" not in html
