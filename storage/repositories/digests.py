"""What the weekly digest reads that no other area asks: the week's engagement
activity, position changes within a window, roll-up follows, and the ledger
state of this week's digests.

Every query is per programme over indexed columns (engagement by programme and
logged_at, engagement_stakeholder by stakeholder), so a digest costs the same
for one CCG or for every CCG in England.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Select,
    and_,
    bindparam,
    delete,
    false,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from bot.digest import PositionRow, StakeholderNames
from storage.models import (
    Delivery,
    DigestFollow,
    Engagement,
    EngagementStakeholder,
    Programme,
    Stakeholder,
)
from storage.revisions import touch

ES = EngagementStakeholder


def _in_window(
    programme_id: int, start: datetime, end: datetime
) -> tuple[ColumnElement[bool], ...]:
    return (
        Engagement.programme_id == programme_id,
        Engagement.logged_at >= start,
        Engagement.logged_at < end,
        Engagement.withdrawn_at.is_(None),
    )


def _position_queries() -> tuple[
    Select[int, date, datetime, int, str | None],
    Select[int, str, str | None, str, date, datetime, int, str | None],
]:
    """The two statements position changes run, built once: only their parameters change
    (building them, with their aliases, cost more than running them)."""
    window_positions = (
        select(
            ES.stakeholder_id, ES.occurred_on, Engagement.logged_at, ES.engagement_id, ES.position
        )
        .join(Engagement, Engagement.id == ES.engagement_id)
        .where(
            Engagement.programme_id == bindparam("programme_id"),
            Engagement.logged_at >= bindparam("start"),
            Engagement.logged_at < bindparam("end"),
            Engagement.withdrawn_at.is_(None),
            ES.position.is_not(None),
            ES.withdrawn == false(),
        )
    )
    # Per stakeholder still in the register: the position of its latest engagement (by the
    # date it happened, then by engagement) among those logged before the window, or None.
    earlier_es = aliased(ES)
    earlier = aliased(Engagement)
    latest = (
        select(earlier_es.engagement_id)
        .join(earlier, earlier.id == earlier_es.engagement_id)
        .where(
            # `withdrawn = false` and `position IS NOT NULL` match the partial position index.
            earlier_es.stakeholder_id == Stakeholder.id,
            earlier_es.withdrawn == false(),
            earlier_es.position.is_not(None),
            earlier.withdrawn_at.is_(None),
            earlier.logged_at < bindparam("start"),
        )
        .order_by(earlier_es.occurred_on.desc(), earlier_es.engagement_id.desc())
        .limit(1)
        .correlate(Stakeholder)
        .scalar_subquery()
    )
    latest_before = (
        select(
            Stakeholder.id,
            Stakeholder.name,
            Stakeholder.code,
            Stakeholder.type,
            ES.occurred_on,
            Engagement.logged_at,
            ES.engagement_id,
            ES.position,
        )
        .select_from(Stakeholder)
        .outerjoin(ES, and_(ES.stakeholder_id == Stakeholder.id, ES.engagement_id == latest))
        .outerjoin(Engagement, Engagement.id == ES.engagement_id)
        .where(
            Stakeholder.id.in_(bindparam("ids", expanding=True)),
            Stakeholder.programme_id == bindparam("programme_id"),
            Stakeholder.removed_at.is_(None),
        )
    )
    return window_positions, latest_before


_WINDOW_POSITIONS, _LATEST_BEFORE_WINDOW = _position_queries()


class DigestRepository:
    def __init__(self, session: Session):
        self.session = session

    # -- whose digest ---------------------------------------------------------------
    def scheduled_programmes(self) -> list[Programme]:
        """Programmes whose weekly digest is on."""
        return list(
            self.session.scalars(
                select(Programme)
                .where(Programme.digest_enabled.is_(True), Programme.archived_at.is_(None))
                .order_by(Programme.id)
            )
        )

    # -- the week's engagement ------------------------------------------------------
    def engagements_in(
        self, programme_id: int, start: datetime, end: datetime
    ) -> tuple[int, datetime | None]:
        """(engagements logged in [start, end), when the first of them was logged)."""
        count, first = self.session.execute(
            select(func.count(), func.min(Engagement.logged_at))
            .select_from(Engagement)
            .where(*_in_window(programme_id, start, end))
        ).one()
        return int(count), first

    def activity_by_type(
        self, programme_id: int, start: datetime, end: datetime
    ) -> list[tuple[str, int, int]]:
        """(stakeholder type, distinct stakeholders engaged, engagements) for engagements logged in [start, end)."""
        q = (
            select(
                Stakeholder.type,
                func.count(func.distinct(ES.stakeholder_id)),
                func.count(func.distinct(Engagement.id)),
            )
            .select_from(Engagement)
            .join(ES, ES.engagement_id == Engagement.id)
            .join(Stakeholder, Stakeholder.id == ES.stakeholder_id)
            .where(*_in_window(programme_id, start, end))
            .group_by(Stakeholder.type)
        )
        return [(t, int(s), int(e)) for t, s, e in self.session.execute(q)]

    def top_loggers(
        self, programme_id: int, start: datetime, end: datetime, limit: int = 3
    ) -> list[tuple[str, int]]:
        n = func.count().label("n")
        q = (
            select(Engagement.logged_by, n)
            .where(*_in_window(programme_id, start, end))
            .group_by(Engagement.logged_by)
            .order_by(n.desc(), Engagement.logged_by)
            .limit(limit)
        )
        return [(who, int(count)) for who, count in self.session.execute(q)]

    def position_history(
        self, programme_id: int, start: datetime, end: datetime
    ) -> tuple[list[PositionRow], StakeholderNames]:
        """For the stakeholders given a position by an engagement logged in [start, end):
        the positions given in the window, the latest one given before it, and their names.

        Only what the window needs is read, so a digest costs the same however long
        the log before it: the window's rows through the engagement log's
        (programme, logged_at) index, then, per stakeholder, one backward scan of
        the position index that stops at the first engagement logged before the
        window (usually the first it reads).

        Returns (rows, names): rows are (stakeholder_id, occurred_on, logged_at, engagement_id, position);
        names maps stakeholder_id -> (name, code, type) for stakeholders still in the register.
        """
        window = {"programme_id": programme_id, "start": start, "end": end}
        rows: list[PositionRow] = [
            (sid, occurred_on, logged_at, eid, position)
            for sid, occurred_on, logged_at, eid, position in self.session.execute(
                _WINDOW_POSITIONS, window
            )
            if position is not None  # the query's own condition; narrows the type
        ]
        ids = sorted({r[0] for r in rows})
        names: StakeholderNames = {}
        for first in range(0, len(ids), 500):
            chunk = {"programme_id": programme_id, "start": start, "ids": ids[first : first + 500]}
            for (
                sid,
                name,
                code,
                type_,
                occurred_on,
                logged_at,
                eid,
                position,
            ) in self.session.execute(_LATEST_BEFORE_WINDOW, chunk):
                names[sid] = (name, code, type_)
                if position is not None:
                    rows.append((sid, occurred_on, logged_at, eid, position))
        return rows, names

    # -- roll-ups ---------------------------------------------------------------------
    def follow(
        self, team_id: str, channel_id: str, programme_id: int, created_by: str
    ) -> DigestFollow | None:
        """None when the channel already follows the programme (the unique key decides)."""
        try:
            with self.session.begin_nested():
                row = DigestFollow(
                    team_id=team_id,
                    channel_id=channel_id,
                    programme_id=programme_id,
                    created_by=created_by,
                )
                self.session.add(row)
            return row
        except IntegrityError:
            return None

    def unfollow(self, team_id: str, channel_id: str, programme_id: int) -> bool:
        gone = self.session.execute(
            delete(DigestFollow).where(
                DigestFollow.team_id == team_id,
                DigestFollow.channel_id == channel_id,
                DigestFollow.programme_id == programme_id,
            )
        )
        touch(self.session, programme_id)
        return cast("CursorResult[Any]", gone).rowcount > 0

    def followed_by(self, team_id: str, channel_id: str) -> list[Programme]:
        """The programmes a channel follows, by name (only the team's own: follows never cross workspaces)."""
        return list(
            self.session.scalars(
                select(Programme)
                .join(DigestFollow, DigestFollow.programme_id == Programme.id)
                .where(
                    DigestFollow.team_id == team_id,
                    DigestFollow.channel_id == channel_id,
                    Programme.team_id == team_id,
                )
                .order_by(Programme.name, Programme.id)
            )
        )

    def followers(self, programme_id: int) -> list[str]:
        return list(
            self.session.scalars(
                select(DigestFollow.channel_id)
                .where(DigestFollow.programme_id == programme_id)
                .order_by(DigestFollow.channel_id)
            )
        )

    def rollup_channels(self) -> list[tuple[str, str]]:
        """(team_id, channel_id) of every channel that follows at least one programme."""
        q = (
            select(DigestFollow.team_id, DigestFollow.channel_id)
            .distinct()
            .order_by(DigestFollow.team_id, DigestFollow.channel_id)
        )
        return [(team, channel) for team, channel in self.session.execute(q)]

    # -- this week's deliveries -----------------------------------------------------------
    def delivery_states(self, keys: Iterable[str]) -> dict[str, str]:
        """The ledger state (claimed | sent | failed) of those of these keys it holds."""
        wanted = list(keys)
        found: dict[str, str] = {}
        for first in range(0, len(wanted), 500):
            found.update(
                dict(
                    self.session.execute(
                        select(Delivery.key, Delivery.state).where(
                            Delivery.key.in_(wanted[first : first + 500])
                        )
                    ).all()
                )
            )
        return found

    def delivery(self, key: str) -> Delivery | None:
        return self.session.scalar(select(Delivery).where(Delivery.key == key))
