"""Migrations 0020 and 0021 bring what earlier versions stored up to date: a vote that had
discharged a duty is linked to it, and an untouched member vote date becomes the suggestion
it is; downgrading and upgrading again loses no row of the tables they change."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from bot.settings import Settings
from storage.db import alembic_config, migrate
from tests.harness import build_services
from tests.shell_session import Session

BEFORE = "0019_slack_request_replied"


def _count(conn, table: str) -> int:
    return conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()


def test_earlier_votes_and_member_vote_dates_are_brought_up_to_date(db_url):
    services = build_services(Settings(database_url=db_url))
    try:
        s = Session(services)
        s.run('setup "Hill" --template co-commissioning --year 2014 --model joint')
        for code in ("E1", "E2"):
            s.run(f'stakeholder add practice "Surgery {code}" --code {code}')
        with services.new_uow() as uow:
            support = uow.duties.by_key(1, "member-practice-support").id
        s.run(f'vote open "Support?" --closes "in 10 days" --duty {support}')
        s.run("vote record E1 for")
        s.run("vote close --yes")
        engine = services.engine
        with engine.connect() as conn:
            counts = {t: _count(conn, t) for t in ("vote", "elector", "ballot", "duty_evidence")}
        command.downgrade(alembic_config(engine), BEFORE)
        with engine.begin() as conn:  # as a database of the earlier version held them
            conn.execute(text("UPDATE deadline SET provisional = :f"), {"f": False})
        migrate(engine)
        with engine.connect() as conn:
            assert {t: _count(conn, t) for t in counts} == counts
            assert conn.execute(text("SELECT duty_id FROM vote")).scalar_one() == support
            rows = conn.execute(
                text("SELECT template_key, provisional, suggestion FROM deadline")
            ).all()
        suggested = {key: (bool(p), sug) for key, p, sug in rows if sug}
        assert list(suggested) == ["member-vote"] and suggested["member-vote"][0]
        assert suggested["member-vote"][1].startswith("Hillingdon CCG's own date")
        assert not any(bool(p) for key, p, sug in rows if key != "member-vote")
    finally:
        services.engine.dispose()
