"""The member practice vote: open, cast and record ballots, aggregate counts, tally, close, export.

Every change is audited; ballots also go to ballot_history. A closed vote
never changes: the vote row is locked for every change (shared by ballots,
exclusive for closing and aggregate counts), so nothing slips in after the
count taken at closing.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from .. import clock, programme_templates
from .. import votes as rules
from ..context import Actor
from ..dates import format_datetime, local_to_utc
from ..errors import Conflict, Forbidden, NotFound, UsageError
from ..messenger import Block, Messenger
from ..ports import UnitOfWork
from ..rendering import esc
from ..spreadsheet import csv_bytes
from ..typed_text import clean_typed
from . import read_models
from .access import audit, programme_for, require_admin, require_returning_officer, snapshot
from .deliveries import DueMessage, send_once
from .directory import lazy_names
from .duties import linkable_duty, on_vote_closed
from .spans import check_in_span
from .stakeholders import resolve

if TYPE_CHECKING:
    from storage.models import AggregateTally, Duty, Programme, Stakeholder, Vote

log = logging.getLogger("consult.votes")

MAX_QUESTION = 500
SCHEDULER = "consult"  # who closes a vote at its closing time, in the audit trail
LINK_HINT = (
    "Ask a programme admin to link you to your practice with "
    "`/consult stakeholder link <practice> @you`; a returning officer can also record your "
    "practice's ballot for you."
)


# -- finding a vote ------------------------------------------------------------


def _describe(vote: Vote, tz: str) -> str:
    return f"#{vote.id} “{esc(vote.question)}” (closes {format_datetime(vote.closes_at, tz)})"


def require_member_vote(actor: Actor, channel_id: str, uow: UnitOfWork) -> None:
    """The vote commands belong to templates with a member vote (and to programmes without a
    template); under any other template they say so and change nothing."""
    with uow:
        programme = programme_for(uow, actor, channel_id)
        if not programme.template:
            return
        try:
            template = programme_templates.load(programme.template)
        except UsageError:  # a template renamed since the programme was set up
            return
        if not programme_templates.has_vote(template):
            raise Conflict(
                f"*{programme.name}* runs under the {template['name']} template, which has no "
                f"member vote: {programme_templates.no_vote_reason(template)} The vote commands "
                "are for templates with one (`/consult templates` lists them)."
            )


def choose_vote(
    uow: UnitOfWork, programme: Programme, vote_id: int | None, *, allow_closed: bool = False
) -> Vote:
    """The vote a command means: the one given by --vote, or the only open one."""
    if vote_id is not None:
        vote = uow.votes.get(programme.id, vote_id)
        if vote is None:
            raise NotFound(
                f"There is no vote #{vote_id} in this programme. `/consult vote list` shows them."
            )
        if vote.state != "open" and not allow_closed:
            raise Conflict(
                f"Vote #{vote.id} closed on "
                f"{format_datetime(vote.closed_at or vote.closes_at, programme.timezone)}; "
                "a closed vote never changes."
            )
        return vote
    open_votes = uow.votes.open_votes(programme.id)
    if len(open_votes) == 1:
        return open_votes[0]
    if not open_votes:
        closed = uow.votes.list(programme.id, ("closed",), limit=1)
        if closed and allow_closed:  # to read: the latest closed vote
            return closed[0]
        raise NotFound(
            "This programme has no open vote. An admin opens one with "
            '`/consult vote open "<question>" --closes <date>`.'
        )
    listing = "\n".join("• " + _describe(v, programme.timezone) for v in open_votes)
    raise UsageError(
        f"This programme has {len(open_votes)} open votes; say which with `--vote <id>`:\n{listing}"
    )


# -- counting ------------------------------------------------------------------


def electors_of(uow: UnitOfWork, vote: Vote) -> list[rules.Elector]:
    return [
        rules.Elector(s.id, s.name, s.code, e.list_size or 0)
        for e, s in uow.votes.electorate(vote.id)
    ]


def aggregate_of(row: AggregateTally) -> rules.Aggregate:
    return rules.Aggregate(
        row.for_count,
        row.against_count,
        row.abstain_count,
        row.for_list_size,
        row.against_list_size,
        row.abstain_list_size,
    )


def count_vote(uow: UnitOfWork, vote: Vote) -> tuple[list[rules.Elector], rules.Tally]:
    """The electorate and the tally of a vote as it stands (for the digest, the App Home, evidence)."""
    electors = electors_of(uow, vote)
    agg = uow.votes.aggregate(vote.id)
    rule, quorum, weighted = vote.rule, vote.quorum_percent, vote.weighted
    if agg is not None:
        return electors, rules.tally(
            electors,
            aggregate=aggregate_of(agg),
            rule=rule,
            quorum_percent=quorum,
            weighted=weighted,
        )
    ballots = [rules.Cast(b.stakeholder_id, b.choice) for b in uow.votes.ballots(vote.id)]
    return electors, rules.tally(
        electors, ballots, rule=rule, quorum_percent=quorum, weighted=weighted
    )


@dataclass
class VoteView:
    programme: Programme
    vote: Vote
    electors: list[rules.Elector]
    tally: rules.Tally
    forecast: rules.Forecast | None = None
    aggregate: AggregateTally | None = None
    duty: Duty | None = None  # the duty the vote decides (linked with --duty)


def _positions(uow: UnitOfWork, programme: Programme, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return uow.engagements.latest_positions(programme.id, ids)


def tally_vote(
    actor: Actor, channel_id: str, uow: UnitOfWork, vote_id: int | None = None
) -> VoteView:
    with uow:

        def build() -> VoteView:
            programme = programme_for(uow, actor, channel_id)
            vote = choose_vote(uow, programme, vote_id, allow_closed=True)
            electors, t = count_vote(uow, vote)
            fc = None
            if vote.state == "open" and t.mode == "ballots":
                fc = rules.forecast(
                    t,
                    electors,
                    _positions(uow, programme, [e.stakeholder_id for e in t.not_voted]),
                )
            return VoteView(programme, vote, electors, t, fc, uow.votes.aggregate(vote.id))

        return read_models.of_channel(uow, actor, channel_id, "tally", (vote_id,), build)


def list_votes(
    actor: Actor, channel_id: str, uow: UnitOfWork
) -> tuple[Programme, list[tuple[Vote, rules.Tally]]]:
    """(programme, [(vote, tally)]) newest first, open ones before closed."""
    with uow:
        programme = programme_for(uow, actor, channel_id)
        votes = sorted(
            uow.votes.list(programme.id, limit=20), key=lambda v: (v.state != "open", -v.id)
        )
        return programme, [(v, count_vote(uow, v)[1]) for v in votes]


# -- opening -------------------------------------------------------------------


def open_vote(
    actor: Actor,
    channel_id: str,
    question: str,
    uow: UnitOfWork,
    *,
    closes_on: date,
    at: str = "17:00",
    rule: str = "simple",
    quorum: int | None = None,
    weighted: bool = False,
    group: str | None = None,
    now: datetime | None = None,
    duty: str | None = None,
) -> VoteView:
    question = " ".join(clean_typed(question, "The question").split())
    if not question or len(question) > MAX_QUESTION:
        raise UsageError(f"The question must be 1 to {MAX_QUESTION} characters, in quotes.")
    if rule not in rules.RULES:
        raise UsageError(f"{rule!r} is not a rule. Use one of: {', '.join(rules.RULES)}.")
    if quorum is not None and not 0 < quorum <= 100:
        raise UsageError("The quorum is a percentage from 1% to 100%.")
    now = now or clock.now()
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "open a vote")
        closes_at = local_to_utc(closes_on, at, programme.timezone)
        if closes_at <= now:
            raise UsageError(
                f"The vote would close in the past ({format_datetime(closes_at, programme.timezone)}). "
                "Give a closing date and time still to come."
            )
        check_in_span(closes_on, programme, clock.today_in(programme.timezone), "a vote's close")
        practices = uow.stakeholders.list(programme.id, "practice", group)
        if not practices:
            if group:
                groups = sorted({g for g in uow.stakeholders.groups(programme.id)})
                raise NotFound(
                    f"No member practices are in the group “{esc(group)}”."
                    + (f" Groups: {esc(', '.join(groups))}." if groups else "")
                )
            raise Conflict(
                "The programme has no member practices yet, so a vote would have no electorate. "
                "Add them with `/consult stakeholder add practice` or import them first."
            )
        if weighted:
            unsized = [p for p in practices if not p.list_size]
            if unsized:
                names = esc(", ".join(p.code or p.name for p in unsized[:10])) + (
                    " …" if len(unsized) > 10 else ""
                )
                raise Conflict(
                    f"A weighted vote counts each practice by its list size, but {len(unsized)} "
                    f"practice(s) have none: {names}. Set their list sizes first, or open it unweighted."
                )
        group_name = practices[0].group_name if group else None
        decides = linkable_duty(uow, programme, duty) if duty is not None else None
        vote = uow.votes.create(
            programme_id=programme.id,
            question=question,
            closes_at=closes_at,
            rule=rule,
            quorum_percent=quorum,
            weighted=weighted,
            group_name=group_name,
            state="open",
            opened_by=actor.user_id,
            opened_at=now,
            duty_id=decides.id if decides else None,
        )
        uow.votes.add_electors(vote.id, {p.id: p.list_size or 0 for p in practices})
        audit(
            uow,
            actor,
            programme,
            "vote.open",
            "vote",
            vote.id,
            after={
                **snapshot(vote),
                "electorate": [
                    {"stakeholder_id": p.id, "code": p.code, "list_size": p.list_size or 0}
                    for p in practices
                ],
            },
        )
        uow.commit()
        electors, t = count_vote(uow, vote)
        return VoteView(programme, vote, electors, t, duty=decides)


def set_message(uow: UnitOfWork, vote_id: int, ts: str | None) -> None:
    """Remember the channel message with the buttons (to point people to it)."""
    if not ts:
        return
    with uow:
        vote = uow.votes.by_id(vote_id)
        if vote is None:  # gone since it was posted
            return
        vote.message_ts = ts
        uow.commit()


# -- ballots -------------------------------------------------------------------


def _locked(uow: UnitOfWork, vote_id: int, exclusive: bool) -> Vote:
    """The vote, locked (see VoteRepository.lock), found moments ago in this transaction."""
    vote = uow.votes.lock(vote_id, exclusive)
    if vote is None:
        raise NotFound("This vote no longer exists.")
    return vote


@dataclass
class BallotOutcome:
    programme: Programme
    vote: Vote
    practice: Stakeholder
    choice: str
    previous: str | None  # the choice it replaced, if any
    changed: bool


@dataclass
class PracticeChoice:
    """A person linked to several practices must say which one a click is for."""

    programme: Programme
    vote: Vote
    choice: str
    practices: list[Stakeholder]


def _cast(
    uow: UnitOfWork,
    actor: Actor,
    programme: Programme,
    vote_id: int,
    practice: Stakeholder,
    choice: str,
    method: str,
) -> BallotOutcome:
    if choice not in rules.CHOICES:
        raise UsageError(f"{choice!r} is not a choice. Use for, against or abstain.")
    now = clock.now()
    vote = _locked(uow, vote_id, exclusive=False)
    _still_open(vote, programme, now)
    if uow.votes.aggregate(vote.id) is not None:
        raise Conflict(
            f"Vote #{vote.id} was counted at a meeting (an aggregate count is recorded), so it takes "
            "no individual ballots."
        )
    if not uow.votes.is_elector(vote.id, practice.id):
        where = f" of the group {vote.group_name}" if vote.group_name else ""
        raise Conflict(
            f"{esc(practice.name)} is not in this vote's electorate (the member practices{where} "
            "when it opened)."
        )
    ballot, before, changed = uow.votes.cast(
        vote.id, practice.id, choice, method, actor.user_id, now
    )
    if changed:
        audit(
            uow,
            actor,
            programme,
            "vote.ballot" if before is None else "vote.ballot.change",
            "ballot",
            ballot.id,
            before,
            {
                "vote_id": vote.id,
                "stakeholder_id": practice.id,
                "code": practice.code,
                "choice": choice,
                "method": method,
                "recorded_by": actor.user_id,
                "recorded_at": now.isoformat(),
            },
        )
    uow.commit()
    return BallotOutcome(
        programme, vote, practice, choice, str(before["choice"]) if before else None, changed
    )


def _still_open(vote: Vote, programme: Programme, now: datetime) -> None:
    if vote.state != "open":
        raise Conflict(
            f"Voting on #{vote.id} “{esc(vote.question)}” closed at "
            f"{format_datetime(vote.closed_at or vote.closes_at, programme.timezone)}, so nothing was "
            "recorded. A closed vote never changes."
        )
    if vote.closes_at <= now:
        raise Conflict(
            f"Voting on #{vote.id} “{esc(vote.question)}” closed at "
            f"{format_datetime(vote.closes_at, programme.timezone)}, so nothing was recorded."
        )


def record_ballot(
    actor: Actor,
    channel_id: str,
    ref: str,
    choice: str,
    uow: UnitOfWork,
    *,
    method: str = "paper",
    vote_id: int | None = None,
) -> BallotOutcome:
    """A returning officer records a practice's ballot (from a paper form, an email, a meeting)."""
    if method not in rules.METHODS:
        raise UsageError(
            f"{method!r} is not a method. Use one of: {', '.join(m for m in rules.METHODS if m != 'slack')}."
        )
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_returning_officer(uow, actor, programme, "record a ballot for a practice")
        vote = choose_vote(uow, programme, vote_id)
        practice = resolve(uow, programme, ref)
        return _cast(uow, actor, programme, vote.id, practice, choice, method)


def ballot_from_button(
    actor: Actor, vote_id: int, choice: str, uow: UnitOfWork, stakeholder_id: int | None = None
) -> BallotOutcome | PracticeChoice:
    """A click on For / Against / Abstain by a practice's linked person."""
    with uow:
        vote = uow.votes.by_id(vote_id)
        programme = uow.programmes.get(vote.programme_id) if vote is not None else None
        if vote is None or programme is None or programme.team_id != actor.team_id:
            raise NotFound("This vote no longer exists.")
        _still_open(vote, programme, clock.now())
        mine = uow.votes.electors_linked_to(vote.id, actor.user_id)
        if not mine:
            raise Forbidden(
                f"You are not linked to a member practice in this vote's electorate, so nothing was "
                f"recorded. {LINK_HINT}"
            )
        if stakeholder_id is None:
            if len(mine) > 1:
                return PracticeChoice(programme, vote, choice, mine)
            practice = mine[0]
        else:
            chosen = next((p for p in mine if p.id == stakeholder_id), None)
            if chosen is None:
                raise Forbidden(
                    "That practice is not one you speak for in this vote's electorate (its member "
                    "practices when it opened), so nothing was recorded. " + LINK_HINT
                )
            practice = chosen
        return _cast(uow, actor, programme, vote.id, practice, choice, "slack")


# -- an aggregate count from a meeting -------------------------------------------


def set_aggregate_tally(
    actor: Actor,
    channel_id: str,
    uow: UnitOfWork,
    *,
    for_count: int,
    against_count: int,
    abstain_count: int,
    for_size: int | None = None,
    against_size: int | None = None,
    abstain_size: int | None = None,
    vote_id: int | None = None,
) -> VoteView:
    agg = rules.Aggregate(
        for_count, against_count, abstain_count, for_size, against_size, abstain_size
    )
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_returning_officer(uow, actor, programme, "record a vote's count from a meeting")
        vote = _locked(uow, choose_vote(uow, programme, vote_id).id, exclusive=True)
        _still_open(vote, programme, clock.now())
        ballots = uow.votes.ballot_count(vote.id)
        if ballots:
            raise Conflict(
                f"Vote #{vote.id} already has {ballots} ballot(s) from practices; a vote takes either "
                "ballots or an aggregate count, never both."
            )
        count, size = uow.votes.electorate_size(vote.id)
        problems = rules.check_aggregate(agg, count, size, vote.weighted)
        if problems:
            raise UsageError("That count can't be right: " + "; ".join(problems) + ".")
        before = snapshot(uow.votes.aggregate(vote.id))
        row = uow.votes.set_aggregate(
            vote.id,
            for_count=for_count,
            against_count=against_count,
            abstain_count=abstain_count,
            for_list_size=for_size,
            against_list_size=against_size,
            abstain_list_size=abstain_size,
            method="meeting",
            recorded_by=actor.user_id,
            recorded_at=clock.now(),
        )
        vote.mode = "aggregate"
        audit(
            uow,
            actor,
            programme,
            "vote.tally.set" if before is None else "vote.tally.change",
            "vote",
            vote.id,
            before,
            snapshot(row),
        )
        uow.commit()
        electors, t = count_vote(uow, vote)
        return VoteView(programme, vote, electors, t, None, row)


# -- closing -------------------------------------------------------------------


def _result_json(t: rules.Tally) -> str:
    def figures(f: rules.Figures | None) -> dict[str, int] | None:
        return (
            None
            if f is None
            else {
                "for": f.for_,
                "against": f.against,
                "abstain": f.abstain,
                "not_voted": f.not_voted,
                "electorate": f.electorate,
            }
        )

    return json.dumps(
        {
            "outcome": t.outcome,
            "carried": t.carried,
            "rule": t.rule,
            "quorum_percent": t.quorum_percent,
            "quorum_met": t.quorum_met,
            "weighted": t.weighted,
            "mode": t.mode,
            "practices": figures(t.practices),
            "list_size": figures(t.list_size),
            "explanation": t.explain(),
            "checksum": t.checksum,
        },
        sort_keys=True,
    )


def _close(
    uow: UnitOfWork, actor: Actor, programme: Programme, vote_id: int, now: datetime
) -> VoteView | None:
    """Close once: the exclusive lock and the state check make a second closer find it closed."""
    vote = uow.votes.lock(vote_id, exclusive=True)
    if vote is None or vote.state != "open":
        return None
    before = snapshot(vote)
    electors, t = count_vote(uow, vote)
    vote.state, vote.closed_by, vote.closed_at = "closed", actor.user_id, now
    vote.mode = t.mode
    vote.result, vote.checksum = _result_json(t), t.checksum
    audit(uow, actor, programme, "vote.close", "vote", vote.id, before, snapshot(vote))
    # Only the duty it was linked to, and only when carried under its own rule and quorum.
    duty = on_vote_closed(uow, actor, programme, vote, t.carried)
    uow.commit()
    return VoteView(programme, vote, electors, t, None, uow.votes.aggregate(vote.id), duty)


def vote_to_close(
    actor: Actor, channel_id: str, uow: UnitOfWork, vote_id: int | None = None
) -> Vote:
    """The open vote an admin asks to close, before they confirm it."""
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "close a vote")
        return choose_vote(uow, programme, vote_id)


def close_vote(
    actor: Actor, channel_id: str, uow: UnitOfWork, vote_id: int | None = None
) -> VoteView:
    """An admin closes a vote now (before its closing time)."""
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "close a vote")
        vote = choose_vote(uow, programme, vote_id)
        view = _close(uow, actor, programme, vote.id, clock.now())
        if view is None:
            raise Conflict(f"Vote #{vote.id} has already closed.")
        return view


def close_due(uow: UnitOfWork, now: datetime) -> list[VoteView]:
    """Close every vote whose closing time has come. Safe to run in many processes at once."""
    closed: list[VoteView] = []
    with uow:
        due = [(v.id, v.programme_id) for v in uow.votes.due_to_close(now)]
    for vote_id, programme_id in due:
        with uow:
            programme = uow.programmes.get(programme_id)
            if programme is None:  # gone since, with its votes
                continue
            actor = Actor(team_id=programme.team_id, user_id=SCHEDULER)
            view = _close(uow, actor, programme, vote_id, now)
            if view is not None:
                closed.append(view)
    return closed


def closed_view(uow: UnitOfWork, vote_id: int) -> VoteView:
    """A closed vote's final figures (for posting its result)."""
    with uow:
        vote = uow.votes.by_id(vote_id)
        programme = uow.programmes.get(vote.programme_id) if vote is not None else None
        if vote is None or programme is None:
            raise NotFound("This vote no longer exists.")
        electors, t = count_vote(uow, vote)
        duty = uow.duties.get(programme.id, vote.duty_id) if vote.duty_id else None
        return VoteView(programme, vote, electors, t, None, uow.votes.aggregate(vote.id), duty)


def result_key(vote_id: int) -> str:
    """The delivery-ledger key of a vote's result post: posted once, whoever closed it."""
    return f"vote:{vote_id}:result"


def post_result(
    uow: UnitOfWork,
    messenger: Messenger,
    view: VoteView,
    text: str,
    closed_message: tuple[str, list[Block]] | None = None,
) -> bool:
    """Post a closed vote's result to its channel once, whoever closed it (the delivery ledger decides),
    and turn the vote message's buttons into the outcome."""
    channel = view.programme.channel_id
    due = DueMessage(
        result_key(view.vote.id), view.programme, channel, False, "vote-result", False, view
    )
    sent = send_once(uow, messenger, due, lambda: (text, None))
    if sent and closed_message and view.vote.message_ts:
        try:
            messenger.update(channel, view.vote.message_ts, *closed_message)
        except Exception:  # the result is out; stale buttons only refuse clicks
            log.warning("could not update the message of vote %s", view.vote.id)
    return sent


def results_to_post(
    uow: UnitOfWork, now: datetime, within: timedelta = timedelta(days=7)
) -> list[int]:
    """Closed votes whose result has not reached the channel (e.g. the poster stopped mid-way)."""
    with uow:
        return [
            v.id
            for v in uow.votes.closed_since(now - within)
            if getattr(uow.deliveries.get(result_key(v.id)), "state", None) != "sent"
        ]


# -- the ballots export ------------------------------------------------------------

EXPORT_HEADER = [
    "practice",
    "code",
    "list size",
    "choice",
    "method",
    "recorded by",
    "recorded by name",
    "recorded at",
    "changes",
]


def ballots_csv(
    actor: Actor, channel_id: str, uow: UnitOfWork, vote_id: int | None = None
) -> tuple[str, bytes, str]:
    """(filename, CSV bytes, comment): one row per practice in the electorate, with its current ballot."""
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_returning_officer(uow, actor, programme, "export a vote's ballots")
        vote = choose_vote(uow, programme, vote_id, allow_closed=True)
        ballots = {b.stakeholder_id: b for b in uow.votes.ballots(vote.id)}
        person = lazy_names(uow, programme.team_id)
        rows = []
        for elector, s in uow.votes.electorate(vote.id):
            b = ballots.get(s.id)
            rows.append(
                [
                    s.name,
                    s.code or "",
                    elector.list_size or 0,
                    b.choice if b else "",
                    b.method if b else "",
                    b.recorded_by if b else "",
                    person(b.recorded_by) if b else "",
                    b.recorded_at.isoformat() if b else "",
                    b.changes if b else "",
                ]
            )
        _, t = count_vote(uow, vote)
        state = "final" if vote.state == "closed" else "so far (the vote is open)"
        comment = (
            f"Ballots of vote #{vote.id} “{esc(vote.question)}”, {state}. Checksum (sha256 of the sorted "
            f"`code|list size|choice` lines): {t.checksum}"
        )
        if t.mode == "aggregate":
            comment += ". This vote was counted at a meeting, so it has no individual ballots."
        return f"ballots-vote-{vote.id}.csv", csv_bytes(EXPORT_HEADER, rows), comment


def checksum_of_export(rows: list[dict[str, str]]) -> str:
    """The checksum recomputed from an export's rows (dicts keyed by EXPORT_HEADER)."""
    return rules.checksum(
        (r["code"] or r["practice"], int(r["list size"] or 0), r["choice"]) for r in rows
    )


# -- reminders -----------------------------------------------------------------


@dataclass
class VoterReminder:
    vote: Vote
    programme: Programme
    slot: str  # "7", "1" or "0" working days before closing
    practices: list[str]  # the ones this person speaks for that have not voted


def reminder_key(vote_id: int, slot: str, user_id: str) -> str:
    return f"vote:{vote_id}:remind:{slot}:{user_id}"


def turnout_key(vote_id: int) -> str:
    return f"vote:{vote_id}:turnout"


def reminders_due(uow: UnitOfWork, now: datetime) -> list[DueMessage[VoterReminder]]:
    """For each open vote with a reminder slot passed (the latest only), a DM to each person
    linked to practices that have not voted yet."""
    due: list[DueMessage[VoterReminder]] = []
    with uow:
        for vote in uow.votes.all_open():
            if vote.closes_at <= now or uow.votes.aggregate(vote.id) is not None:
                continue
            programme = uow.programmes.get(vote.programme_id)
            if programme is None:  # gone since, with its votes
                continue
            slot = rules.current_reminder(vote.closes_at, vote.opened_at, programme.timezone, now)
            if slot is None:
                continue
            sent = uow.deliveries.sent_keys(reminder_key(vote.id, slot[0], ""))
            recipients: dict[str, list[str]] = {}
            for s in uow.votes.unvoted_linked(vote.id):
                if s.linked_user_id is None:  # (the repository hands out linked ones only)
                    continue
                if reminder_key(vote.id, slot[0], s.linked_user_id) not in sent:
                    recipients.setdefault(s.linked_user_id, []).append(s.name)
            late = (now - slot[1]).total_seconds() > 3600
            for user, practices in sorted(recipients.items()):
                about = VoterReminder(vote, programme, slot[0], practices)
                key = reminder_key(vote.id, slot[0], user)
                due.append(DueMessage(key, programme, user, True, "vote-reminder", late, about))
    return due


def turnout_warnings_due(uow: UnitOfWork, now: datetime) -> list[DueMessage[VoteView]]:
    """Open votes one working day (or less) from closing whose turnout is below their quorum:
    a warning to the channel, about the vote's view."""
    found: list[DueMessage[VoteView]] = []
    with uow:
        for vote in uow.votes.all_open():
            if vote.quorum_percent is None or vote.closes_at <= now:
                continue
            programme = uow.programmes.get(vote.programme_id)
            if programme is None:  # gone since, with its votes
                continue
            at = rules.turnout_warning_at(vote.closes_at, programme.timezone)
            if now < at or at < vote.opened_at or uow.deliveries.sent_keys(turnout_key(vote.id)):
                continue
            electors, t = count_vote(uow, vote)
            if t.mode == "ballots" and not t.quorum_met:
                view = VoteView(programme, vote, electors, t)
                found.append(
                    DueMessage(
                        turnout_key(vote.id),
                        programme,
                        programme.channel_id,
                        False,
                        "vote-turnout",
                        False,
                        view,
                    )
                )
    return found
