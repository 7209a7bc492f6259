"""Scenarios: a programme set up for 2014/15 and for 2026/27, each model, a change of model,
and two Health and Wellbeing Boards, on real SQLite and PostgreSQL."""

import json
from datetime import date

import pytest
from freezegun import freeze_time

from bot.context import Actor
from bot.dates import is_working_day
from bot.errors import Conflict, UsageError
from bot.services import deadlines, duties, programmes, stakeholders

ADMIN = Actor("T1", "UADMIN")


def setup(svc, **kw):
    kw.setdefault("template", "co-commissioning")
    programme, created = programmes.setup_programme(ADMIN, "C1", "X CCG", svc.new_uow(), **kw)
    return programme, created


def rows(svc, programme):
    with svc.new_uow() as uow:
        ds = {d.template_key: d for d in uow.deadlines.with_template_keys(programme.id)}
        dus = {
            d.key: d
            for d in uow.duties.list(programme.id, states=("open", "done", "na", "cancelled"))
        }
        return ds, dus


def audit_actions(svc, programme):
    with svc.new_uow() as uow:
        return [e.action for e in uow.audit.for_programme(programme.id)]


MODEL_DEADLINES = {
    "greater-involvement": {"expression-of-interest", "new-arrangements"},
    "joint": {"expression-of-interest", "joint-proforma", "member-vote", "new-arrangements"},
    "delegated": {
        "expression-of-interest",
        "delegated-proforma",
        "member-vote",
        "new-arrangements",
    },
    "undecided": {"expression-of-interest", "member-vote", "new-arrangements"},
}
COMMITTEE = {"healthwatch-representative", "committee-lay-majority", "conflicts-of-interest"}


@pytest.mark.parametrize("model", sorted(MODEL_DEADLINES))
def test_each_model_has_its_deadlines_and_duties(any_services, model):
    programme, created = setup(any_services, year=2014, model=model)
    assert programme.model == model
    assert {d.template_key for d in created} == MODEL_DEADLINES[model]
    stakeholders.add_stakeholder(ADMIN, "C1", "hwbb", "Hillingdon HWBB", any_services.new_uow())
    _, dus = rows(any_services, programme)
    committee = model in ("joint", "delegated")
    assert (COMMITTEE <= dus.keys()) is committee
    assert ("hwbb-standing-invitation" in dus) is committee
    assert ("member-practice-support" in dus) is (model != "greater-involvement")
    assert ("choose-model" in dus) is (model == "undecided")
    if committee:
        # Conflicts of interest and the committee are due with the model's own proforma.
        proforma = date(2015, 1, 9) if model == "delegated" else date(2015, 1, 30)
        assert dus["conflicts-of-interest"].due_on == proforma
        assert dus["committee-lay-majority"].due_on == proforma


def test_2014_gives_exactly_the_documented_dates(any_services):
    programme, created = setup(any_services, year=2014, model="delegated")
    assert {d.template_key: d.due_on for d in created} == {
        "expression-of-interest": date(2014, 6, 20),
        "delegated-proforma": date(2015, 1, 9),
        "member-vote": date(2015, 3, 4),
        "new-arrangements": date(2015, 4, 1),
    }
    # Only Hillingdon CCG's own vote date, and the duty that follows it, are to confirm.
    assert {d.template_key for d in created if d.provisional} == {"member-vote"}
    assert all("2014" in d.source or "2015" in d.source for d in created)
    _, dus = rows(any_services, programme)
    assert {k for k, d in dus.items() if d.provisional} == {"member-practice-support"}
    assert dus["eoi-c"].source == (
        "NHS England letter inviting expressions of interest, May 2014, paragraph 8, section C"
    )


def test_2026_dates_move_off_weekends_are_provisional_then_confirmed(any_services):
    with freeze_time("2026-11-29 10:00:00"):
        programme, created = setup(any_services, model="delegated")  # no --year: this cycle
        assert programme.year == 2026
        by_key = {d.template_key: d for d in created}
        # 20 June 2026 and 9 January 2027 are Saturdays: moved to the Friday before.
        assert by_key["expression-of-interest"].due_on == date(2026, 6, 19)
        assert by_key["delegated-proforma"].due_on == date(2027, 1, 8)
        assert all(d.provisional and is_working_day(d.due_on) for d in created)
        _, dus = rows(any_services, programme)
        assert all(d.provisional for d in dus.values() if d.due_on)
        assert all(is_working_day(d.due_on) for d in dus.values() if d.due_on)

        proforma = by_key["delegated-proforma"]
        _, view, followed = deadlines.confirm_deadline(
            ADMIN, "C1", proforma.id, any_services.new_uow()
        )
        assert view.deadline.provisional is False and view.deadline.sequence == 1
        assert {d.key for d in followed} == {"conflicts-of-interest", "committee-lay-majority"}
        ds, dus = rows(any_services, programme)
        assert not ds["delegated-proforma"].provisional
        assert not dus["conflicts-of-interest"].provisional
        assert dus["conflicts-of-interest"].due_note  # still the programme's suggestion
        with pytest.raises(Conflict, match="not provisional"):
            deadlines.confirm_deadline(ADMIN, "C1", proforma.id, any_services.new_uow())

        # A move confirms too, and the duties that follow the date move with it.
        vote = ds["member-vote"]
        deadlines.move_deadline(ADMIN, "C1", vote.id, date(2027, 3, 10), any_services.new_uow())
        ds, dus = rows(any_services, programme)
        assert ds["member-vote"].provisional is False
        support = dus["member-practice-support"]
        assert (support.due_on, support.provisional) == (date(2027, 3, 10), False)
        assert ds["expression-of-interest"].provisional  # the others stay to confirm
    assert "deadline.confirm" in audit_actions(any_services, programme)


def test_change_of_model_adds_and_cancels_with_audit_and_keeps_evidence(any_services):
    programme, _ = setup(any_services, year=2014, model="joint")
    stakeholders.add_stakeholder(ADMIN, "C1", "hwbb", "Hillingdon HWBB", any_services.new_uow())
    _, dus = rows(any_services, programme)
    healthwatch = dus["healthwatch-representative"]
    duties.complete_duty(
        ADMIN, "C1", str(healthwatch.id), any_services.new_uow(), ["https://example.org/letter.pdf"]
    )

    change = programmes.change_model(ADMIN, "C1", "greater-involvement", any_services.new_uow())
    assert {d.template_key for d in change.cancelled} == {"joint-proforma", "member-vote"}
    assert {d.key for d in change.duties.cancelled} >= {
        "committee-lay-majority",
        "conflicts-of-interest",
        "hwbb-standing-invitation",
        "member-practice-support",
    }
    assert [d.key for d in change.duties.kept] == ["healthwatch-representative"]
    ds, dus = rows(any_services, programme)
    assert ds["joint-proforma"].state == "cancelled"
    assert dus["committee-lay-majority"].state == "cancelled"
    assert dus["healthwatch-representative"].state == "done"  # done with evidence: kept as is
    with any_services.new_uow() as uow:
        assert len(uow.duties.evidence(healthwatch.id)) == 1

    change = programmes.change_model(ADMIN, "C1", "delegated", any_services.new_uow())
    assert {d.template_key for d in change.added} == {"delegated-proforma"}
    assert {d.template_key for d in change.reopened} == {"member-vote"}
    assert "committee-lay-majority" in {d.key for d in change.duties.reopened}
    ds, dus = rows(any_services, programme)
    assert ds["joint-proforma"].state == "cancelled"
    assert dus["conflicts-of-interest"].state == "open"
    assert dus["conflicts-of-interest"].due_on == date(2015, 1, 9)

    change = programmes.change_model(ADMIN, "C1", "joint", any_services.new_uow())
    assert {d.template_key for d in change.reopened} == {"joint-proforma"}
    assert {d.template_key for d in change.cancelled} == {"delegated-proforma"}
    moved = {d.key: (old, d.due_on) for d, old in change.duties.moved}
    assert moved["conflicts-of-interest"] == (date(2015, 1, 9), date(2015, 1, 30))

    with any_services.new_uow() as uow:
        events = [
            json.loads(e.after)
            for e in uow.audit.for_programme(programme.id)
            if e.action == "programme.model"
        ]
    assert [e["model"] for e in events] == ["greater-involvement", "delegated", "joint"]


def test_a_bad_or_unchanged_model_changes_nothing(any_services):
    programme, _ = setup(any_services, year=2014, model="joint")
    before = audit_actions(any_services, programme)
    with pytest.raises(UsageError, match="greater-involvement, joint, delegated, undecided"):
        programmes.change_model(ADMIN, "C1", "delegate", any_services.new_uow())
    with pytest.raises(Conflict, match="already joint"):
        programmes.change_model(ADMIN, "C1", "joint", any_services.new_uow())
    assert audit_actions(any_services, programme) == before
    with pytest.raises(UsageError, match="not a model"):
        programmes.setup_programme(
            ADMIN, "C2", "Y", any_services.new_uow(), template="co-commissioning", model="shared"
        )


def test_choosing_a_model_discharges_the_decision_duty(any_services):
    programme, _ = setup(any_services, year=2014)
    assert programme.model == "undecided"
    change = programmes.change_model(ADMIN, "C1", "delegated", any_services.new_uow())
    assert [d.key for d in change.duties.done] == ["choose-model"]
    _, dus = rows(any_services, programme)
    assert dus["choose-model"].state == "done" and "delegated" in dus["choose-model"].notes


def test_two_hwbbs_agree_which_is_invited_then_the_invitation(any_services):
    programme, _ = setup(any_services, year=2014, model="delegated")
    a = stakeholders.add_stakeholder(ADMIN, "C1", "hwbb", "Hillingdon HWBB", any_services.new_uow())
    b = stakeholders.add_stakeholder(ADMIN, "C1", "hwbb", "Ealing HWBB", any_services.new_uow())
    _, dus = rows(any_services, programme)
    agree = dus["hwbb-agree-invitee"]
    assert "Hillingdon HWBB" in agree.title and "Ealing HWBB" in agree.title
    assert agree.kind == "guidance" and "18 Dec 2014, section B" in agree.source
    # The invitation made while Hillingdon was the only board waits for the agreement.
    assert dus["hwbb-standing-invitation"].state == "cancelled"
    with pytest.raises(UsageError, match="--board"):
        duties.complete_duty(ADMIN, "C1", str(agree.id), any_services.new_uow())
    with pytest.raises(UsageError, match="No Health and Wellbeing Board matches"):
        duties.choose_stakeholder(ADMIN, "C1", str(agree.id), "Brent", any_services.new_uow())

    # The agreement is done when something shows it: the minutes, say.
    with pytest.raises(Conflict, match="no evidence yet"):
        duties.choose_stakeholder(ADMIN, "C1", str(agree.id), "ealing", any_services.new_uow())
    _, dus = rows(any_services, programme)
    assert dus["hwbb-agree-invitee"].state == "open"
    assert dus["hwbb-standing-invitation"].state == "cancelled"
    done, invitation, _ = duties.choose_stakeholder(
        ADMIN,
        "C1",
        str(agree.id),
        "ealing",
        any_services.new_uow(),
        ["https://example.org/minutes"],
    )
    assert done.state == "done" and "Ealing HWBB" in done.notes
    assert invitation.state == "open" and invitation.stakeholder_id == b.id
    assert "Ealing HWBB" in invitation.title and "Hillingdon" not in invitation.title
    _, dus = rows(any_services, programme)
    per_board = [k for k in dus if k.startswith("hwbb-draft-plan:")]
    assert sorted(per_board) == sorted(f"hwbb-draft-plan:{s.id}" for s in (a, b))
