"""Duties and the expression-of-interest checklist: create from the template under the
programme's model, evidence, complete, follow a change of model, and record significant
revisions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from .. import clock, programme_templates, reminders
from .. import duties as rules
from .. import votes as vote_rules
from ..context import Actor
from ..dates import working_day_on_or_before
from ..errors import Conflict, NotFound, UsageError
from ..ports import UnitOfWork
from ..programme_templates import Item, Template
from .access import audit, programme_for, require_admin, snapshot
from .deliveries import DueMessage
from .spans import check_in_span

if TYPE_CHECKING:
    from storage.models import Deadline, Duty, DutyEvidence, Engagement, Programme, Vote

Register = dict[str, list[tuple[int, str]]]  # stakeholder type -> the register's (id, name)


def _template(programme: Programme) -> Template | None:
    if not programme.template:
        return None
    try:
        return programme_templates.load(programme.template)
    except UsageError:  # a template renamed since the programme was set up
        return None


def _register(uow: UnitOfWork, programme: Programme, template: Template) -> Register:
    """The register's stakeholders (id, name) of each type the template's duties are per."""
    return {
        t: [(s.id, s.name) for s in uow.stakeholders.list(programme.id, t)]
        for t in rules.register_types(template)
    }


def _chosen(
    uow: UnitOfWork, programme: Programme, template: Template, register: Register
) -> dict[str, tuple[int, str]]:
    """For each duty that is for a chosen stakeholder: the one it is already for (its duty
    keeps it, whatever its state). Without one, the plan takes the only one in the register."""
    out: dict[str, tuple[int, str]] = {}
    for _key, spec in rules.choosers(template):
        duty = uow.duties.by_key(programme.id, spec["for"])
        if duty is not None and duty.stakeholder_id is not None:
            names = dict(register.get(spec["type"], []))
            if duty.stakeholder_id in names:
                out[spec["for"]] = (duty.stakeholder_id, names[duty.stakeholder_id])
    return out


def decision_on(uow: UnitOfWork, programme: Programme, template: Template | None) -> date | None:
    """The decision date a programme of a decision-dated template was set up with: its
    decision key date, as confirmed or moved since."""
    if template is None or not programme_templates.is_decision_dated(template):
        return None
    key = template.get("decision_key", "decision")
    for d in uow.deadlines.with_template_keys(programme.id):
        if d.template_key == key:
            return d.due_on
    return None


def plan(
    uow: UnitOfWork,
    programme: Programme,
    template: Template,
    model: str | None,
    chosen: dict[str, tuple[int, str]] | None = None,
) -> list[rules.PlannedDuty]:
    """The duties the template asks of this programme under `model`."""
    register = _register(uow, programme, template)
    picks = _chosen(uow, programme, template, register) | dict(chosen or {})
    return rules.planned_duties(
        template,
        programme.year,
        register,
        model,
        picks,
        decision_on(uow, programme, template),
    )


def _create(
    uow: UnitOfWork, actor: Actor, programme: Programme, plans: Iterable[rules.PlannedDuty]
) -> list[Duty]:
    existing = uow.duties.keys(programme.id)
    created: list[Duty] = []
    now = clock.now()
    for p in plans:
        if p.key in existing:
            continue
        duty = uow.duties.create_if_absent(
            programme_id=programme.id,
            key=p.key,
            section=p.section,
            title=p.title,
            kind=p.kind,
            statute=p.statute,
            source=p.source,
            stakeholder_id=p.stakeholder_id,
            due_on=p.due_on,
            due_anchor=p.due_anchor,
            due_note=p.due_note,
            provisional=p.provisional,
            due_suggestion=p.due_suggestion,
            state=rules.OPEN,
            created_at=now,
            updated_at=now,
        )
        if duty is not None:
            audit(uow, actor, programme, "duty.create", "duty", duty.id, after=snapshot(duty))
            created.append(duty)
    return created


def ensure_template_duties(uow: UnitOfWork, actor: Actor, programme: Programme) -> list[Duty]:
    """Create the duties the programme's template asks for under its model and it does not
    have yet: one set per stakeholder of the types its duties are per (e.g. each HWBB in the
    register), plus the programme-wide ones and the checklist.

    Idempotent (each duty has a stable key, unique per programme); runs inside
    the caller's unit of work, which commits.
    """
    template = _template(programme)
    if not template or not (template.get("duties") or template.get("checklist")):
        return []
    created = _create(uow, actor, programme, plan(uow, programme, template, programme.model))
    for key, spec in rules.choosers(template):
        _hold_chosen(uow, actor, programme, key, spec)
    return created


def _hold_chosen(uow: UnitOfWork, actor: Actor, programme: Programme, key: str, spec: Item) -> None:
    """A second stakeholder of the type joined after the only one was chosen (e.g. a second
    HWBB, when the only one was to be invited): the chosen duty waits (is cancelled, kept)
    until the choice is agreed."""
    agree = uow.duties.by_key(programme.id, key)
    held = uow.duties.by_key(programme.id, spec["for"])
    if (
        agree is None
        or agree.state != rules.OPEN
        or held is None
        or held.state != rules.OPEN
        or uow.duties.evidence(held.id)
    ):
        return
    old = snapshot(held)
    held.state, held.updated_at = rules.CANCELLED, clock.now()
    held.reason = spec["held"].format(id=agree.id)
    audit(uow, actor, programme, "duty.cancel", "duty", held.id, old, snapshot(held))


@dataclass
class DutyChanges:
    """What a change of model did to the duties."""

    added: list[Duty] = field(default_factory=list)
    reopened: list[Duty] = field(default_factory=list)
    cancelled: list[Duty] = field(default_factory=list)
    kept: list[Duty] = field(default_factory=list)  # not needed any more, but done or evidenced
    moved: list[tuple[Duty, date | None]] = field(default_factory=list)  # (duty, old due date)
    done: list[Duty] = field(default_factory=list)


def reconcile_model(
    uow: UnitOfWork, actor: Actor, programme: Programme, old_model: str | None
) -> DutyChanges:
    """After the programme's model changed: add the duties the new model asks for (reopening
    ones it cancelled before), cancel open ones only the old model needed (never deleting them
    or their evidence), move due dates that follow the model's proforma, and record the choice
    on the "decide which model" duty. Runs inside the caller's unit of work."""
    changes = DutyChanges()
    template = _template(programme)
    if not template:
        return changes
    before = {p.key: p for p in plan(uow, programme, template, old_model)}
    after = {p.key: p for p in plan(uow, programme, template, programme.model)}
    now = clock.now()
    for key, p in after.items():
        duty = uow.duties.by_key(programme.id, key)
        if duty is None:
            changes.added += _create(uow, actor, programme, [p])
            continue
        if duty.state == rules.CANCELLED and key not in before:
            old = snapshot(duty)
            duty.state, duty.reason, duty.updated_at = rules.OPEN, None, now
            audit(uow, actor, programme, "duty.reopen", "duty", duty.id, old, snapshot(duty))
            changes.reopened.append(duty)
        if (
            duty.state == rules.OPEN
            and duty.due_anchor is not None
            and (duty.due_anchor, duty.due_on) != (p.due_anchor, p.due_on)
        ):
            old = snapshot(duty)
            changes.moved.append((duty, duty.due_on))
            duty.due_on, duty.due_anchor = p.due_on, p.due_anchor
            duty.due_note, duty.provisional, duty.updated_at = p.due_note, p.provisional, now
            duty.due_suggestion = p.due_suggestion
            audit(uow, actor, programme, "duty.due", "duty", duty.id, old, snapshot(duty))
    for key in before.keys() - after.keys():
        duty = uow.duties.by_key(programme.id, key)
        if duty is None or duty.state == rules.CANCELLED:
            continue
        if rules.done_when(template, key) == rules.MODEL_CHOSEN and duty.state == rules.OPEN:
            old = snapshot(duty)
            duty.state, duty.updated_at = rules.DONE, now
            duty.notes = f"Model chosen: {programme.model}."
            # The choice itself is its evidence: who made it, and when, with the note above.
            row = uow.duties.add_evidence(
                duty_id=duty.id, kind=rules.DECISION, added_by=actor.user_id, added_at=now
            )
            audit(uow, actor, programme, "duty.evidence", "duty", duty.id, after=snapshot(row))
            audit(uow, actor, programme, "duty.done", "duty", duty.id, old, snapshot(duty))
            changes.done.append(duty)
        elif duty.state == rules.OPEN and not uow.duties.evidence(duty.id):
            old = snapshot(duty)
            duty.state, duty.updated_at = rules.CANCELLED, now
            duty.reason = f"Not needed under {programme.model}"
            audit(uow, actor, programme, "duty.cancel", "duty", duty.id, old, snapshot(duty))
            changes.cancelled.append(duty)
        else:
            changes.kept.append(duty)
    return changes


def follow_deadline(
    uow: UnitOfWork, actor: Actor, programme: Programme, deadline: Deadline
) -> list[Duty]:
    """A template deadline was confirmed or moved: the open duties whose due dates follow it
    (and were not set by hand) follow it too. Returns the duties changed."""
    template = _template(programme)
    if not template or not deadline.template_key:
        return []
    changed: list[Duty] = []
    for duty in uow.duties.list(programme.id, states=(rules.OPEN,)):
        if duty.due_anchor != deadline.template_key:
            continue
        days = rules.days_before(template, duty.key)
        due_on = deadline.due_on - timedelta(days=days)
        if duty.due_note:
            due_on = working_day_on_or_before(due_on)
        provisional = deadline.provisional or (
            programme_templates.is_decision_dated(template) and days != 0
        )
        if (duty.due_on, duty.provisional) == (due_on, provisional):
            continue
        old = snapshot(duty)
        duty.due_on, duty.provisional, duty.updated_at = due_on, provisional, clock.now()
        duty.due_suggestion = getattr(deadline, "suggestion", None)
        audit(uow, actor, programme, "duty.due", "duty", duty.id, old, snapshot(duty))
        changed.append(duty)
    return changed


def choose_stakeholder(
    actor: Actor,
    channel_id: str,
    duty_ref: str,
    choice_ref: str,
    uow: UnitOfWork,
    evidence: Sequence[str] = (),
) -> tuple[Duty, Duty | None, bool]:
    """A duty that settles which stakeholder another duty is for (e.g. which Health and
    Wellbeing Board is invited to the commissioning committee) is done with that choice, once
    something shows it (`evidence`, or evidence added before), and the other duty goes to the
    one chosen. Returns (choosing duty, chosen duty, created?)."""
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "change duties")
        duty = _duty(uow, programme, duty_ref)
        template = _template(programme)
        spec = rules.chooser(template, duty.key)
        if spec is None:
            raise UsageError(
                "`--board` goes with a duty that settles which stakeholder another duty is for"
                + (
                    f": {', '.join(f'duty {d.id}' for d in _choosing_duties(uow, programme, template))}."
                    if _choosing_duties(uow, programme, template)
                    else "; this programme has none."
                )
            )
        assert template is not None  # a duty that settles a choice is its template's
        _refuse_cancelled(duty)
        members = [(s.id, s.name) for s in uow.stakeholders.list(programme.id, spec["type"])]
        pick = _pick(members, choice_ref, spec)
        if duty.state != rules.DONE:
            _require_evidence(
                uow, duty, evidence, f'/consult duty done {duty.id} --board "{pick[1]}"'
            )
        for ref in evidence:
            _add_evidence(uow, actor, programme, duty, ref)
        now = clock.now()
        if duty.state != rules.DONE:
            old = snapshot(duty)
            duty.state, duty.reason, duty.updated_at = rules.DONE, None, now
            duty.notes = spec["done_note"].format(name=pick[1])
            audit(uow, actor, programme, "duty.done", "duty", duty.id, old, snapshot(duty))
        held = uow.duties.by_key(programme.id, spec["for"])
        created = False
        planned = next(
            (
                p
                for p in plan(uow, programme, template, programme.model, {spec["for"]: pick})
                if p.key == spec["for"]
            ),
            None,
        )
        if held is None:
            made = _create(uow, actor, programme, [planned] if planned else [])
            held, created = (made[0], True) if made else (None, False)
        # planned None: the model has nothing for the choice to go to (no committee)
        elif planned is not None and (
            held.state == rules.CANCELLED or held.stakeholder_id != pick[0]
        ):
            if held.state == rules.DONE:
                raise Conflict(
                    f"Duty {held.id} ({held.title}) is {held.state} already; reopen it first "
                    f"to give it to another {spec.get('noun', 'stakeholder')}."
                )
            old = snapshot(held)
            held.stakeholder_id, held.title, held.updated_at = pick[0], planned.title, now
            held.state, held.reason = rules.OPEN, None
            audit(uow, actor, programme, "duty.retarget", "duty", held.id, old, snapshot(held))
        uow.commit()
        return duty, held, created


def _choosing_duties(
    uow: UnitOfWork, programme: Programme, template: Template | None
) -> list[Duty]:
    return [
        d
        for key, _spec in rules.choosers(template)
        if (d := uow.duties.by_key(programme.id, key)) is not None
    ]


def _pick(members: list[tuple[int, str]], ref: str, spec: Item) -> tuple[int, str]:
    text = ref.strip().lower()
    found = [m for m in members if text and (text == str(m[0]) or text in m[1].lower())]
    if len(found) != 1:
        names = "; ".join(name for _, name in members)
        raise UsageError(
            (
                f"{ref!r} matches several {spec.get('nouns', 'stakeholders')}"
                if found
                else f"{spec.get('none', 'No stakeholder matches')} {ref!r}"
            )
            + f". The {spec.get('nouns', 'stakeholders')}: {names}."
        )
    return found[0]


def _vote_evidence(
    uow: UnitOfWork, actor: Actor, programme: Programme, duty: Duty, vote_id: int
) -> None:
    """The vote as the duty's evidence, once."""
    if any(e.kind == "vote" and e.vote_id == vote_id for e in uow.duties.evidence(duty.id)):
        return
    row = uow.duties.add_evidence(
        duty_id=duty.id,
        kind="vote",
        vote_id=vote_id,
        added_by=actor.user_id,
        added_at=clock.now(),
    )
    audit(uow, actor, programme, "duty.evidence", "duty", duty.id, after=snapshot(row))


def _done_by_vote(
    uow: UnitOfWork, actor: Actor, programme: Programme, duty: Duty, vote_id: int
) -> None:
    _vote_evidence(uow, actor, programme, duty, vote_id)
    if duty.state != rules.DONE:
        before = snapshot(duty)
        duty.state, duty.reason, duty.updated_at = rules.DONE, None, clock.now()
        audit(uow, actor, programme, "duty.done", "duty", duty.id, before, snapshot(duty))


def on_vote_closed(
    uow: UnitOfWork, actor: Actor, programme: Programme, vote: Vote, carried: bool
) -> Duty | None:
    """A vote has closed: carried under its own rule and quorum, it discharges the one duty it
    was linked to, with the vote as its evidence. A vote that did not carry, or one linked to no
    duty, changes no duty. Returns the linked duty (or None).

    Runs inside the caller's unit of work (the one that closes the vote).
    """
    if vote.duty_id is None:
        return None
    duty = uow.duties.get(programme.id, vote.duty_id)
    if duty is not None and carried and duty.state in (rules.OPEN, rules.DONE):
        _done_by_vote(uow, actor, programme, duty, vote.id)
    return duty


def linkable_duty(uow: UnitOfWork, programme: Programme, duty_ref: str) -> Duty:
    """The duty a vote is to decide: one of the programme's, still open."""
    duty = _duty(uow, programme, duty_ref)
    if duty.state != rules.OPEN:
        raise Conflict(
            f"Duty {duty.id} is {rules.STATE_LABELS.get(duty.state, duty.state)}, so no vote can "
            f"decide it. Reopen it first with `/consult duty reopen {duty.id}`."
            if duty.state in (rules.DONE, rules.NA)
            else f"Duty {duty.id} is not needed now ({duty.reason}), so no vote can decide it."
        )
    return duty


@dataclass
class VoteDecision:
    """What `duty done <id> --vote <vote>` did: linked an open vote, or recorded a carried one."""

    duty: Duty
    vote: Vote
    linked_only: bool  # the vote is still open: it decides the duty when it closes


def complete_duty_by_vote(
    actor: Actor, channel_id: str, duty_ref: str, vote_ref: str, uow: UnitOfWork
) -> VoteDecision:
    """A vote as a duty's evidence: a closed vote that carried under its own rule and quorum
    discharges the duty; an open one is linked, to decide it when it closes; a vote that did
    not carry changes nothing and says why."""
    text = vote_ref.strip().lstrip("#")
    if not text.isdigit():
        raise UsageError(
            f"{vote_ref!r} is not a vote number. `/consult vote list` shows the votes."
        )
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "change duties")
        duty = _duty(uow, programme, duty_ref)
        vote = uow.votes.get(programme.id, int(text))
        if vote is None:
            raise NotFound(
                f"There is no vote #{text} in this programme. `/consult vote list` shows them."
            )
        if vote.duty_id is not None and vote.duty_id != duty.id:
            raise Conflict(
                f"Vote #{vote.id} decides duty {vote.duty_id}, not {duty.id}: a vote decides one duty."
            )
        if duty.state == rules.DONE and any(
            e.kind == "vote" and e.vote_id == vote.id for e in uow.duties.evidence(duty.id)
        ):
            raise Conflict(f"Duty {duty.id} is already done, with vote #{vote.id} as evidence.")
        if duty.state != rules.DONE:
            linkable_duty(uow, programme, str(duty.id))
        if vote.state == "closed":
            result = vote_rules.stored_result(vote)
            if not result.get("carried"):
                raise Conflict(
                    f"Vote #{vote.id} did not carry, so it does not discharge duty {duty.id}: "
                    f"{result.get('explanation') or 'no result'} The duty stays as it was."
                )
        before = snapshot(vote)
        vote.duty_id = duty.id
        if before.get("duty_id") != duty.id:
            audit(uow, actor, programme, "vote.link", "vote", vote.id, before, snapshot(vote))
        if vote.state == "closed":
            _done_by_vote(uow, actor, programme, duty, vote.id)
        uow.commit()
        return VoteDecision(duty, vote, linked_only=vote.state != "closed")


# -- reading -------------------------------------------------------------------


@dataclass
class DutyListing:
    programme: Programme
    duties: list[Duty]
    evidence_counts: dict[int, int]
    today: date
    template: Template | None
    # duty id -> what it measures between key dates
    spans: dict[int, str] = field(default_factory=dict)
    votes: dict[int, list[Vote]] = field(
        default_factory=dict
    )  # duty id -> the votes that decide it
    began_on: date | None = None  # the day the programme was set up
    # How many of each type the template's duties are per the register holds (e.g. HWBBs).
    register_counts: dict[str, int] = field(default_factory=dict)


def key_dates_of(uow: UnitOfWork, programme: Programme) -> dict[str, date]:
    """The programme's template key dates, as they stand (confirmed, moved or provisional)."""
    return {
        d.template_key: d.due_on
        for d in uow.deadlines.with_template_keys(programme.id)
        if d.state != "cancelled" and d.template_key is not None  # (all have one)
    }


def spans_of(
    uow: UnitOfWork, programme: Programme, template: Template | None, duties: Iterable[Duty]
) -> dict[int, str]:
    """For checklist items that measure a span between key dates: duty id -> the span."""
    if not any(i.get("span") for i in ((template or {}).get("checklist") or {}).get("items", [])):
        return {}
    dates = key_dates_of(uow, programme)
    return {
        d.id: text
        for d in duties
        if (text := rules.span(rules.checklist_item(template, d.key), dates))
    }


def list_duties(
    actor: Actor, channel_id: str, uow: UnitOfWork, section: str = rules.DUTY
) -> DutyListing:
    with uow:
        programme = programme_for(uow, actor, channel_id)
        rows = uow.duties.list(programme.id, states=rules.STATES, section=section)
        rows.sort(key=rules.listing_order)
        template = _template(programme)
        return DutyListing(
            programme,
            rows,
            uow.duties.evidence_counts(programme.id),
            clock.today_in(programme.timezone),
            template,
            spans=spans_of(uow, programme, template, rows),
            votes=uow.votes.deciding(programme.id),
            began_on=clock.began_on(programme),
            register_counts={t: len(m) for t, m in _register(uow, programme, template).items()}
            if template
            else {},
        )


@dataclass
class DutyDetail:
    programme: Programme
    duty: Duty
    evidence: list[DutyEvidence]
    engagements: dict[int, Engagement]
    today: date
    asks: str | None
    excludes: str | None = None
    votes: list[Vote] = field(default_factory=list)  # the votes linked to decide it
    decided_by_vote: bool = False  # the template says a vote decides it (member support)
    began_on: date | None = None  # the day the programme was set up
    template: Template | None = None
    span: str | None = None
    facts: list[str] = field(default_factory=list)  # what the log records that it points to


def recorded_facts_of(uow: UnitOfWork, programme: Programme) -> rules.RecordedFacts:
    r = uow.duties.records
    return rules.recorded_facts(
        r.stakeholders(programme.id),
        r.engagements(programme.id),
        r.engagement_links(programme.id),
        [i.state for i in uow.raised_issues.ranked(programme.id)],
    )


def show_duty(actor: Actor, channel_id: str, duty_ref: str, uow: UnitOfWork) -> DutyDetail:
    with uow:
        programme = programme_for(uow, actor, channel_id)
        duty = _duty(uow, programme, duty_ref)
        evidence = uow.duties.evidence(duty.id)
        engagements = uow.duties.records.engagements_by_id(
            programme.id, [e.engagement_id for e in evidence if e.engagement_id]
        )
        template = _template(programme)
        item = rules.checklist_item(template, duty.key) or {}
        return DutyDetail(
            programme,
            duty,
            evidence,
            engagements,
            clock.today_in(programme.timezone),
            item.get("asks"),
            item.get("excludes"),
            votes=uow.votes.deciding(programme.id).get(duty.id, []),
            decided_by_vote=bool(
                template and rules.done_when(template, duty.key) == rules.VOTE_CARRIED
            ),
            template=template,
            span=spans_of(uow, programme, template, [duty]).get(duty.id),
            facts=rules.shown_facts(
                rules.item_of(template, duty.key),
                recorded_facts_of(uow, programme)
                if (rules.item_of(template, duty.key) or {}).get("shows")
                else None,
            ),
            began_on=clock.began_on(programme),
        )


# -- changing ------------------------------------------------------------------


def _duty(uow: UnitOfWork, programme: Programme, ref: str) -> Duty:
    duty = uow.duties.get(programme.id, rules.parse_duty_id(ref))
    if duty is None:
        raise NotFound(
            f"This programme has no duty {ref.strip()}. `/consult duties` lists them with their numbers."
        )
    return duty


def _add_evidence(
    uow: UnitOfWork, actor: Actor, programme: Programme, duty: Duty, ref_text: str
) -> tuple[DutyEvidence, bool]:
    """Returns (evidence row, added?) — the same evidence twice is kept once."""
    ref = rules.parse_evidence(ref_text)
    if ref.kind == "engagement":
        assert ref.engagement_id is not None  # parse_evidence numbers an engagement
        engagement = uow.duties.engagement(programme.id, ref.engagement_id)
        if engagement is None:
            raise NotFound(
                f"This programme's engagement log has no engagement {ref.engagement_id}. "
                "Give the number of one of its engagements, or a link."
            )
        if engagement.withdrawn_at is not None:
            raise Conflict(
                f"Engagement {ref.engagement_id} was withdrawn, so it can't be evidence."
            )
    for row in uow.duties.evidence(duty.id):
        if (row.kind, row.engagement_id, row.url) == (ref.kind, ref.engagement_id, ref.url):
            return row, False
    row = uow.duties.add_evidence(
        duty_id=duty.id,
        kind=ref.kind,
        engagement_id=ref.engagement_id,
        url=ref.url,
        added_by=actor.user_id,
        added_at=clock.now(),
    )
    duty.updated_at = clock.now()
    audit(uow, actor, programme, "duty.evidence", "duty", duty.id, after=snapshot(row))
    return row, True


def _refuse_cancelled(duty: Duty) -> None:
    if duty.state == rules.CANCELLED:
        raise Conflict(
            f"Duty {duty.id} was cancelled: {duty.reason}. It comes back if the model changes back."
        )


def _require_evidence(uow: UnitOfWork, duty: Duty, evidence: Sequence[str], command: str) -> None:
    """A duty is done when something shows it: the evidence given now, or added before."""
    if not evidence and not uow.duties.evidence(duty.id):
        raise Conflict(
            f"Duty {duty.id} has no evidence yet, so it can't be marked done: give it with "
            f"`{command} --evidence <link or engagement number>`, or first with "
            f"`/consult duty evidence {duty.id} <link or engagement number>`."
        )


def complete_duty(
    actor: Actor, channel_id: str, duty_ref: str, uow: UnitOfWork, evidence: Sequence[str] = ()
) -> tuple[Duty, int]:
    """Mark a duty done, optionally with evidence. Returns (duty, evidence count)."""
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "change duties")
        duty = _duty(uow, programme, duty_ref)
        spec = rules.chooser(_template(programme), duty.key)
        if spec is not None and duty.state != rules.DONE:
            raise UsageError(
                f"{spec['ask']}: "
                f'`/consult duty done {duty.id} --board "<{spec.get("noun", "name")}>"`. '
                + spec.get("follows", "The duty that waits for the choice follows.")
            )
        _refuse_cancelled(duty)
        if duty.state == rules.DONE and not evidence:
            raise Conflict(
                f"Duty {duty.id} is already done. Add evidence with `/consult duty evidence {duty.id} <link>`."
            )
        _require_evidence(uow, duty, evidence, f"/consult duty done {duty.id}")
        for ref in evidence:
            _add_evidence(uow, actor, programme, duty, ref)
        if duty.state != rules.DONE:
            before = snapshot(duty)
            duty.state, duty.reason, duty.updated_at = rules.DONE, None, clock.now()
            audit(uow, actor, programme, "duty.done", "duty", duty.id, before, snapshot(duty))
        count = len(uow.duties.evidence(duty.id))
        uow.commit()
        return duty, count


def mark_not_applicable(
    actor: Actor, channel_id: str, duty_ref: str, reason: str, uow: UnitOfWork
) -> Duty:
    reason = rules.clean_text(reason, "The reason")
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "change duties")
        duty = _duty(uow, programme, duty_ref)
        before = snapshot(duty)
        duty.state, duty.reason, duty.updated_at = rules.NA, reason, clock.now()
        audit(uow, actor, programme, "duty.na", "duty", duty.id, before, snapshot(duty))
        uow.commit()
        return duty


def reopen_duty(actor: Actor, channel_id: str, duty_ref: str, uow: UnitOfWork) -> Duty:
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "change duties")
        duty = _duty(uow, programme, duty_ref)
        if duty.state == rules.OPEN:
            raise Conflict(f"Duty {duty.id} is already open.")
        before = snapshot(duty)
        duty.state, duty.reason, duty.updated_at = rules.OPEN, None, clock.now()
        audit(uow, actor, programme, "duty.reopen", "duty", duty.id, before, snapshot(duty))
        uow.commit()
        return duty


def add_duty_evidence(
    actor: Actor, channel_id: str, duty_ref: str, ref: str, uow: UnitOfWork
) -> tuple[Duty, DutyEvidence, bool]:
    """Returns (duty, evidence row, added?)."""
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "change duties")
        duty = _duty(uow, programme, duty_ref)
        row, added = _add_evidence(uow, actor, programme, duty, ref)
        uow.commit()
        return duty, row, added


def _change_duty(
    actor: Actor,
    channel_id: str,
    duty_ref: str,
    field: str,
    value: object,
    action: str,
    uow: UnitOfWork,
) -> Duty:
    """One field of a duty, by an admin, audited with its old value."""
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "change duties")
        duty = _duty(uow, programme, duty_ref)
        before = snapshot(duty, [field])
        setattr(duty, field, value)
        duty.updated_at = clock.now()
        audit(uow, actor, programme, action, "duty", duty.id, before, snapshot(duty, [field]))
        uow.commit()
        return duty


def set_duty_owner(
    actor: Actor, channel_id: str, duty_ref: str, user_id: str | None, uow: UnitOfWork
) -> Duty:
    return _change_duty(actor, channel_id, duty_ref, "owner_id", user_id, "duty.owner", uow)


def note_duty(actor: Actor, channel_id: str, duty_ref: str, text: str, uow: UnitOfWork) -> Duty:
    """Notes replace the previous ones (the audit trail keeps every version)."""
    return _change_duty(
        actor, channel_id, duty_ref, "notes", rules.clean_text(text, "The note"), "duty.note", uow
    )


def set_duty_due(
    actor: Actor, channel_id: str, duty_ref: str, due_on: date | None, uow: UnitOfWork
) -> Duty:
    """A due date set by hand: no longer the programme's suggestion, nor provisional, and it
    stays put when the template deadline it followed moves."""
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "change duties")
        duty = _duty(uow, programme, duty_ref)
        if due_on is not None:
            check_in_span(due_on, programme, clock.today_in(programme.timezone), "a duty")
        fields = ["due_on", "due_anchor", "due_note", "provisional"]
        before = snapshot(duty, fields)
        duty.due_on, duty.due_anchor, duty.due_note, duty.provisional = due_on, None, None, False
        duty.updated_at = clock.now()
        audit(uow, actor, programme, "duty.due", "duty", duty.id, before, snapshot(duty, fields))
        uow.commit()
        return duty


def record_revision(
    actor: Actor, channel_id: str, what_changed: str, uow: UnitOfWork, due_on: date | None = None
) -> tuple[int, list[Duty]]:
    """A significant revision (e.g. of a CCG's commissioning plan, s14Z12): the template's
    revision duties, once per stakeholder of their type. Returns (revision number, duties
    created)."""
    what_changed = rules.clean_text(what_changed, "What changed")
    if len(what_changed) > 300:
        raise UsageError(
            "Say what changed in at most 300 characters; put the detail in a duty note."
        )
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "record a significant revision")
        template = _template(programme)
        if not template or not template.get("revision_duties"):
            with_revisions = [
                t["name"] for t in programme_templates.summaries() if t.get("revision_duties")
            ]
            raise Conflict(
                "This programme's template has no duties for a significant revision"
                + (
                    f" (templates with them: {', '.join(with_revisions)})."
                    if with_revisions
                    else "."
                )
            )
        register = _register(uow, programme, template)
        if not any(register.values()):
            raise Conflict(
                programme_templates.text(
                    template,
                    "revision_none",
                    "The register has nobody the revision duties are for yet.",
                )
            )
        number = rules.next_revision_number(uow.duties.keys(programme.id))
        created = _create(
            uow,
            actor,
            programme,
            rules.revision_duties(template, number, what_changed, register, due_on),
        )
        audit(
            uow,
            actor,
            programme,
            "duty.revision",
            "programme",
            programme.id,
            after={
                "revision": number,
                "what_changed": what_changed,
                "duties": [d.id for d in created],
            },
        )
        uow.commit()
        return number, created


# -- reminders -----------------------------------------------------------------


@dataclass
class DutyReminder:
    duty: Duty
    evidence: int  # how many pieces of evidence it has
    day_on: date  # the reminder day


def reminders_due(uow: UnitOfWork, now: datetime) -> list[DueMessage[DutyReminder]]:
    """Every duty reminder due by `now` (the latest one per duty), to the channel and the owner."""
    start = (now - timedelta(days=reminders.CATCH_UP_DAYS + 2)).date()
    end = (now + timedelta(days=max(reminders.DEFAULT_REMIND_DAYS) + 21)).date()
    due: list[DueMessage[DutyReminder]] = []
    with uow:
        counts: dict[int, dict[int, int]] = {}
        for duty, programme in uow.duties.open_due_between(start, end):
            if duty.due_on is None:  # (the repository hands out dated ones only)
                continue
            tz = programme.timezone
            day = reminders.latest_due(
                duty.due_on, reminders.DEFAULT_REMIND_DAYS, tz, now, since=duty.created_at
            )
            if day is None:
                continue
            if programme.id not in counts:
                counts[programme.id] = uow.duties.evidence_counts(programme.id)
            late = reminders.is_late(day, tz, now)
            about = DutyReminder(duty, counts[programme.id].get(duty.id, 0), day.on)
            for recipient in [programme.channel_id] + ([duty.owner_id] if duty.owner_id else []):
                key = reminders.reminder_key("duty", duty.id, duty.due_on, day.on, recipient)
                is_dm = recipient != programme.channel_id
                due.append(
                    DueMessage(key, programme, recipient, is_dm, "duty-reminder", late, about)
                )
    return due
