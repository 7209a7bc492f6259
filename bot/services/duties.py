"""Statutory duties and the expression-of-interest checklist: create from the
template, evidence, complete, and record significant revisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .. import clock, programme_templates
from .. import duties as rules
from ..context import Actor
from ..errors import Conflict, NotFound, UsageError
from .access import audit, programme_for, require_admin, snapshot


def _template(programme) -> dict | None:
    if not programme.template:
        return None
    try:
        return programme_templates.load(programme.template)
    except UsageError:  # a template renamed since the programme was set up
        return None


def _hwbbs(uow, programme) -> list[tuple[int, str]]:
    return [(s.id, s.name) for s in uow.stakeholders.list(programme.id, "hwbb")]


def _create(uow, actor: Actor, programme, plans) -> list:
    existing = uow.duties.keys(programme.id)
    created = []
    now = clock.now()
    for plan in plans:
        if plan.key in existing:
            continue
        duty = uow.duties.create_if_absent(
            programme_id=programme.id,
            key=plan.key,
            section=plan.section,
            title=plan.title,
            statute=plan.statute,
            stakeholder_id=plan.stakeholder_id,
            due_on=plan.due_on,
            state=rules.OPEN,
            created_at=now,
            updated_at=now,
        )
        if duty is not None:
            audit(uow, actor, programme, "duty.create", "duty", duty.id, after=snapshot(duty))
            created.append(duty)
    return created


def ensure_template_duties(uow, actor: Actor, programme) -> list:
    """Create the duties the programme's template asks for and it does not have yet: one set
    per HWBB in the register, plus the programme-wide ones and the checklist.

    Idempotent (each duty has a stable key, unique per programme); runs inside
    the caller's unit of work, which commits.
    """
    template = _template(programme)
    if not template or not (template.get("duties") or template.get("checklist")):
        return []
    return _create(
        uow,
        actor,
        programme,
        rules.planned_duties(template, programme.year, _hwbbs(uow, programme)),
    )


def on_vote_carried(uow, actor: Actor, programme, vote_id: int) -> list:
    """A carried member vote discharges the duties that wait for it, with the vote as evidence.

    Runs inside the caller's unit of work (the one that closes the vote).
    """
    template = _template(programme)
    if not template:
        return []
    done = []
    for duty in uow.duties.list(programme.id, states=(rules.OPEN,)):
        if rules.done_when(template, duty.key) != rules.VOTE_CARRIED:
            continue
        before = snapshot(duty)
        duty.state, duty.reason, duty.updated_at = rules.DONE, None, clock.now()
        row = uow.duties.add_evidence(
            duty_id=duty.id,
            kind="vote",
            vote_id=vote_id,
            added_by=actor.user_id,
            added_at=clock.now(),
        )
        audit(uow, actor, programme, "duty.evidence", "duty", duty.id, after=snapshot(row))
        audit(uow, actor, programme, "duty.done", "duty", duty.id, before, snapshot(duty))
        done.append(duty)
    return done


# -- reading -------------------------------------------------------------------


@dataclass
class DutyListing:
    programme: object
    duties: list
    evidence_counts: dict[int, int]
    today: date
    template: dict | None


def list_duties(actor: Actor, channel_id: str, uow, section: str = rules.DUTY) -> DutyListing:
    with uow:
        programme = programme_for(uow, actor, channel_id)
        rows = uow.duties.list(programme.id, states=rules.STATES, section=section)
        rows.sort(key=rules.listing_order)
        return DutyListing(
            programme,
            rows,
            uow.duties.evidence_counts(programme.id),
            clock.today_in(programme.timezone),
            _template(programme),
        )


@dataclass
class DutyDetail:
    programme: object
    duty: object
    evidence: list
    engagements: dict
    today: date
    asks: str | None


def show_duty(actor: Actor, channel_id: str, duty_ref: str, uow) -> DutyDetail:
    with uow:
        programme = programme_for(uow, actor, channel_id)
        duty = _duty(uow, programme, duty_ref)
        evidence = uow.duties.evidence(duty.id)
        engagements = uow.duties.records.engagements_by_id(
            programme.id, [e.engagement_id for e in evidence if e.engagement_id]
        )
        return DutyDetail(
            programme,
            duty,
            evidence,
            engagements,
            clock.today_in(programme.timezone),
            rules.checklist_asks(_template(programme), duty.key),
        )


# -- changing ------------------------------------------------------------------


def _duty(uow, programme, ref: str):
    duty = uow.duties.get(programme.id, rules.parse_duty_id(ref))
    if duty is None:
        raise NotFound(
            f"This programme has no duty {ref.strip()}. `/consult duties` lists them with their numbers."
        )
    return duty


def _add_evidence(uow, actor: Actor, programme, duty, ref_text: str):
    """Returns (evidence row, added?) — the same evidence twice is kept once."""
    ref = rules.parse_evidence(ref_text)
    if ref.kind == "engagement":
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


def complete_duty(actor: Actor, channel_id: str, duty_ref: str, uow, evidence: list[str] = ()):
    """Mark a duty done, optionally with evidence. Returns (duty, evidence count)."""
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "change duties")
        duty = _duty(uow, programme, duty_ref)
        if duty.state == rules.DONE and not evidence:
            raise Conflict(
                f"Duty {duty.id} is already done. Add evidence with `/consult duty evidence {duty.id} <link>`."
            )
        for ref in evidence:
            _add_evidence(uow, actor, programme, duty, ref)
        if duty.state != rules.DONE:
            before = snapshot(duty)
            duty.state, duty.reason, duty.updated_at = rules.DONE, None, clock.now()
            audit(uow, actor, programme, "duty.done", "duty", duty.id, before, snapshot(duty))
        count = len(uow.duties.evidence(duty.id))
        uow.commit()
        return duty, count


def mark_not_applicable(actor: Actor, channel_id: str, duty_ref: str, reason: str, uow):
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


def reopen_duty(actor: Actor, channel_id: str, duty_ref: str, uow):
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


def add_duty_evidence(actor: Actor, channel_id: str, duty_ref: str, ref: str, uow):
    """Returns (duty, evidence row, added?)."""
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "change duties")
        duty = _duty(uow, programme, duty_ref)
        row, added = _add_evidence(uow, actor, programme, duty, ref)
        uow.commit()
        return duty, row, added


def _change_duty(actor: Actor, channel_id: str, duty_ref: str, field: str, value, action: str, uow):
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


def set_duty_owner(actor: Actor, channel_id: str, duty_ref: str, user_id: str | None, uow):
    return _change_duty(actor, channel_id, duty_ref, "owner_id", user_id, "duty.owner", uow)


def note_duty(actor: Actor, channel_id: str, duty_ref: str, text: str, uow):
    """Notes replace the previous ones (the audit trail keeps every version)."""
    return _change_duty(
        actor, channel_id, duty_ref, "notes", rules.clean_text(text, "The note"), "duty.note", uow
    )


def set_duty_due(actor: Actor, channel_id: str, duty_ref: str, due_on: date | None, uow):
    return _change_duty(actor, channel_id, duty_ref, "due_on", due_on, "duty.due", uow)


def record_revision(
    actor: Actor, channel_id: str, what_changed: str, uow, due_on: date | None = None
):
    """A significant revision of the commissioning plan (s14Z12): consult each HWBB again and send
    it a copy. Returns (revision number, duties created)."""
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
            raise Conflict(
                "This programme's template has no duties for a significant revision "
                "(set it up with `--template co-commissioning`)."
            )
        hwbbs = _hwbbs(uow, programme)
        if not hwbbs:
            raise Conflict(
                "The register has no Health and Wellbeing Board to consult again. "
                'Add one first: `/consult stakeholder add hwbb "<name>"`.'
            )
        number = rules.next_revision_number(uow.duties.keys(programme.id))
        created = _create(
            uow,
            actor,
            programme,
            rules.revision_duties(template, number, what_changed, hwbbs, due_on),
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


# -- demo ----------------------------------------------------------------------


def demo_data(uow_factory, programme, actor: Actor) -> None:
    """The demo programme's duties (its HWBB joined after set-up), some done with evidence."""
    with uow_factory() as uow:
        programme = uow.programmes.get(programme.id)
        ensure_template_duties(uow, actor, programme)
        uow.commit()
    with uow_factory() as uow:
        if any(e for e in uow.duties.evidence_counts(programme.id).values()):
            return  # already evidenced: loading the demo twice changes nothing
        engagements = uow.duties.records.engagements(programme.id)
        links = uow.duties.records.engagement_links(programme.id)
        by_type = {s.id: s.type for s in uow.duties.records.stakeholders(programme.id)}
        with_hwbb = [
            e for e in engagements if any(by_type.get(s) == "hwbb" for s in links.get(e.id, []))
        ]
        with_practices = [
            e for e in engagements if any(by_type.get(s) == "practice" for s in links.get(e.id, []))
        ]
    channel = programme.channel_id
    eoi_pdf = "https://www.england.nhs.uk/commissioning/pc-co-comms/"
    for letter in "abcdefgh":
        duty = _demo_duty(uow_factory, programme, f"eoi-{letter}")
        if duty is None:
            continue
        evidence = [eoi_pdf]
        if letter == "g" and with_practices:
            evidence.append(str(with_practices[0].id))
        complete_duty(actor, channel, str(duty.id), uow_factory(), evidence)
    duty = _demo_duty(uow_factory, programme, "conflicts-of-interest")
    if duty is not None:
        set_duty_owner(actor, channel, str(duty.id), actor.user_id, uow_factory())
        complete_duty(
            actor,
            channel,
            str(duty.id),
            uow_factory(),
            ["https://www.england.nhs.uk/wp-content/uploads/2014/12/man-confl-int-guid-1214.pdf"],
        )
    with uow_factory() as uow:
        hwbb_duties = [
            d for d in uow.duties.list(programme.id) if d.key.startswith("hwbb-draft-plan:")
        ]
    for duty in hwbb_duties:
        set_duty_owner(actor, channel, str(duty.id), actor.user_id, uow_factory())
        if with_hwbb:
            complete_duty(actor, channel, str(duty.id), uow_factory(), [str(with_hwbb[-1].id)])
        else:
            note_duty(
                actor,
                channel,
                str(duty.id),
                "Draft plan goes to the board's next meeting.",
                uow_factory(),
            )
    duty = _demo_duty(uow_factory, programme, "healthwatch-representative")
    if duty is not None:
        note_duty(
            actor,
            channel,
            str(duty.id),
            "Healthwatch chair to nominate at the March meeting.",
            uow_factory(),
        )


def _demo_duty(uow_factory, programme, key: str):
    with uow_factory() as uow:
        return uow.duties.by_key(programme.id, key)
