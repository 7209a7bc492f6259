"""Issues raised, their tags on engagements, and who raised each.

The counts on raised_issue and the rows of raised_issue_stakeholder are
recomputed for just the issues and stakeholders a change touches (a tag,
an edit, a withdrawal, a merge). Readers (the list, Home, the digest, the
pack) then read one row per issue, or per issue and stakeholder, and never
the engagement log.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime

from sqlalchemy import Select, delete, false, func, insert, select, union_all, update
from sqlalchemy.orm import Session

from storage.models import (
    Engagement,
    EngagementRaisedIssue,
    EngagementStakeholder,
    RaisedIssue,
    RaisedIssueStakeholder,
    Stakeholder,
)
from storage.revisions import touch_via

ERI = EngagementRaisedIssue
RIS = RaisedIssueStakeholder
ES = EngagementStakeholder


class RaisedIssueRepository:
    def __init__(self, session: Session):
        self.session = session

    # -- the issues ----------------------------------------------------------
    def create(self, **values: object) -> RaisedIssue:
        issue = RaisedIssue(stakeholders=0, engagements=0, state="open", **values)
        self.session.add(issue)
        self.session.flush()
        return issue

    def get(self, programme_id: int, issue_id: int) -> RaisedIssue | None:
        issue = self.session.get(RaisedIssue, issue_id)
        return issue if issue is not None and issue.programme_id == programme_id else None

    def by_key(self, programme_id: int, key: str) -> RaisedIssue | None:
        return self.session.scalar(
            select(RaisedIssue).where(
                RaisedIssue.programme_id == programme_id,
                RaisedIssue.name_key == key,
                RaisedIssue.merged_into_id.is_(None),
            )
        )

    def _live(self, programme_id: int) -> Select[RaisedIssue]:
        return select(RaisedIssue).where(
            RaisedIssue.programme_id == programme_id, RaisedIssue.merged_into_id.is_(None)
        )

    def ranked(
        self, programme_id: int, *, open_only: bool = False, limit: int | None = None
    ) -> list[RaisedIssue]:
        """Live issues, most widely raised first (stakeholders, then engagements, then oldest)."""
        q = self._live(programme_id).order_by(
            RaisedIssue.stakeholders.desc(), RaisedIssue.engagements.desc(), RaisedIssue.id
        )
        if open_only:
            q = q.where(RaisedIssue.state == "open")
        if limit is not None:
            q = q.limit(limit)
        return list(self.session.scalars(q))

    def words(self, programme_id: int) -> list[tuple[int, str, str | None, str | None]]:
        """(id, name, vocabulary, description) of the live issues, in ranked() order: what tag
        suggestions rank by, without building an object per issue."""
        q = (
            select(
                RaisedIssue.id,
                RaisedIssue.name,
                RaisedIssue.vocabulary,
                RaisedIssue.description,
            )
            .where(RaisedIssue.programme_id == programme_id, RaisedIssue.merged_into_id.is_(None))
            .order_by(
                RaisedIssue.stakeholders.desc(), RaisedIssue.engagements.desc(), RaisedIssue.id
            )
        )
        return [(i, n, v, d) for i, n, v, d in self.session.execute(q)]

    def count(self, programme_id: int) -> int:
        return self.session.execute(
            select(func.count())
            .select_from(RaisedIssue)
            .where(RaisedIssue.programme_id == programme_id, RaisedIssue.merged_into_id.is_(None))
        ).scalar_one()

    def created_since(self, programme_id: int, since: datetime) -> list[RaisedIssue]:
        return list(
            self.session.scalars(
                self._live(programme_id)
                .where(RaisedIssue.created_at >= since)
                .order_by(RaisedIssue.stakeholders.desc(), RaisedIssue.id)
            )
        )

    def waiting(self, programme_id: int, raised_before: date, many: int) -> list[RaisedIssue]:
        """Open issues raised by at least `many` stakeholders, first raised before the date."""
        return list(
            self.session.scalars(
                self._live(programme_id)
                .where(
                    RaisedIssue.state == "open",
                    RaisedIssue.stakeholders >= many,
                    RaisedIssue.first_raised_on < raised_before,
                )
                .order_by(RaisedIssue.stakeholders.desc(), RaisedIssue.first_raised_on)
            )
        )

    # -- tags ------------------------------------------------------------------
    def tag(
        self, engagement: Engagement, issue_id: int, *, source: str, by: str, at: datetime
    ) -> bool:
        """Tag an engagement; False if it already carried the issue."""
        if self.session.get(ERI, (engagement.id, issue_id)) is not None:
            return False
        self.session.add(
            ERI(
                engagement_id=engagement.id,
                raised_issue_id=issue_id,
                occurred_on=engagement.occurred_on,
                withdrawn=engagement.withdrawn_at is not None,
                source=source,
                tagged_by=by,
                tagged_at=at,
            )
        )
        self.session.flush()
        self.refresh(issue_id, self._stakeholder_ids(engagement.id))
        return True

    def untag(self, engagement_id: int, issue_id: int) -> bool:
        link = self.session.get(ERI, (engagement_id, issue_id))
        if link is None:
            return False
        self.session.delete(link)
        self.session.flush()
        self.refresh(issue_id, self._stakeholder_ids(engagement_id))
        return True

    def issues_of(self, engagement_id: int) -> list[RaisedIssue]:
        return list(
            self.session.scalars(
                select(RaisedIssue)
                .join(ERI, ERI.raised_issue_id == RaisedIssue.id)
                .where(ERI.engagement_id == engagement_id)
                .order_by(RaisedIssue.name)
            )
        )

    def sync_engagement(self, engagement: Engagement) -> None:
        """After an edit or withdrawal: copy date and state onto its tags, recount its issues."""
        links = list(
            self.session.scalars(
                select(ERI).where(ERI.engagement_id == engagement.id).order_by(ERI.raised_issue_id)
            )
        )
        if not links:
            return
        for link in links:
            link.occurred_on = engagement.occurred_on
            link.withdrawn = engagement.withdrawn_at is not None
        self.session.flush()
        sids = self._stakeholder_ids(engagement.id)
        for link in links:
            self.refresh(link.raised_issue_id, sids)

    def latest_summaries(self, issue_id: int, limit: int = 40) -> list[tuple[int, date, str]]:
        """(engagement id, date, summary) of an issue's latest live engagements, newest first."""
        rows = self.session.execute(
            select(Engagement.id, Engagement.occurred_on, Engagement.summary)
            .join(ERI, ERI.engagement_id == Engagement.id)
            .where(ERI.raised_issue_id == issue_id, ERI.withdrawn == false())
            .order_by(ERI.occurred_on.desc(), ERI.engagement_id.desc())
            .limit(limit)
        )
        return [(eid, on, summary) for eid, on, summary in rows]

    def latest_summaries_of(
        self, issue_ids: Iterable[int], limit: int
    ) -> dict[int, list[tuple[int, date, str]]]:
        """latest_summaries for several issues in one round trip: each issue's part is its own
        short backward scan of ix_engagement_raised_issue_latest, so the cost is
        issues x limit however long the log."""
        ids = list(dict.fromkeys(issue_ids))
        out: dict[int, list[tuple[int, date, str]]] = {i: [] for i in ids}
        if not ids:
            return out
        parts = [
            select(ERI.raised_issue_id, ERI.engagement_id, ERI.occurred_on)
            .where(ERI.raised_issue_id == i, ERI.withdrawn == false())
            .order_by(ERI.occurred_on.desc(), ERI.engagement_id.desc())
            .limit(limit)
            .subquery()
            .select()
            for i in ids
        ]
        picked = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
        rows = self.session.execute(
            select(
                picked.c.raised_issue_id, Engagement.id, Engagement.occurred_on, Engagement.summary
            )
            .join(Engagement, Engagement.id == picked.c.engagement_id)
            .order_by(picked.c.raised_issue_id, Engagement.occurred_on.desc(), Engagement.id.desc())
        )
        for issue_id, eid, on, summary in rows:
            out[issue_id].append((eid, on, summary))
        return out

    def types_of(self, programme_id: int, engagement_ids: Iterable[int]) -> dict[int, set[str]]:
        ids = list(engagement_ids)
        if not ids:
            return {}
        out: dict[int, set[str]] = {i: set() for i in ids}
        rows = self.session.execute(
            select(ES.engagement_id, Stakeholder.type)
            .join(Stakeholder, Stakeholder.id == ES.stakeholder_id)
            # The programme's condition lets the planner read only its register.
            .where(ES.engagement_id.in_(ids), Stakeholder.programme_id == programme_id)
        )
        for eid, type_ in rows:
            out[eid].add(type_)
        return out

    # -- who raised it ---------------------------------------------------------
    def raisers(self, issue_id: int) -> list[tuple[Stakeholder, RaisedIssueStakeholder]]:
        rows = self.session.execute(
            select(Stakeholder, RIS)
            .join(RIS, RIS.stakeholder_id == Stakeholder.id)
            .where(RIS.raised_issue_id == issue_id)
            .order_by(Stakeholder.type, Stakeholder.name)
        )
        return [(s, raised) for s, raised in rows]

    def raisers_by_type(
        self, programme_id: int, issue_ids: Iterable[int]
    ) -> list[tuple[int, str, int, int]]:
        """(issue id, stakeholder type, stakeholders, their list size) for the issues given."""
        ids = list(issue_ids)
        if not ids:
            return []
        rows = self.session.execute(
            select(
                RIS.raised_issue_id,
                Stakeholder.type,
                func.count(),
                func.coalesce(func.sum(Stakeholder.list_size), 0),
            )
            .join(Stakeholder, Stakeholder.id == RIS.stakeholder_id)
            .where(
                RIS.raised_issue_id.in_(ids),
                Stakeholder.programme_id == programme_id,
                Stakeholder.removed_at.is_(None),
            )
            .group_by(RIS.raised_issue_id, Stakeholder.type)
        )
        # coalesce() never gives None; its type does not know that.
        return [(issue_id, type_, n, size or 0) for issue_id, type_, n, size in rows]

    def export_rows(
        self, programme_id: int
    ) -> Iterator[tuple[RaisedIssue, Stakeholder | None, RaisedIssueStakeholder | None]]:
        """(issue, stakeholder, raised row) for every live issue and who raised it; issues that
        nobody has raised yet come once with stakeholder and row None."""
        q = (
            select(RaisedIssue, Stakeholder, RIS)
            .outerjoin(RIS, RIS.raised_issue_id == RaisedIssue.id)
            .outerjoin(Stakeholder, Stakeholder.id == RIS.stakeholder_id)
            .where(RaisedIssue.programme_id == programme_id, RaisedIssue.merged_into_id.is_(None))
            .order_by(
                RaisedIssue.stakeholders.desc(),
                RaisedIssue.engagements.desc(),
                RaisedIssue.id,
                Stakeholder.type,
                Stakeholder.name,
            )
            .execution_options(yield_per=1000)
        )
        # Plain tuples, not the driver's rows.
        yield from ((issue, s, raised) for issue, s, raised in self.session.execute(q))

    # -- merging -----------------------------------------------------------------
    def move_tags(self, from_id: int, into_id: int) -> list[int]:
        """Every engagement tagged with `from_id` is tagged with `into_id` instead
        (one tag where it had both). Returns the engagements whose tag moved."""
        moving = list(
            self.session.scalars(
                select(ERI.engagement_id).where(
                    ERI.raised_issue_id == from_id,
                    ERI.engagement_id.not_in(
                        select(ERI.engagement_id).where(ERI.raised_issue_id == into_id)
                    ),
                )
            )
        )
        touch_via(self.session, RaisedIssue.__table__, into_id)
        if moving:
            self.session.execute(
                update(ERI)
                .where(ERI.raised_issue_id == from_id, ERI.engagement_id.in_(moving))
                .values(raised_issue_id=into_id)
            )
        self.session.execute(delete(ERI).where(ERI.raised_issue_id == from_id))
        self.session.execute(delete(RIS).where(RIS.raised_issue_id == from_id))
        self.session.flush()
        self.refresh(into_id, None)
        self.refresh(from_id, None)
        return moving

    # -- keeping the counts in step ----------------------------------------------
    def _stakeholder_ids(self, engagement_id: int) -> list[int]:
        return list(
            self.session.scalars(select(ES.stakeholder_id).where(ES.engagement_id == engagement_id))
        )

    def refresh(self, issue_id: int, stakeholder_ids: Iterable[int] | None) -> None:
        """Recount who raised an issue (those stakeholders, or all when None) and its totals.

        The issue's row is locked first, so two people tagging the same issue at once
        recount one after the other and neither count is lost (callers take issues in
        id order, so two such locks never wait on each other in a circle)."""
        self.session.execute(
            select(RaisedIssue.id).where(RaisedIssue.id == issue_id).with_for_update()
        )
        touch_via(self.session, RaisedIssue.__table__, issue_id)
        q = (
            select(
                ES.stakeholder_id,
                func.count(),
                func.min(ES.occurred_on),
                func.max(ES.occurred_on),
            )
            .join(ERI, ERI.engagement_id == ES.engagement_id)
            .where(ERI.raised_issue_id == issue_id, ES.withdrawn == false())
            .group_by(ES.stakeholder_id)
        )
        existing_q = select(RIS).where(RIS.raised_issue_id == issue_id)
        if stakeholder_ids is not None:
            sids = list(dict.fromkeys(stakeholder_ids))
            if not sids:
                sids = [-1]
            q = q.where(ES.stakeholder_id.in_(sids))
            existing_q = existing_q.where(RIS.stakeholder_id.in_(sids))
        fresh = {sid: (n, first, last) for sid, n, first, last in self.session.execute(q)}
        existing = {r.stakeholder_id: r for r in self.session.scalars(existing_q)}
        for sid, row in existing.items():
            if sid not in fresh:
                self.session.delete(row)
        new_rows = []
        for sid, (n, first, last) in fresh.items():
            current = existing.get(sid)
            if current is None:
                new_rows.append(
                    {
                        "raised_issue_id": issue_id,
                        "stakeholder_id": sid,
                        "engagements": n,
                        "first_raised_on": first,
                        "last_raised_on": last,
                    }
                )
            else:
                current.engagements, current.first_raised_on, current.last_raised_on = (
                    n,
                    first,
                    last,
                )
        self.session.flush()
        if new_rows:
            self.session.execute(insert(RIS), new_rows)
        stakeholders, first, last = self.session.execute(
            select(func.count(), func.min(RIS.first_raised_on), func.max(RIS.last_raised_on)).where(
                RIS.raised_issue_id == issue_id
            )
        ).one()
        engagements = self.session.scalar(
            select(func.count())
            .select_from(ERI)
            .where(ERI.raised_issue_id == issue_id, ERI.withdrawn == false())
        )
        self.session.execute(
            update(RaisedIssue)
            .where(RaisedIssue.id == issue_id)
            .values(
                stakeholders=stakeholders,
                engagements=engagements,
                first_raised_on=first,
                last_raised_on=last,
            )
        )
        issue = self.session.get(RaisedIssue, issue_id)
        if issue is not None:
            self.session.refresh(issue)
