"""Where Consult keeps personal data, for subject access and for forgetting a person.

PERSON_COLUMNS names every column that holds a Slack user id; TEXT_COLUMNS
the free text where an id can appear too (a mention, a DM's delivery key,
an audit entry's before and after). A test fails when a table gains a
column that looks like a person's and is in neither list nor NOT_PERSONAL,
so a new table cannot quietly escape subject access or forgetting.

Each table is scoped to one Slack workspace by SCOPE (a WHERE clause on
:team); None means every workspace (the operator's command line).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, text
from sqlalchemy.orm import Session

from bot import audit_chain
from storage.revisions import touch

# A row of any table, column by column, as subject access shows it.
Row = dict[str, object]

_IN_TEAM = "programme_id IN (SELECT id FROM programme WHERE team_id = :team)"

SCOPE: dict[str, str] = {
    "programme": "team_id = :team",
    "role": _IN_TEAM,
    "stakeholder": _IN_TEAM,
    "engagement": _IN_TEAM,
    "action": _IN_TEAM,
    "deadline": _IN_TEAM,
    "delivery": _IN_TEAM,
    "calendar_feed": _IN_TEAM,
    "duty": _IN_TEAM,
    "digest_follow": "team_id = :team",
    "vote": _IN_TEAM,
    "audit_event": "team_id = :team",
    "raised_issue": _IN_TEAM,
    "deadline_owner": f"deadline_id IN (SELECT id FROM deadline WHERE {_IN_TEAM})",
    "reminder_snooze": f"deadline_id IN (SELECT id FROM deadline WHERE {_IN_TEAM})",
    "ballot": f"vote_id IN (SELECT id FROM vote WHERE {_IN_TEAM})",
    "ballot_history": f"vote_id IN (SELECT id FROM vote WHERE {_IN_TEAM})",
    "aggregate_tally": f"vote_id IN (SELECT id FROM vote WHERE {_IN_TEAM})",
    "duty_evidence": f"duty_id IN (SELECT id FROM duty WHERE {_IN_TEAM})",
    "engagement_raised_issue": f"engagement_id IN (SELECT id FROM engagement WHERE {_IN_TEAM})",
    "slack_installations": "team_id = :team",
    "person": "team_id = :team",
    "slack_request": "team_id = :team",
    "personal_digest": "team_id = :team",
}

# The programme a row belongs to (tables outside any programme are absent).
PROGRAMME_OF: dict[str, str] = {
    **{t: "programme_id" for t, where in SCOPE.items() if where == _IN_TEAM},
    "programme": "id",
    "audit_event": "programme_id",
    "digest_follow": "programme_id",
    "deadline_owner": "(SELECT programme_id FROM deadline d WHERE d.id = deadline_owner.deadline_id)",
    "reminder_snooze": "(SELECT programme_id FROM deadline d WHERE d.id = reminder_snooze.deadline_id)",
    "ballot": "(SELECT programme_id FROM vote v WHERE v.id = ballot.vote_id)",
    "ballot_history": "(SELECT programme_id FROM vote v WHERE v.id = ballot_history.vote_id)",
    "aggregate_tally": "(SELECT programme_id FROM vote v WHERE v.id = aggregate_tally.vote_id)",
    "duty_evidence": "(SELECT programme_id FROM duty d WHERE d.id = duty_evidence.duty_id)",
    "engagement_raised_issue": (
        "(SELECT programme_id FROM engagement e WHERE e.id = engagement_raised_issue.engagement_id)"
    ),
}

# (table, column) holding a Slack user id.
PERSON_COLUMNS: list[tuple[str, str]] = [
    ("programme", "created_by"),
    ("role", "user_id"),
    ("role", "granted_by"),
    ("stakeholder", "linked_user_id"),
    ("engagement", "logged_by"),
    ("action", "owner_id"),
    ("action", "created_by"),
    ("deadline", "created_by"),
    ("deadline", "date_set_by"),  # who confirmed or moved a template date
    ("deadline_owner", "user_id"),
    ("reminder_snooze", "user_id"),
    ("delivery", "recipient"),
    ("calendar_feed", "user_id"),
    ("calendar_feed", "created_by"),
    ("duty", "owner_id"),
    ("duty_evidence", "added_by"),
    ("digest_follow", "created_by"),
    ("vote", "opened_by"),
    ("vote", "closed_by"),
    ("ballot", "recorded_by"),
    ("ballot_history", "recorded_by"),
    ("aggregate_tally", "recorded_by"),
    ("audit_event", "actor"),
    ("raised_issue", "created_by"),
    ("raised_issue", "response_owner"),
    ("engagement_raised_issue", "tagged_by"),
    ("slack_installations", "user_id"),  # who installed Consult in the workspace
    ("person", "user_id"),  # the directory: their names (deleted, not pseudonymised, on forget)
    ("personal_digest", "user_id"),  # their own digest's setting (deleted on forget)
]

# Free text where a user id can appear (a <@U123> mention, a DM's ledger key, JSON).
TEXT_COLUMNS: list[tuple[str, str]] = [
    ("engagement", "summary"),
    ("action", "title"),
    ("deadline", "notes"),
    ("duty", "notes"),
    ("duty", "reason"),
    ("raised_issue", "description"),
    ("raised_issue", "response"),
    ("raised_issue", "reason"),
    ("delivery", "key"),
    ("delivery", "error"),
    ("audit_event", "before"),
    ("audit_event", "after"),
    ("slack_request", "body"),  # a queued Slack request as received (who asked, what they typed)
]

# Columns whose names look like a person's but hold none (the bot's own user, token metadata).
NOT_PERSONAL = {
    ("slack_bots", "bot_user_id"),
    ("slack_installations", "bot_user_id"),
    ("slack_installations", "user_token"),
    ("slack_installations", "user_scopes"),
    ("slack_installations", "user_refresh_token"),
    ("slack_installations", "user_token_expires_at"),
    ("purge_log", "purged_by"),  # "scheduler" or "command line"
}

LOOKS_PERSONAL = re.compile(r"user|_by$|actor|owner|recipient")
# The ways a person is held about a stakeholder they speak for.
STAKEHOLDER_TABLES = {
    "stakeholder": "id = :sid",
    "engagement_stakeholder": "stakeholder_id = :sid",
    "engagement": "id IN (SELECT engagement_id FROM engagement_stakeholder WHERE stakeholder_id = :sid)",
    "elector": "stakeholder_id = :sid",
    "ballot": "stakeholder_id = :sid",
    "ballot_history": "stakeholder_id = :sid",
    "duty": "stakeholder_id = :sid",
    "raised_issue_stakeholder": "stakeholder_id = :sid",
    "audit_event": "entity = 'stakeholder' AND entity_id = :sid",
}


def _scope(table: str, team: str | None) -> str:
    return SCOPE[table] if team is not None else "1=1"


def _plain(value: object) -> object:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _rows(session: Session, sql: str, params: dict[str, object]) -> list[Row]:
    return [
        {k: _plain(v) for k, v in row.items()}
        for row in session.execute(text(sql), params).mappings()
    ]


def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class PersonalDataRepository:
    def __init__(self, session: Session):
        self.session = session

    # -- subject access ----------------------------------------------------------------
    def about_user(self, user_id: str, team: str | None = None) -> dict[str, list[Row]]:
        """Every row that names the user, table by table (tokens left out)."""
        found: dict[str, list[Row]] = {}
        tables = sorted({t for t, _ in PERSON_COLUMNS} | {t for t, _ in TEXT_COLUMNS})
        for table in tables:
            ids = [c for t, c in PERSON_COLUMNS if t == table]
            texts = [c for t, c in TEXT_COLUMNS if t == table]
            clauses = [f"{c} = :uid" for c in ids] + [f"{c} LIKE :like ESCAPE '\\'" for c in texts]
            rows = _rows(
                self.session,
                f"SELECT * FROM {table} WHERE ({' OR '.join(clauses)}) AND {_scope(table, team)}",
                {"uid": user_id, "like": _like(user_id), "team": team},
            )
            for row in rows:
                for secret in (
                    "bot_token",
                    "bot_refresh_token",
                    "user_token",
                    "user_refresh_token",
                ):
                    if secret in row:
                        row[secret] = "(withheld: a credential, not personal data)"
            if rows:
                found[table] = rows
        return found

    def about_stakeholder(self, stakeholder_id: int) -> dict[str, list[Row]]:
        found: dict[str, list[Row]] = {}
        for table, where in STAKEHOLDER_TABLES.items():
            rows = _rows(
                self.session, f"SELECT * FROM {table} WHERE {where}", {"sid": stakeholder_id}
            )
            if rows:
                found[table] = rows
        return found

    # -- forgetting ------------------------------------------------------------------------
    def programmes_naming(self, user_id: str, team: str) -> list[int]:
        """The programmes of the workspace that hold anything about the user."""
        ids: set[int] = set()
        params = {"uid": user_id, "like": _like(user_id), "team": team}
        for table, column in PERSON_COLUMNS + TEXT_COLUMNS:
            if table not in PROGRAMME_OF:
                continue
            match = (
                f"{column} = :uid"
                if (table, column) in PERSON_COLUMNS
                else f"{column} LIKE :like ESCAPE '\\'"
            )
            ids.update(
                self.session.scalars(
                    text(
                        f"SELECT DISTINCT {PROGRAMME_OF[table]} FROM {table} "
                        f"WHERE {match} AND {_scope(table, team)}"
                    ),
                    params,
                )
            )
        ids.discard(None)
        return sorted(ids)

    def pseudonymise(self, user_id: str, pseudonym: str, team: str) -> dict[str, int]:
        """Replace the user id with the pseudonym in every column and text that holds it."""
        changed: dict[str, int] = {}
        params = {"uid": user_id, "pseudonym": pseudonym, "like": _like(user_id), "team": team}
        # Their names in the directory go altogether: a pseudonym beside a name would name them.
        n = cast(
            "CursorResult[Any]",
            self.session.execute(
                text(f"DELETE FROM person WHERE user_id = :uid AND {_scope('person', team)}"),
                params,
            ),
        ).rowcount
        if n:
            changed["person (names removed)"] = n
        # Nobody is left to send their own digest to.
        n = cast(
            "CursorResult[Any]",
            self.session.execute(
                text(
                    "DELETE FROM personal_digest WHERE user_id = :uid "
                    f"AND {_scope('personal_digest', team)}"
                ),
                params,
            ),
        ).rowcount
        if n:
            changed["personal_digest (stopped)"] = n
        for table, column in PERSON_COLUMNS:
            n = cast(
                "CursorResult[Any]",
                self.session.execute(
                    text(
                        f"UPDATE {table} SET {column} = :pseudonym "
                        f"WHERE {column} = :uid AND {_scope(table, team)}"
                    ),
                    params,
                ),
            ).rowcount
            if n:
                changed[f"{table}.{column}"] = n
        for table, column in TEXT_COLUMNS:
            n = cast(
                "CursorResult[Any]",
                self.session.execute(
                    text(
                        f"UPDATE {table} SET {column} = REPLACE({column}, :uid, :pseudonym) "
                        f"WHERE {column} LIKE :like ESCAPE '\\' AND {_scope(table, team)}"
                    ),
                    params,
                ),
            ).rowcount
            if n:
                changed[f"{table}.{column}"] = n
        return changed

    def reseal_audit_chain(self, programme_id: int) -> tuple[str | None, str | None, int]:
        """Recompute a programme's chain after its entries were pseudonymised.

        Returns (head before, head after, entries whose hash changed).
        """
        touch(self.session, programme_id)
        rows = self.session.execute(
            text(
                "SELECT * FROM audit_event WHERE programme_id = :p AND seq IS NOT NULL ORDER BY seq"
            ),
            {"p": programme_id},
        ).mappings()
        old_head = self.session.execute(
            text("SELECT audit_head FROM programme WHERE id = :p"), {"p": programme_id}
        ).scalar()
        prev, rewritten = audit_chain.GENESIS, 0
        for row in list(rows):
            at = row["at"] if isinstance(row["at"], datetime) else datetime.fromisoformat(row["at"])
            digest = audit_chain.entry_hash(
                programme_id=row["programme_id"],
                seq=row["seq"],
                prev_hash=prev,
                team_id=row["team_id"],
                actor=row["actor"],
                at=at,
                action=row["action"],
                entity=row["entity"],
                entity_id=row["entity_id"],
                before=row["before"],
                after=row["after"],
            )
            if digest != row["hash"] or prev != row["prev_hash"]:
                self.session.execute(
                    text("UPDATE audit_event SET prev_hash = :prev, hash = :h WHERE id = :i"),
                    {"prev": prev, "h": digest, "i": row["id"]},
                )
                rewritten += 1
            prev = digest
        self.session.execute(
            text("UPDATE programme SET audit_head = :h WHERE id = :p"),
            {"h": prev if prev != audit_chain.GENESIS else None, "p": programme_id},
        )
        return old_head, prev, rewritten

    def lock_programme(self, programme_id: int) -> None:
        """Hold the programme's chain while it is rewritten (PostgreSQL; SQLite's write lock)."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(
                text("SELECT id FROM programme WHERE id = :p FOR NO KEY UPDATE"),
                {"p": programme_id},
            )


def to_json(found: Mapping[str, object]) -> str:
    return json.dumps(found, indent=2, sort_keys=True, ensure_ascii=False, default=str)
