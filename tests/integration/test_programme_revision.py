"""The programme's change counter: every commit that changes a programme moves it, and only its own.

The suite-wide guard (tests/revision_guard.py) fails any test whose commits
change programme content without a bump; these tests pin the counter's
meaning and show the guard catches a write path that forgets.
"""

from datetime import date

from freezegun import freeze_time
from sqlalchemy import delete, update

from bot.context import Actor
from bot.services import demo, programmes, stakeholders
from bot.services import engagements as engagement_svc
from bot.services.deadlines import add_deadline
from storage.models import DeadlineOwner, Programme, Stakeholder
from tests import revision_guard

ADMIN = Actor("T1", "UADMIN", _is_workspace_admin=True)


def revision_of(services, programme_id: int) -> int:
    with services.new_uow() as uow:
        return uow.session.get(Programme, programme_id).revision


@freeze_time("2015-01-10 12:00:00")
def test_each_write_moves_its_programme_and_no_other(any_services):
    one, _ = programmes.setup_programme(ADMIN, "C1", "North", any_services.new_uow())
    two, _ = programmes.setup_programme(ADMIN, "C2", "South", any_services.new_uow())
    steps = [
        lambda: stakeholders.add_stakeholder(
            ADMIN, "C1", "practice", "Acorn Surgery", any_services.new_uow(), code="E85001"
        ),
        lambda: engagement_svc.log_engagement(
            ADMIN, "C1", ["E85001"], "meeting", "Talked about the plan", any_services.new_uow()
        ),
        lambda: add_deadline(
            ADMIN, "C1", "Submit the plan", date(2015, 2, 2), any_services.new_uow()
        ),
    ]
    for step in steps:
        before_one, before_two = (revision_of(any_services, p.id) for p in (one, two))
        step()
        assert revision_of(any_services, one.id) == before_one + 1  # one commit, one step
        assert revision_of(any_services, two.id) == before_two


def test_the_demo_moves_the_revision_of_its_programme(any_services):
    programme, _ = demo.load_demo(any_services.new_uow(), "T1", "C9", "UADMIN")
    assert revision_of(any_services, programme.id) > 0


def test_core_writes_without_an_audit_entry_move_it_too(any_services):
    """Rows reached through a parent (deadline owners through their deadline) count."""
    programmes.setup_programme(ADMIN, "C1", "North", any_services.new_uow())
    _, view = add_deadline(
        ADMIN, "C1", "Submit", date(2030, 2, 2), any_services.new_uow(), owners=["UJANE"]
    )
    with any_services.new_uow() as uow:
        programme = uow.programmes.by_channel("T1", "C1")
        before = programme.revision
        uow.deadlines.set_owners(view.deadline.id, ["UBOB"])
        uow.commit()
    assert revision_of(any_services, programme.id) == before + 1


def test_a_row_reached_through_its_parent_moves_the_parents_programme(any_services):
    """Whether the session holds the parent (its programme known, nothing read) or not."""
    from sqlalchemy import event

    from storage.models import Deadline

    programmes.setup_programme(ADMIN, "C1", "North", any_services.new_uow())
    other, _ = programmes.setup_programme(ADMIN, "C2", "South", any_services.new_uow())
    _, view = add_deadline(ADMIN, "C1", "Submit", date(2030, 2, 2), any_services.new_uow())
    programme_id, deadline_id = view.deadline.programme_id, view.deadline.id
    others_before = revision_of(any_services, other.id)
    statements: list[str] = []
    event.listen(any_services.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    for user, hold_parent in (("UJANE", True), ("UBOB", False)):
        before = revision_of(any_services, programme_id)
        statements.clear()
        with any_services.new_uow() as uow:
            held = uow.session.get(Deadline, deadline_id) if hold_parent else None
            uow.session.add(DeadlineOwner(deadline_id=deadline_id, user_id=user))
            uow.commit()
            del held
        assert revision_of(any_services, programme_id) == before + 1
        read_parent = [s for s in statements if "SELECT DISTINCT deadline.programme_id" in s]
        assert bool(read_parent) is not hold_parent
    assert revision_of(any_services, other.id) == others_before


def test_the_guard_catches_a_write_that_forgets(any_services):
    programme, _ = programmes.setup_programme(ADMIN, "C1", "North", any_services.new_uow())
    stakeholders.add_stakeholder(ADMIN, "C1", "practice", "Acorn", any_services.new_uow())
    with any_services.new_uow() as uow:  # Core DML with no touch(): what a forgetful path would do
        uow.session.execute(
            update(Stakeholder)
            .where(Stakeholder.programme_id == programme.id)
            .values(name="Renamed")
        )
        uow.commit()
    caught, revision_guard.violations[:] = list(revision_guard.violations), []
    assert caught and "UPDATE stakeholder" in caught[0]
    with any_services.new_uow() as uow:
        uow.session.execute(delete(DeadlineOwner).where(DeadlineOwner.deadline_id == -1))
        uow.commit()
    assert revision_guard.violations  # a delete from a content table counts, even of nothing
    revision_guard.violations.clear()
