"""Duties on real SQLite and PostgreSQL: created from the template per HWBB, evidenced, completed."""

import json
from datetime import date

import pytest
from sqlalchemy import select

from bot.context import Actor
from bot.errors import Conflict, Forbidden, NotFound, UsageError
from bot.services import duties, programmes, stakeholders
from storage.models import AuditEvent, Vote

ADMIN = Actor("T1", "UADMIN")
OTHER = Actor("T1", "UOTHER")


def setup(svc, channel="C1", name="Hillingdon co-commissioning", **kw):
    kw.setdefault("template", "co-commissioning")
    kw.setdefault("year", 2014)
    if kw["template"]:
        kw.setdefault("model", "delegated")
    programme, _ = programmes.setup_programme(ADMIN, channel, name, svc.new_uow(), **kw)
    return programme


def keys(svc, programme):
    with svc.new_uow() as uow:
        return sorted(d.key for d in uow.duties.list(programme.id, states=("open", "done", "na")))


def by_key(svc, programme, key):
    with svc.new_uow() as uow:
        return uow.duties.by_key(programme.id, key)


def engagement(
    svc, programme, stakeholder_ids, summary="Met", on=date(2014, 11, 20), withdrawn=False
):
    from bot import clock

    with svc.new_uow() as uow:
        e = uow.engagements.create(
            stakeholder_ids,
            programme_id=programme.id,
            kind="meeting",
            summary=summary,
            occurred_on=on,
            logged_by="UADMIN",
            withdrawn_at=clock.now() if withdrawn else None,
        )
        uow.commit()
        return e.id


def test_template_creates_one_set_per_hwbb_and_never_twice(any_services):
    svc = any_services
    programme = setup(svc)
    base = keys(svc, programme)
    assert len(base) == 4 + 8  # programme-wide duties and the A-H checklist; no HWBB yet
    a = stakeholders.add_stakeholder(
        ADMIN, "C1", "hwbb", "Hillingdon Health and Wellbeing Board", svc.new_uow(), code="HWBB1"
    )
    b = stakeholders.add_stakeholder(
        ADMIN, "C1", "hwbb", "Ealing Health and Wellbeing Board", svc.new_uow()
    )
    stakeholders.add_stakeholder(ADMIN, "C1", "lmc", "Londonwide LMCs", svc.new_uow())
    got = keys(svc, programme)
    for s in (a, b):
        mine = [k for k in got if k.endswith(f":{s.id}")]
        assert sorted(k.split(":")[0] for k in mine) == [
            "hwbb-draft-plan",
            "hwbb-opinion",
            "hwbb-opinion-statement",
        ]
    # Two boards: the CCG agrees with them which is invited before any invitation goes out.
    assert len(got) == len(base) + 6 + 1 and "hwbb-agree-invitee" in got
    assert "hwbb-standing-invitation" not in got  # waits for the agreement
    draft = by_key(svc, programme, f"hwbb-draft-plan:{b.id}")
    assert (
        draft.stakeholder_id == b.id
        and "Ealing" in draft.title
        and draft.due_on == date(2015, 2, 4)
    )
    # Again, and after an HWBB is removed and restored: nothing new.
    with svc.new_uow() as uow:
        assert duties.ensure_template_duties(uow, ADMIN, uow.programmes.get(programme.id)) == []
        uow.commit()
    stakeholders.remove_stakeholder(ADMIN, "C1", "HWBB1", svc.new_uow())
    stakeholders.add_stakeholder(
        ADMIN, "C1", "hwbb", "Hillingdon Health and Wellbeing Board", svc.new_uow(), code="HWBB1"
    )
    assert keys(svc, programme) == got
    with svc.new_uow() as uow:
        created = [
            e
            for e in uow.audit.for_programme(programme.id, entity="duty")
            if e.action == "duty.create"
        ]
    assert len(created) == len(got) + 1  # and the invitation made for the first board, held
    held = by_key(svc, programme, "hwbb-standing-invitation")
    assert held.state == "cancelled" and held.stakeholder_id == a.id


def test_a_programme_without_the_template_has_no_duties(any_services):
    programme = setup(any_services, template=None, year=None)
    stakeholders.add_stakeholder(ADMIN, "C1", "hwbb", "A board", any_services.new_uow())
    assert keys(any_services, programme) == []


def test_done_na_reopen_and_evidence(any_services):
    svc = any_services
    programme = setup(svc)
    hwbb = stakeholders.add_stakeholder(ADMIN, "C1", "hwbb", "Hillingdon HWBB", svc.new_uow())
    met = engagement(svc, programme, [hwbb.id], "Draft plan sent to the board")
    duty = by_key(svc, programme, f"hwbb-draft-plan:{hwbb.id}")
    done, count = duties.complete_duty(
        ADMIN,
        "C1",
        str(duty.id),
        svc.new_uow(),
        evidence=[str(met), "<https://example.org/draft-plan.pdf|plan>"],
    )
    assert (done.state, count) == ("done", 2)
    # The same evidence twice is kept once.
    _, _, added = duties.add_duty_evidence(ADMIN, "C1", str(duty.id), f"#{met}", svc.new_uow())
    assert not added
    _, row, added = duties.add_duty_evidence(
        ADMIN,
        "C1",
        str(duty.id),
        "https://acme.slack.com/archives/C1/p1418812345000200",
        svc.new_uow(),
    )
    assert added and row.kind == "permalink"
    with pytest.raises(Conflict, match="already done"):
        duties.complete_duty(ADMIN, "C1", str(duty.id), svc.new_uow())
    na = by_key(svc, programme, "healthwatch-representative")
    duties.mark_not_applicable(
        ADMIN, "C1", str(na.id), "No Healthwatch in this area", svc.new_uow()
    )
    listing = duties.list_duties(ADMIN, "C1", svc.new_uow())
    states = {d.id: d.state for d in listing.duties}
    assert states[duty.id] == "done" and states[na.id] == "na"
    assert listing.duties[0].state == "open"  # open first
    assert [d.state for d in listing.duties] == sorted(
        (d.state for d in listing.duties), key=lambda s: s != "open"
    )
    assert listing.evidence_counts[duty.id] == 3
    duties.reopen_duty(ADMIN, "C1", str(na.id), svc.new_uow())
    assert by_key(svc, programme, "healthwatch-representative").state == "open"
    duties.set_duty_owner(ADMIN, "C1", str(na.id), "UJANE", svc.new_uow())
    duties.note_duty(ADMIN, "C1", str(na.id), "Chair to nominate", svc.new_uow())
    again = by_key(svc, programme, "healthwatch-representative")
    assert (again.owner_id, again.notes) == ("UJANE", "Chair to nominate")
    with svc.new_uow() as uow:
        actions = [
            e.action
            for e in uow.audit.for_programme(programme.id, entity="duty")
            if e.action != "duty.create"
        ]
    assert actions == [
        "duty.evidence",
        "duty.evidence",
        "duty.done",
        "duty.evidence",
        "duty.na",
        "duty.reopen",
        "duty.owner",
        "duty.note",
    ]


def test_bad_evidence_changes_nothing(any_services):
    svc = any_services
    programme = setup(svc)
    other = setup(svc, channel="C2", name="Another CCG")
    hwbb = stakeholders.add_stakeholder(ADMIN, "C2", "hwbb", "Ealing HWBB", svc.new_uow())
    foreign = engagement(svc, other, [hwbb.id])
    mine = stakeholders.add_stakeholder(ADMIN, "C1", "hwbb", "Hillingdon HWBB", svc.new_uow())
    gone = engagement(svc, programme, [mine.id], withdrawn=True)
    duty = by_key(svc, programme, "conflicts-of-interest")
    with pytest.raises(NotFound, match=f"no engagement {foreign}"):
        duties.complete_duty(ADMIN, "C1", str(duty.id), svc.new_uow(), evidence=[str(foreign)])
    with pytest.raises(Conflict, match="withdrawn"):
        duties.add_duty_evidence(ADMIN, "C1", str(duty.id), str(gone), svc.new_uow())
    with pytest.raises(UsageError, match="https://"):
        duties.complete_duty(
            ADMIN,
            "C1",
            str(duty.id),
            svc.new_uow(),
            evidence=["https://example.org/ok.pdf", "ftp://example.org/x"],
        )
    with pytest.raises(NotFound, match="no duty"):
        duties.complete_duty(ADMIN, "C1", "99999", svc.new_uow())
    # A duty of another programme is not reachable from this channel.
    other_duty = by_key(svc, other, "conflicts-of-interest")
    with pytest.raises(NotFound):
        duties.complete_duty(ADMIN, "C1", str(other_duty.id), svc.new_uow())
    with pytest.raises(UsageError, match="reason is missing"):
        duties.mark_not_applicable(ADMIN, "C1", str(duty.id), "  ", svc.new_uow())
    after = by_key(svc, programme, "conflicts-of-interest")
    assert after.state == "open"
    with svc.new_uow() as uow:
        assert uow.duties.evidence(duty.id) == []


def test_only_admins_change_duties_and_the_refusal_names_them(any_services):
    svc = any_services
    setup(svc)
    listing = duties.list_duties(OTHER, "C1", svc.new_uow())  # anyone in the channel may look
    duty = listing.duties[0]
    attempts = [
        lambda: duties.complete_duty(OTHER, "C1", str(duty.id), svc.new_uow()),
        lambda: duties.mark_not_applicable(OTHER, "C1", str(duty.id), "No", svc.new_uow()),
        lambda: duties.add_duty_evidence(
            OTHER, "C1", str(duty.id), "https://example.org", svc.new_uow()
        ),
        lambda: duties.set_duty_owner(OTHER, "C1", str(duty.id), "UOTHER", svc.new_uow()),
        lambda: duties.note_duty(OTHER, "C1", str(duty.id), "x", svc.new_uow()),
        lambda: duties.record_revision(OTHER, "C1", "Budget", svc.new_uow()),
    ]
    for attempt in attempts:
        with pytest.raises(Forbidden, match="<@UADMIN>"):
            attempt()
    programmes.grant_role(ADMIN, "C1", "UOTHER", "admin", svc.new_uow())
    done, _ = duties.complete_duty(
        OTHER, "C1", str(duty.id), svc.new_uow(), ["https://example.org/a"]
    )
    assert done.state == "done"


def test_significant_revision_consults_each_hwbb_again(any_services):
    svc = any_services
    programme = setup(svc)
    with pytest.raises(Conflict, match="no Health and Wellbeing Board"):
        duties.record_revision(ADMIN, "C1", "Budget rewritten", svc.new_uow())
    a = stakeholders.add_stakeholder(ADMIN, "C1", "hwbb", "Hillingdon HWBB", svc.new_uow())
    b = stakeholders.add_stakeholder(ADMIN, "C1", "hwbb", "Ealing HWBB", svc.new_uow())
    number, created = duties.record_revision(
        ADMIN, "C1", "Budget rewritten", svc.new_uow(), due_on=date(2015, 5, 1)
    )
    assert number == 1
    assert sorted(d.key for d in created) == sorted(
        f"{k}:r1:{s.id}" for k in ("revision-consult", "revision-copy") for s in (a, b)
    )
    assert all(d.statute == "NHS Act 2006 s14Z12" and d.due_on == date(2015, 5, 1) for d in created)
    number, created = duties.record_revision(ADMIN, "C1", "Scope narrowed", svc.new_uow())
    assert number == 2 and len(created) == 4
    with svc.new_uow() as uow:
        events = [
            json.loads(e.after)
            for e in uow.audit.for_programme(programme.id)
            if e.action == "duty.revision"
        ]
    assert [(e["revision"], e["what_changed"]) for e in events] == [
        (1, "Budget rewritten"),
        (2, "Scope narrowed"),
    ]


def test_a_carried_vote_discharges_only_the_duty_it_is_linked_to(any_services):
    svc = any_services
    programme = setup(svc)
    from bot import clock

    support = by_key(svc, programme, "member-practice-support")
    with svc.new_uow() as uow:
        unlinked = uow.votes.create(
            programme_id=programme.id, question="Party?", closes_at=clock.now(), opened_by="UADMIN"
        )
        linked = uow.votes.create(
            programme_id=programme.id,
            question="Join?",
            closes_at=clock.now(),
            opened_by="UADMIN",
            duty_id=support.id,
        )
        uow.commit()
        unlinked_id, vote_id = unlinked.id, linked.id
    with svc.new_uow() as uow:
        p = uow.programmes.get(programme.id)
        # A carried vote that decides no duty changes none.
        assert duties.on_vote_closed(uow, ADMIN, p, uow.votes.by_id(unlinked_id), True) is None
        # A linked vote that did not carry leaves its duty open.
        assert duties.on_vote_closed(uow, ADMIN, p, uow.votes.by_id(vote_id), False).state == "open"
        done = duties.on_vote_closed(uow, ADMIN, p, uow.votes.by_id(vote_id), True)
        uow.commit()
    assert done.key == "member-practice-support"
    duty = by_key(svc, programme, "member-practice-support")
    with svc.new_uow() as uow:
        evidence = uow.duties.evidence(duty.id)
        assert duty.state == "done" and [(e.kind, e.vote_id) for e in evidence] == [
            ("vote", vote_id)
        ]
        # Nothing else changed, and a second call adds nothing.
        assert uow.duties.by_key(programme.id, "conflicts-of-interest").state == "open"
        p = uow.programmes.get(programme.id)
        duties.on_vote_closed(uow, ADMIN, p, uow.votes.by_id(vote_id), True)
        assert len(uow.duties.evidence(duty.id)) == 1
        assert uow.session.scalar(select(Vote).where(Vote.id == vote_id)).state == "open"
        assert any(e.action == "duty.done" for e in uow.session.scalars(select(AuditEvent)))
