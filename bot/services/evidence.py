"""The evidence pack: one printable HTML document for a board secretary.

It shows how member practices and local stakeholders were engaged and the
issues they raised, the practices' positions, the vote with its figures
and checksum, each duty with its evidence, and the timeline of key dates.

`gather` reads the records as stored; `compute` turns them into every
figure in the pack with pure functions, so the same log always gives the
same figures (the pack prints a fingerprint of them to show it).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .. import charts, clock, programme_templates, ratings
from .. import duties as duty_rules
from .. import raised_issues as issue_rules
from .. import votes as vote_rules
from ..context import Actor
from ..dates import BEFORE_START, format_date, format_datetime, passed_before_start
from ..errors import NotFound, UsageError
from ..evidence_pack import (
    DutyRow,
    EngagementRow,
    EvidenceItem,
    MapRow,
    NonVoters,
    NotHeardRow,
    Pack,
    PracticeRow,
    Quote,
    TimelineEntry,
    Totals,
    TypeSummary,
    VoteSummary,
    YouSaidRow,
    pack_wording,
)
from ..people import Names
from ..ports import UnitOfWork
from ..rendering import html_environment
from ..spreadsheet import csv_bytes
from ..stakeholder_types import TYPE_LABELS, TYPES, in_order
from .access import programme_for, require_admin
from .directory import names_for

if TYPE_CHECKING:
    from storage.models import (
        AggregateTally,
        AuditEvent,
        Ballot,
        Deadline,
        Duty,
        DutyEvidence,
        Elector,
        Engagement,
        Programme,
        RaisedIssue,
        Stakeholder,
        Vote,
    )

POSITIONS = ("support", "oppose", "undecided", "neutral")

# stakeholder id -> (its latest stated position, the day it was stated)
Positions = dict[int, tuple[str, date]]


@dataclass
class Records:
    """What the pack is computed from, exactly as stored."""

    programme: Programme
    stakeholders: list[Stakeholder]
    engagements: list[Engagement]
    links: dict[int, list[int]]
    votes: list[Vote]
    electors: dict[int, list[Elector]]
    ballots: dict[int, list[Ballot]]
    aggregates: dict[int, AggregateTally]
    deadlines: list[Deadline]
    duties: list[Duty]
    evidence: dict[int, list[DutyEvidence]]
    duty_events: list[AuditEvent]
    last_audit_id: int | None
    template: programme_templates.Template | None = None
    raised_issues: list[IssueRecord] = field(default_factory=list)  # most raised first
    # vote id -> stakeholder id -> when
    first_cast: dict[int, dict[int, datetime]] = field(default_factory=dict)
    names: Names = field(default_factory=Names)  # owners by name: a printed pack has no mentions


@dataclass
class IssueRecord:
    """One issue as stored, with its aggregates: read without touching the engagement log."""

    issue: RaisedIssue
    by_type: list[tuple[str, int, int]]  # (stakeholder type, stakeholders, their list size)
    candidates: list[issue_rules.Candidate]  # its latest tagged engagements


REPRESENTATIVE_POOL = 12  # latest tagged engagements an issue's summaries are chosen from


def gather_issues(uow: UnitOfWork, programme_id: int) -> list[IssueRecord]:
    """Issues, their raisers by type and their latest summaries: a bounded read per issue."""
    repo = uow.raised_issues
    issues = repo.ranked(programme_id)
    by_type: dict[int, list[tuple[str, int, int]]] = {}
    for issue_id, type_, n, size in repo.raisers_by_type(programme_id, (i.id for i in issues)):
        by_type.setdefault(issue_id, []).append((type_, n, size))
    latest_of = repo.latest_summaries_of(
        (i.id for i in issues if i.engagements), REPRESENTATIVE_POOL
    )
    types = repo.types_of(programme_id, (eid for rows in latest_of.values() for eid, _, _ in rows))
    out = []
    for issue in issues:
        latest = latest_of.get(issue.id, [])
        out.append(
            IssueRecord(
                issue,
                sorted(by_type.get(issue.id, [])),
                [
                    issue_rules.Candidate(eid, on, summary, tuple(sorted(types.get(eid, ()))))
                    for eid, on, summary in latest
                ],
            )
        )
    return out


def _owners(
    duties: Iterable[Duty],
    raised_issues: Iterable[IssueRecord],
    deadlines: Iterable[Deadline] = (),
) -> set[str]:
    """Everyone the pack names: duty owners, those who answered issues, and those who confirmed
    or moved a template date."""
    owners = {d.owner_id for d in duties if d.owner_id}
    owners |= {d.date_set_by for d in deadlines if d.date_set_by}
    return owners | {r.issue.response_owner for r in raised_issues if r.issue.response_owner}


def gather(uow: UnitOfWork, programme: Programme) -> Records:
    r = uow.duties.records
    votes = r.votes(programme.id)
    template = None
    if programme.template:
        try:
            template = programme_templates.load(programme.template)
        except UsageError:
            template = None
    duties = r.duties(programme.id)
    deadlines = r.deadlines(programme.id)
    raised_issues = gather_issues(uow, programme.id)
    return Records(
        programme=programme,
        stakeholders=r.stakeholders(programme.id),
        engagements=r.engagements(programme.id),
        links=r.engagement_links(programme.id),
        votes=votes,
        electors={v.id: r.electors(v.id) for v in votes},
        ballots={v.id: r.ballots(v.id) for v in votes},
        aggregates={v.id: a for v in votes if (a := r.aggregate(v.id)) is not None},
        deadlines=deadlines,
        duties=duties,
        evidence=uow.duties.evidence_of_programme(programme.id),
        duty_events=r.duty_events(programme.id),
        last_audit_id=r.last_audit_id(programme.id),
        template=template,
        raised_issues=raised_issues,
        first_cast={v.id: r.first_cast(v.id) for v in votes},
        names=names_for(uow, programme.team_id, _owners(duties, raised_issues, deadlines)),
    )


# -- figures -------------------------------------------------------------------


def _local_date(dt: datetime, tz: str) -> date:
    return dt.astimezone(ZoneInfo(tz)).date()


def latest_positions(
    engagements: Iterable[Engagement], links: dict[int, list[int]]
) -> dict[int, tuple[str, date]]:
    """stakeholder id -> (position, date): the latest stated one, by date then by entry order."""
    out: dict[int, tuple[str, date]] = {}
    for e in sorted(engagements, key=lambda e: (e.occurred_on, e.id)):
        if e.position:
            for sid in links.get(e.id, []):
                out[sid] = (e.position, e.occurred_on)
    return out


def _tally(
    vote: Vote,
    electors: list[Elector],
    ballots: list[Ballot],
    aggregate: AggregateTally | None,
    stakeholders: list[Stakeholder],
) -> vote_rules.Tally:
    """The vote counted by the votes rules (bot/votes.py), as at closing for a closed vote."""
    people = {s.id: s for s in stakeholders}
    roll = [
        vote_rules.Elector(
            e.stakeholder_id,
            people[e.stakeholder_id].name if e.stakeholder_id in people else str(e.stakeholder_id),
            people[e.stakeholder_id].code if e.stakeholder_id in people else None,
            e.list_size or 0,
        )
        for e in electors
    ]
    if aggregate is not None:
        return vote_rules.tally(
            roll,
            aggregate=vote_rules.Aggregate(
                aggregate.for_count,
                aggregate.against_count,
                aggregate.abstain_count,
                aggregate.for_list_size,
                aggregate.against_list_size,
                aggregate.abstain_list_size,
            ),
            rule=vote.rule,
            quorum_percent=vote.quorum_percent,
            weighted=vote.weighted,
        )
    return vote_rules.tally(
        roll,
        [vote_rules.Cast(b.stakeholder_id, b.choice) for b in ballots],
        rule=vote.rule,
        quorum_percent=vote.quorum_percent,
        weighted=vote.weighted,
    )


def _turnout_chart(summary: VoteSummary, vote: Vote, rec: Records, tz: str) -> charts.Chart:
    """The vote's turnout day by day: each practice counted from its first ballot (a change of
    vote is not a new voter), or an aggregate count all on the day it was recorded."""
    aggregate = rec.aggregates.get(vote.id)
    if aggregate is not None:
        firsts = [_local_date(aggregate.recorded_at, tz)] * summary.tally.practices.turnout
    else:
        roll = {e.stakeholder_id for e in rec.electors.get(vote.id, [])}
        cast = rec.first_cast.get(vote.id, {})
        firsts = [
            _local_date(cast.get(b.stakeholder_id) or b.recorded_at, tz)
            for b in rec.ballots.get(vote.id, [])
            if b.stakeholder_id in roll
        ]
    opened = _local_date(vote.opened_at, tz)
    until = _local_date(vote.closed_at, tz) if vote.closed_at else max(firsts, default=opened)
    return charts.turnout_chart(
        vote.id,
        opened,
        until,
        firsts,
        summary.tally.practices.electorate,
        vote.quorum_percent,
        weighted=vote.weighted,
    )


def compute(rec: Records) -> Pack:
    """Every figure of the pack, from the records alone: one pure function per section."""
    tz = rec.programme.timezone
    live = [s for s in rec.stakeholders if s.removed_at is None]
    positions = latest_positions(rec.engagements, rec.links)
    per_stakeholder = engagements_per_stakeholder(rec)
    types, engagement_log = type_summaries(rec, live, positions, per_stakeholder)
    totals = totals_of(rec, live, per_stakeholder)
    practice_patients = sum(s.list_size or 0 for s in live if s.type == "practice")
    practices = practice_rows(live, positions, per_stakeholder)
    votes = vote_summaries(rec)
    duty_rows = duty_rows_of(rec, votes)
    cancelled = [
        r for r in duty_rows if r.section == duty_rules.DUTY and r.state == duty_rules.CANCELLED
    ]
    # Every duty still needed, of every kind: the chart, the counts and the tables share them.
    needed = [
        r for r in duty_rows if r.section == duty_rules.DUTY and r.state != duty_rules.CANCELLED
    ]
    pack = Pack(
        programme_name=rec.programme.name,
        template_title=rec.template.get("title") if rec.template else None,
        timezone=tz,
        types=types,
        totals=totals,
        you_said=[you_said_row(r, practice_patients, rec.names) for r in rec.raised_issues],
        engagement_log=engagement_log,
        practices=practices,
        practice_positions=practice_positions(practices),
        votes=votes,
        duties=needed,
        duty_groups=duty_rules.by_kind(needed, rec.template),
        cancelled=cancelled,
        model=rec.programme.model,
        documents=programme_templates.documents(rec.template) if rec.template else [],
        wording=pack_wording(rec.template),
        checklist=[
            r for r in duty_rows if r.section == duty_rules.EOI and r.state != duty_rules.CANCELLED
        ],
        timeline=timeline_of(rec, votes, duty_rows, totals),
        source=source_counts(rec),
        duty_counts={s: sum(1 for r in needed if r.state == s) for s in duty_rules.STATES},
        non_voters=non_voters_of(rec),
        not_engaged=not_engaged_of(live, per_stakeholder),
        stakeholder_map=map_rows(live, positions),
        unrated=sum(1 for s in live if s.influence is None or s.interest is None),
    )
    pack.fingerprint = fingerprint(pack)
    return pack


def _not_heard(s: Stakeholder) -> NotHeardRow:
    return NotHeardRow(TYPE_LABELS.get(s.type, s.type), s.name, s.code, s.group_name, s.list_size)


def non_voters_of(rec: Records) -> list[NonVoters]:
    """For each closed vote, the practices of its electorate with no ballot, by name."""
    people = {s.id: s for s in rec.stakeholders}
    out = []
    for v in rec.votes:
        if v.state != "closed":
            continue
        electors = rec.electors.get(v.id, [])
        voted = {b.stakeholder_id for b in rec.ballots.get(v.id, [])}
        aggregate = v.id in rec.aggregates
        rows = (
            []
            if aggregate
            else sorted(
                (
                    _not_heard(people[e.stakeholder_id])
                    for e in electors
                    if e.stakeholder_id not in voted and e.stakeholder_id in people
                ),
                key=lambda r: ((r.group or "").lower(), r.name.lower()),
            )
        )
        out.append(NonVoters(v.id, v.question, v.closed_at, len(electors), rows, aggregate))
    return out


def not_engaged_of(
    live: list[Stakeholder], per_stakeholder: dict[int, list[Engagement]]
) -> list[tuple[str, list[NotHeardRow]]]:
    """Per stakeholder type, in the register's order: those with no engagement in the log."""
    out = []
    for t in TYPES:
        rows = sorted(
            (_not_heard(s) for s in live if s.type == t and s.id not in per_stakeholder),
            key=lambda r: ((r.group or "").lower(), r.name.lower()),
        )
        if rows:
            out.append((TYPE_LABELS[t], rows))
    return out


def map_rows(live: list[Stakeholder], positions: Positions) -> list[MapRow]:
    """The rated stakeholders, quadrant by quadrant, most influential and interested first."""
    order = {name: i for i, (name, _, _) in enumerate(ratings.QUADRANTS)}
    rows = [
        MapRow(
            ratings.quadrant(s.influence, s.interest),
            TYPE_LABELS.get(s.type, s.type),
            s.name,
            s.code,
            s.influence,
            s.interest,
            positions.get(s.id, (None,))[0],
        )
        for s in live
        if s.influence is not None and s.interest is not None
    ]
    return sorted(
        rows, key=lambda r: (order[r.quadrant], -r.influence, -r.interest, r.name.lower())
    )


def engagements_per_stakeholder(rec: Records) -> dict[int, list[Engagement]]:
    per_stakeholder: dict[int, list[Engagement]] = {}
    for e in rec.engagements:
        for sid in rec.links.get(e.id, []):
            per_stakeholder.setdefault(sid, []).append(e)
    return per_stakeholder


def type_summaries(
    rec: Records,
    live: list[Stakeholder],
    positions: Positions,
    per_stakeholder: dict[int, list[Engagement]],
) -> tuple[list[TypeSummary], dict[str, list[EngagementRow]]]:
    """Per stakeholder type: who is in the register and engaged, and the engagement log."""
    people = {s.id: s for s in rec.stakeholders}
    types = []
    engagement_log: dict[str, list[EngagementRow]] = {}
    for t in in_order(programme_templates.stakeholder_types(rec.template)):
        members = [s for s in live if s.type == t]
        touching = [
            e
            for e in rec.engagements
            if any(people[sid].type == t for sid in rec.links.get(e.id, []) if sid in people)
        ]
        if not members and not touching:
            continue
        dates_ = [e.occurred_on for e in touching]
        types.append(
            TypeSummary(
                type=t,
                label=TYPE_LABELS[t],
                in_register=len(members),
                engaged=sum(1 for s in members if s.id in per_stakeholder),
                engagements=len(touching),
                first=min(dates_, default=None),
                last=max(dates_, default=None),
                kinds=dict(sorted(Counter(e.kind for e in touching).items())),
                positions={
                    p: sum(1 for s in members if positions.get(s.id, (None,))[0] == p)
                    for p in POSITIONS
                },
            )
        )
        if touching:
            engagement_log[TYPE_LABELS[t]] = [
                EngagementRow(
                    e.id,
                    e.occurred_on,
                    e.kind,
                    e.summary,
                    e.position,
                    sorted(people[sid].name for sid in rec.links.get(e.id, []) if sid in people),
                )
                for e in touching
            ]
    return types, engagement_log


def totals_of(
    rec: Records, live: list[Stakeholder], per_stakeholder: dict[int, list[Engagement]]
) -> Totals:
    all_dates = [e.occurred_on for e in rec.engagements]
    totals: Totals = {
        "engagements": len(rec.engagements),
        "stakeholders": len(live),
        "engaged": sum(1 for s in live if s.id in per_stakeholder),
        "first": min(all_dates, default=None),
        "last": max(all_dates, default=None),
    }

    return totals


def practice_rows(
    live: list[Stakeholder], positions: Positions, per_stakeholder: dict[int, list[Engagement]]
) -> list[PracticeRow]:
    """Each member practice's latest position and engagement, by locality."""
    practices = []
    for s in sorted(
        (s for s in live if s.type == "practice"),
        key=lambda s: ((s.group_name or "").lower(), s.name.lower()),
    ):
        pos = positions.get(s.id)
        mine = per_stakeholder.get(s.id, [])
        practices.append(
            PracticeRow(
                s.code,
                s.name,
                s.group_name,
                s.list_size,
                pos[0] if pos else None,
                pos[1] if pos else None,
                len(mine),
                max((e.occurred_on for e in mine), default=None),
            )
        )
    return practices


def practice_positions(practices: list[PracticeRow]) -> list[tuple[str, int, int]]:
    """(position, practices, patients) for each position, and for none stated."""
    counts = []
    for p in POSITIONS + (None,):
        rows = [r for r in practices if r.position == p]
        counts.append((p or "no position stated", len(rows), sum(r.list_size or 0 for r in rows)))

    return counts


def vote_summaries(rec: Records) -> list[VoteSummary]:
    """Each vote's terms, figures and turnout chart."""
    tz = rec.programme.timezone
    votes = [
        VoteSummary(
            v.id,
            v.question,
            v.state,
            v.rule,
            vote_rules.RULE_TEXT.get(v.rule, v.rule),
            v.quorum_percent,
            v.weighted,
            v.group_name,
            v.opened_at,
            v.closes_at,
            v.closed_at,
            _tally(
                v,
                rec.electors.get(v.id, []),
                rec.ballots.get(v.id, []),
                rec.aggregates.get(v.id),
                rec.stakeholders,
            ),
            v.checksum if v.state == "closed" else None,
        )
        for v in rec.votes
    ]
    for summary, v in zip(votes, rec.votes):
        summary.turnout = _turnout_chart(summary, v, rec, tz)
    return votes


def duty_rows_of(rec: Records, votes: list[VoteSummary]) -> list[DutyRow]:
    """The duties and the checklist, each with its evidence, in the order they are shown."""
    tz = rec.programme.timezone
    done_on: dict[int, date] = {}
    for ev in rec.duty_events:
        if ev.action == "duty.done" and ev.entity_id is not None:
            done_on[ev.entity_id] = _local_date(ev.at, tz)
    lookups = EvidenceLookups(
        {e.id: e for e in rec.engagements},
        {s.id: s for s in rec.stakeholders},
        rec.links,
        {v.id: v for v in votes},
        tz,
    )
    key_dates = {
        d.template_key: d.due_on for d in rec.deadlines if d.template_key and d.state != "cancelled"
    }
    facts = duty_rules.recorded_facts(
        rec.stakeholders,
        rec.engagements,
        rec.links,
        [r.issue.state for r in rec.raised_issues],
    )
    began = clock.began_on(rec.programme)
    duty_rows = [
        DutyRow(
            d.id,
            d.section,
            d.title,
            d.statute,
            d.state,
            d.due_on,
            rec.names(d.owner_id) or None,
            d.reason,
            d.notes,
            done_on.get(d.id) if d.state == duty_rules.DONE else None,
            [evidence_item(ev, lookups) for ev in rec.evidence.get(d.id, [])],
            duty_rules.checklist_asks(rec.template, d.key),
            duty_rules.kind_of(d),
            duty_rules.basis(d, rec.template),
            d.source,
            (
                duty_rules.due_qualifiers(d)
                + ([BEFORE_START] if passed_before_start(d.due_on, began) else [])
                if d.state == duty_rules.OPEN
                else []
            ),
            (duty_rules.checklist_item(rec.template, d.key) or {}).get("excludes"),
            duty_rules.span(duty_rules.checklist_item(rec.template, d.key), key_dates),
            duty_rules.shown_facts(duty_rules.item_of(rec.template, d.key), facts),
        )
        for d in rec.duties
    ]
    # Duties in the order they fall due; the checklist in its letters' order (A to H).
    duty_rows.sort(
        key=lambda r: (
            (r.section, r.due_on or date.max, r.title)
            if r.section == duty_rules.DUTY
            else (r.section, date.min, r.title)
        )
    )
    return duty_rows


@dataclass
class EvidenceLookups:
    engagements: dict[int, Engagement]
    people: dict[int, Stakeholder]
    links: dict[int, list[int]]
    votes: dict[int, VoteSummary]
    timezone: str


def evidence_item(ev: DutyEvidence, lookups: EvidenceLookups) -> EvidenceItem:
    """One piece of a duty's evidence as the pack shows it: an engagement, a vote or a link."""
    tz, people = lookups.timezone, lookups.people
    if ev.kind == "engagement":
        e = lookups.engagements.get(ev.engagement_id) if ev.engagement_id is not None else None
        if e is None:
            return EvidenceItem("engagement", f"Engagement {ev.engagement_id} (withdrawn since)")
        names = ", ".join(
            sorted(people[s].name for s in lookups.links.get(e.id, []) if s in people)
        )
        return EvidenceItem(
            "engagement",
            f"Engagement {e.id}: {e.kind} with {names}: {e.summary}",
            on=e.occurred_on,
        )
    if ev.kind == "vote":
        v = lookups.votes.get(ev.vote_id) if ev.vote_id is not None else None
        text = f"Vote {ev.vote_id}: {v.question} ({v.tally.outcome})" if v else f"Vote {ev.vote_id}"
        return EvidenceItem(
            "vote", text, on=_local_date(v.closed_at, tz) if v and v.closed_at else None
        )
    if ev.kind == duty_rules.DECISION:
        return EvidenceItem(
            ev.kind,
            "The model chosen in Consult (programme model)",
            on=_local_date(ev.added_at, tz),
        )
    label = "Slack message: " if ev.kind == "permalink" else "Document: "
    return EvidenceItem(
        ev.kind, label + (ev.url or ""), url=ev.url, on=_local_date(ev.added_at, tz)
    )


def timeline_of(
    rec: Records, votes: list[VoteSummary], duty_rows: list[DutyRow], totals: Totals
) -> list[TimelineEntry]:
    tz = rec.programme.timezone
    began = clock.began_on(rec.programme)
    timeline = [
        TimelineEntry(
            d.due_on,
            d.title
            + (
                f" ({d.state})"
                if d.state != "open"
                else f" ({BEFORE_START})"
                if passed_before_start(d.due_on, began)
                else ""
            ),
            d.kind or "deadline",
            provisional=bool(d.provisional) and d.state == "open",
            source=d.source,
            suggestion=duty_rules.suggestion_of(d) if d.state == "open" else None,
            source_label=duty_rules.source_label(d),
            date_set=duty_rules.date_set_text(
                d,
                rec.names(d.date_set_by) or "an admin",
                _local_date(d.date_set_at, tz) if d.date_set_at else None,
            ),
        )
        for d in rec.deadlines
    ]
    # What the sources date in the 2014/15 round, as context: never deadlines of this programme.
    timeline += [
        TimelineEntry(m.on, m.title, "context", source=m.source, month_only=m.month_only)
        for m in programme_templates.context_milestones(rec.template)
    ]
    for v in votes:
        timeline.append(
            TimelineEntry(_local_date(v.opened_at, tz), f"Vote {v.id} opened: {v.question}", "vote")
        )
        if v.closed_at:
            timeline.append(
                TimelineEntry(
                    _local_date(v.closed_at, tz), f"Vote {v.id} closed: {v.tally.outcome}", "vote"
                )
            )
        else:
            timeline.append(
                TimelineEntry(_local_date(v.closes_at, tz), f"Vote {v.id} closes", "vote")
            )
    for row in duty_rows:
        if row.done_on:
            timeline.append(TimelineEntry(row.done_on, f"Done: {row.title}", "duty"))
    for ev in rec.duty_events:
        if ev.action == "duty.revision":
            after = json.loads(ev.after or "{}")
            timeline.append(
                TimelineEntry(
                    _local_date(ev.at, tz),
                    f"Significant revision {after.get('revision')}: "
                    f"{after.get('what_changed', '')}",
                    "revision",
                )
            )
    if totals["first"] and totals["last"]:  # both, or neither
        timeline.append(TimelineEntry(totals["first"], "First engagement logged", "engagement"))
        timeline.append(TimelineEntry(totals["last"], "Latest engagement logged", "engagement"))
    timeline.sort(key=lambda t: (t.on, t.kind, t.what))

    return timeline


def source_counts(rec: Records) -> dict[str, int | str | None]:
    """What the pack was computed from (shown in its footer, and part of its fingerprint)."""
    return {
        "engagements": len(rec.engagements),
        "stakeholders": len(rec.stakeholders),
        "ballots": sum(len(b) for b in rec.ballots.values()),
        "votes": len(rec.votes),
        "duties": len(rec.duties),
        "evidence": sum(len(e) for e in rec.evidence.values()),
        "last_audit_id": rec.last_audit_id,
        "issues": len(rec.raised_issues),
        # The audit trail's hash chain head: the fingerprint covers it, so a pack
        # vouches for the whole trail as it stood (`app.py audit verify`).
        "audit_entries": rec.programme.audit_seq or 0,
        "audit_head": rec.programme.audit_head,
    }


def you_said_row(r: IssueRecord, practice_patients: int, names: Names | None = None) -> YouSaidRow:
    i = r.issue
    order = {t: n for n, t in enumerate(TYPES)}
    by_type = [
        (TYPE_LABELS.get(t, t), n)
        for t, n, _ in sorted(r.by_type, key=lambda x: order.get(x[0], 99))
    ]
    practice = next(((n, size) for t, n, size in r.by_type if t == "practice"), (0, 0))
    return YouSaidRow(
        id=i.id,
        name=i.name,
        description=i.description,
        stakeholders=i.stakeholders,
        engagements=i.engagements,
        by_type=by_type,
        practices=practice[0],
        practice_list_size=practice[1],
        practice_share=round(100 * practice[1] / practice_patients) if practice_patients else None,
        first=i.first_raised_on,
        last=i.last_raised_on,
        quotes=[
            Quote(c.occurred_on, c.summary, [TYPE_LABELS.get(t, t) for t in c.types])
            for c in issue_rules.representatives(r.candidates)
        ],
        state=i.state,
        state_label=issue_rules.STATE_LABELS.get(i.state, i.state),
        response=i.response,
        reason=i.reason,
        owner=(names or Names())(i.response_owner) or None,
        responded_on=i.responded_on,
    )


def _plain(value: object) -> object:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, vote_rules.Tally):
        return {
            "outcome": value.outcome,
            "checksum": value.checksum,
            "practices": _plain(value.practices),
            "list_size": _plain(value.list_size),
            "quorum_met": value.quorum_met,
        }
    if isinstance(value, vote_rules.Figures):
        return [value.for_, value.against, value.abstain, value.electorate]
    if hasattr(value, "__dataclass_fields__"):
        return {
            k: _plain(getattr(value, k)) for k in value.__dataclass_fields__ if k != "fingerprint"
        }
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def fingerprint(pack: Pack) -> str:
    """SHA-256 of every figure and line in the pack (not the time it was made): the same log gives
    the same fingerprint, so two copies of a pack can be compared at a glance."""
    text = json.dumps(_plain(pack), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- rendering -----------------------------------------------------------------


def subject_of(pack: Pack) -> str:
    """The document's subject (HTML description, PDF and Word properties), in the template's
    words: a template without a member vote does not mention one."""
    wording = pack.wording or pack_wording(None)
    vote = " the member vote," if wording["has_vote"] else ""
    return (
        f"Evidence pack: engagement of {wording['engaged']}, the issues they raised,{vote} "
        "and duties with their sources and evidence"
    )


def keywords_of(pack: Pack) -> str:
    wording = pack.wording or pack_wording(None)
    vote = ", member vote" if wording["has_vote"] else ""
    return f"evidence pack, engagement, consultation{vote}, duties"


def render_pack(
    pack: Pack,
    generated_at: datetime,
    organisation: str | None = None,
    drawn: dict[str, charts.Chart] | None = None,
    inline_charts: bool = True,
) -> str:
    """The pack as HTML. `inline_charts` False leaves each chart's figure with its caption but
    without its SVG (the Word file draws the charts as pictures itself)."""
    from markupsafe import Markup

    env = html_environment()
    env.filters["local"] = lambda dt: format_datetime(dt, pack.timezone)
    env.filters["maybe_date"] = lambda d: format_date(d) if d else "–"
    drawn = charts.pack_charts(pack) if drawn is None else drawn

    def chart(name: str) -> Markup:
        """The chart inline as SVG (sharp in print), its alt text under it for every reader."""
        found = drawn.get(name)
        if found is None:
            return Markup("")
        return Markup(
            '<figure class="chart" data-chart="{}">{}<figcaption>{}</figcaption></figure>'
        ).format(name, Markup(charts.inline_svg(found)) if inline_charts else "", found.alt)

    sections = pack.sections()
    return env.get_template("evidence/pack.html.j2").render(
        pack=pack,
        generated=format_datetime(generated_at, pack.timezone),
        generated_iso=generated_at.astimezone(ZoneInfo(pack.timezone)).isoformat(
            timespec="seconds"
        ),
        organisation=organisation or pack.programme_name,
        subject=subject_of(pack),
        keywords=keywords_of(pack),
        sections=sections,
        heading=dict(sections),
        type_labels=TYPE_LABELS,
        state_labels=duty_rules.STATE_LABELS,
        chart=chart,
    )


def pack_filename(programme: Programme, fmt: str = "html") -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", programme.name.lower()).strip("-")[:60] or "programme"
    return f"evidence-pack-{slug}-{clock.today_in(programme.timezone).isoformat()}.{fmt}"


@dataclass
class Computed:
    """A pack's figures and who it is for, read in one transaction."""

    programme: Programme
    pack: Pack
    organisation: str | None  # the Slack workspace's name, where an installation recorded it


def compute_pack(uow: UnitOfWork, programme_id: int) -> Computed:
    with uow:
        programme = uow.programmes.get(programme_id)
        if programme is None:
            raise NotFound(f"There is no programme {programme_id}.")
        pack = compute(gather(uow, programme))
        organisation = uow.programmes.workspace_name(programme.team_id)
    return Computed(programme, pack, organisation)


def build_pack_html(uow: UnitOfWork, programme_id: int) -> tuple[Programme, str]:
    """(programme, HTML) of a programme's evidence pack, read in one transaction."""
    made = compute_pack(uow, programme_id)
    return made.programme, render_pack(made.pack, clock.now(), made.organisation)


def build_pack_pdf(uow: UnitOfWork, programme_id: int) -> tuple[Programme, bytes]:
    """(programme, PDF) of the same pack: A4, PDF/UA-1 (tagged, en-GB, the programme as its
    title), the programme's name at the top of every page, the page number and the
    fingerprint at the bottom, a contents page and a bookmark for every section."""
    from ..pdf import html_to_pdf

    programme, html = build_pack_html(uow, programme_id)
    return programme, html_to_pdf(html, title=programme.name)


def build_pack_docx(uow: UnitOfWork, programme_id: int) -> tuple[Programme, bytes]:
    """(programme, Word file) of the same pack: the sections as headings, the tables as Word
    tables, the charts as pictures with their alt text, the fingerprint in the footer."""
    from ..word import html_to_docx

    made = compute_pack(uow, programme_id)
    pack, now = made.pack, clock.now()
    drawn = charts.pack_charts(pack)
    html = render_pack(pack, now, made.organisation, drawn=drawn, inline_charts=False)
    return made.programme, html_to_docx(
        html,
        drawn,
        title=pack.programme_name,
        author=made.organisation or pack.programme_name,
        subject=subject_of(pack),
        keywords=keywords_of(pack),
        created=now,
        header=pack.programme_name,
        footer=f"Fingerprint {pack.fingerprint}",
    )


NOT_HEARD_HEADER = [
    "what",
    "vote",
    "question",
    "vote closed at",
    "stakeholder type",
    "code",
    "name",
    "locality or CCG",
    "list size",
]


def not_heard_csv(actor: Actor, channel_id: str, uow: UnitOfWork) -> tuple[Programme, bytes, str]:
    """(programme, CSV, a sentence of counts): the evidence pack's "who did not respond", one row
    per closed vote and practice that did not vote, then one per stakeholder never engaged."""
    with uow:
        programme = programme_for(uow, actor, channel_id)
        pack = compute(gather(uow, programme))
    rows = []
    for v in pack.non_voters:
        for r in v.rows:
            rows.append(
                [
                    "did not vote",
                    v.vote_id,
                    v.question,
                    v.closed_at.isoformat() if v.closed_at else "",
                ]
                + [r.type_label, r.code, r.name, r.group, r.list_size]
            )
    for _, group in pack.not_engaged:
        for r in group:
            rows.append(
                ["not engaged", "", "", "", r.type_label, r.code, r.name, r.group, r.list_size]
            )
    voters = sum(len(v.rows) for v in pack.non_voters)
    quiet = sum(len(g) for _, g in pack.not_engaged)
    counted = [v.vote_id for v in pack.non_voters if v.counted_at_meeting]
    comment = (
        f"Who did not respond in {programme.name}: {voters:,} non-voting practice"
        f"{'s' if voters != 1 else ''} across {len(pack.non_voters):,} closed vote"
        f"{'s' if len(pack.non_voters) != 1 else ''}, and {quiet:,} stakeholder"
        f"{'s' if quiet != 1 else ''} never engaged."
    )
    if counted:
        comment += (
            " Counted at a meeting, so with no list of who voted: vote "
            + ", ".join(f"#{n}" for n in counted)
            + "."
        )
    return programme, csv_bytes(NOT_HEARD_HEADER, rows), comment


FORMATS = ("html", "pdf", "docx")


def evidence_pack(
    actor: Actor, channel_id: str, uow: UnitOfWork, fmt: str = "html"
) -> tuple[Programme, str, bytes]:
    """For `/consult evidence [pdf|docx]` (admins): (programme, file name, the file's bytes)."""
    if fmt not in FORMATS:
        raise UsageError(f"The evidence pack comes as `html`, `pdf` or `docx`, not `{fmt}`.")
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "make the evidence pack")
    if fmt == "pdf":
        programme, content = build_pack_pdf(uow, programme.id)
    elif fmt == "docx":
        programme, content = build_pack_docx(uow, programme.id)
    else:
        programme, html = build_pack_html(uow, programme.id)
        content = html.encode("utf-8")
    return programme, pack_filename(programme, fmt), content
