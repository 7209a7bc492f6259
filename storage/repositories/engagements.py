"""The engagement log: engagements, the stakeholders each one names, and the
per-stakeholder questions (last engaged, current position) that coverage,
votes, the digest and the evidence pack ask.

The per-stakeholder questions are written as one correlated subquery per
stakeholder over engagement_stakeholder's partial indexes (see the model):
each is a short backward index scan, so they cost the same at a thousand or
a million engagements.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.orm import Session

from storage.models import Engagement, EngagementStakeholder, Programme, Stakeholder

ES = EngagementStakeholder


class EngagementRepository:
    def __init__(self, session: Session):
        self.session = session

    # -- writing -----------------------------------------------------------
    def create(self, stakeholder_ids: Iterable[int], **values: object) -> Engagement:
        engagement = Engagement(**values)
        self.session.add(engagement)
        self.session.flush()
        for sid in dict.fromkeys(stakeholder_ids):  # once each, in the order given
            self.session.add(
                ES(
                    engagement_id=engagement.id,
                    stakeholder_id=sid,
                    occurred_on=engagement.occurred_on,
                    position=engagement.position,
                    withdrawn=engagement.withdrawn_at is not None,
                )
            )
        self.session.flush()
        return engagement

    def sync_links(self, engagement: Engagement) -> None:
        """Copy date, position and withdrawal onto the engagement's stakeholder rows (after an edit)."""
        for link in self.session.scalars(select(ES).where(ES.engagement_id == engagement.id)):
            link.occurred_on = engagement.occurred_on
            link.position = engagement.position
            link.withdrawn = engagement.withdrawn_at is not None
        self.session.flush()

    # -- reading one -------------------------------------------------------
    def get(self, programme_id: int, engagement_id: int) -> Engagement | None:
        e = self.session.get(Engagement, engagement_id)
        return e if e is not None and e.programme_id == programme_id else None

    def stakeholders_of(self, engagement_id: int) -> list[Stakeholder]:
        return list(
            self.session.scalars(
                select(Stakeholder)
                .join(ES, ES.stakeholder_id == Stakeholder.id)
                .where(ES.engagement_id == engagement_id)
                .order_by(Stakeholder.name)
            )
        )

    # -- per-stakeholder questions -----------------------------------------
    def _stakeholders(
        self, programme_id: int, stakeholder_ids: Iterable[int] | None
    ) -> Select[int] | None:
        q = select(Stakeholder.id).where(Stakeholder.programme_id == programme_id)
        if stakeholder_ids is None:
            return q.where(Stakeholder.removed_at.is_(None))
        ids = list(stakeholder_ids)
        return q.where(Stakeholder.id.in_(ids)) if ids else None

    def latest_positions(
        self, programme_id: int, stakeholder_ids: Iterable[int] | None = None
    ) -> dict[int, str]:
        """Each stakeholder's current position: the latest recorded one, withdrawn engagements ignored.

        Stakeholders that never stated a position are left out. Without
        stakeholder_ids, every stakeholder in the register (not removed).
        """
        base = self._stakeholders(programme_id, stakeholder_ids)
        if base is None:
            return {}
        latest = (
            select(ES.position)
            .where(
                ES.stakeholder_id == Stakeholder.id,
                ES.withdrawn == false(),
                ES.position.is_not(None),
            )
            .order_by(ES.occurred_on.desc(), ES.engagement_id.desc())
            .limit(1)
            .correlate(Stakeholder)
            .scalar_subquery()
        )
        rows = self.session.execute(base.add_columns(latest.label("position")))
        return {sid: position for sid, position in rows if position is not None}

    def last_engaged(
        self, programme_id: int, stakeholder_ids: Iterable[int] | None = None
    ) -> dict[int, date]:
        """The date of each stakeholder's latest engagement (withdrawn ones ignored); never-engaged left out."""
        base = self._stakeholders(programme_id, stakeholder_ids)
        if base is None:
            return {}
        latest = (
            select(ES.occurred_on)
            .where(ES.stakeholder_id == Stakeholder.id, ES.withdrawn == false())
            .order_by(ES.occurred_on.desc())
            .limit(1)
            .correlate(Stakeholder)
            .scalar_subquery()
        )
        rows = self.session.execute(base.add_columns(latest.label("last")))
        return {sid: last for sid, last in rows if last is not None}

    def history(self, programme_id: int, stakeholder_id: int, limit: int = 20) -> list[Engagement]:
        """A stakeholder's engagements, newest first (withdrawn ones too: the history stays)."""
        return list(
            self.session.scalars(
                select(Engagement)
                .join(ES, ES.engagement_id == Engagement.id)
                .where(ES.stakeholder_id == stakeholder_id, Engagement.programme_id == programme_id)
                .order_by(ES.occurred_on.desc(), Engagement.id.desc())
                .limit(limit)
            )
        )

    # -- the log -----------------------------------------------------------
    def recent(self, programme_id: int, since: date, limit: int = 200) -> list[Engagement]:
        """Live engagements on or after `since`, newest first."""
        return list(
            self.session.scalars(
                select(Engagement)
                .where(
                    Engagement.programme_id == programme_id,
                    Engagement.occurred_on >= since,
                    Engagement.withdrawn_at.is_(None),
                )
                .order_by(Engagement.occurred_on.desc(), Engagement.id.desc())
                .limit(limit)
            )
        )

    def count(self, programme_id: int, since: date | None = None) -> int:
        q = (
            select(func.count())
            .select_from(Engagement)
            .where(Engagement.programme_id == programme_id, Engagement.withdrawn_at.is_(None))
        )
        if since is not None:
            q = q.where(Engagement.occurred_on >= since)
        return self.session.execute(q).scalar_one()

    def export_rows(
        self, programme_id: int, include_withdrawn: bool = True
    ) -> Iterator[tuple[Engagement, str, str, str | None]]:
        """One row per engagement and stakeholder, oldest first, streamed in batches:
        (engagement, stakeholder type, name, code)."""
        q = (
            select(Engagement, Stakeholder.type, Stakeholder.name, Stakeholder.code)
            .join(ES, ES.engagement_id == Engagement.id)
            .join(Stakeholder, Stakeholder.id == ES.stakeholder_id)
            .where(Engagement.programme_id == programme_id)
            .order_by(Engagement.occurred_on, Engagement.id, Stakeholder.name)
            .execution_options(yield_per=1000)
        )
        if not include_withdrawn:
            q = q.where(Engagement.withdrawn_at.is_(None))
        # Plain tuples, not the driver's rows.
        yield from ((e, type_, name, code) for e, type_, name, code in self.session.execute(q))

    def programmes_touched_by(self, team_id: str, user_id: str) -> list[Programme]:
        """Programmes where the person logged engagement or speaks for a stakeholder."""
        logged = select(Engagement.programme_id).where(Engagement.logged_by == user_id)
        linked = select(Stakeholder.programme_id).where(
            Stakeholder.linked_user_id == user_id, Stakeholder.removed_at.is_(None)
        )
        return list(
            self.session.scalars(
                select(Programme)
                .where(
                    Programme.team_id == team_id,
                    or_(Programme.id.in_(logged), Programme.id.in_(linked)),
                )
                .order_by(Programme.name)
            )
        )
