"""Setting up a programme and managing who has which role in it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .. import clock, programme_templates, roles
from ..context import Actor
from ..dates import format_date, parse_date
from ..errors import Conflict, UsageError
from ..ports import UnitOfWork
from ..typed_text import clean_typed
from .access import audit, programme_for, require_admin, snapshot
from .duties import DutyChanges, ensure_template_duties, reconcile_model

if TYPE_CHECKING:
    from storage.models import Deadline, Programme, Role


def setup_programme(
    actor: Actor,
    channel_id: str,
    name: str,
    uow: UnitOfWork,
    *,
    template: str | None = None,
    year: int | None = None,
    timezone: str = "Europe/London",
    model: str | None = None,
    decision: date | None = None,
) -> tuple[Programme, list[Deadline]]:
    """Bind the channel to a new programme; the asker becomes its admin.

    The template's deadlines that apply under the model are created with their
    sources; outside the documented cycle their dates are provisional. A template
    dated from the decision places them back from `decision` (required for it), each
    the programme's choice and provisional.
    Returns (programme, deadlines created from the template).
    """
    name = " ".join(clean_typed(name, "The programme's name").split())
    if not name:
        raise UsageError("The programme needs a name.")
    if len(name) > 200:
        raise UsageError("A programme name can be at most 200 characters.")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"{timezone!r} is not a timezone. Use a name such as Europe/London."
        ) from None
    tpl = programme_templates.load(template) if template else None
    if year is not None and tpl is None:
        raise UsageError(
            "`--year` goes with `--template`: it says which cycle's key dates to create."
        )
    if model is not None and tpl is None:
        raise UsageError(
            "`--model` goes with `--template`: it says which of the template's items apply."
        )
    model = programme_templates.check_model(tpl, model)
    year = _dating(tpl, year, decision, clock.today_in(timezone))
    with uow:
        existing = uow.programmes.by_channel(actor.team_id, channel_id)
        if existing is not None:
            raise Conflict(
                f"This channel already runs the programme “{existing.name}”"
                + (" (archived)" if existing.archived_at else "")
                + ". A channel holds one programme; use another channel for another."
                + (
                    " To give this one a template's key dates, use "
                    "`/consult programme template <template>`."
                    if existing.template is None and existing.archived_at is None
                    else ""
                )
            )
        if uow.programmes.by_name(actor.team_id, name) is not None:
            raise Conflict(
                f"A programme called “{name}” already exists in this workspace. Choose another name."
            )
        programme = uow.programmes.create(
            team_id=actor.team_id,
            channel_id=channel_id,
            name=name,
            timezone=timezone,
            template=template,
            year=year,
            model=model,
            created_by=actor.user_id,
        )
        uow.programmes.add_role(
            programme_id=programme.id,
            user_id=actor.user_id,
            role=roles.ADMIN,
            granted_by=actor.user_id,
        )
        audit(
            uow,
            actor,
            programme,
            "programme.setup",
            "programme",
            programme.id,
            after=snapshot(programme),
        )
        deadlines = _template_items(uow, actor, programme, tpl, decision)
        uow.commit()
        return programme, deadlines


def _cycle_year(year: int | None, today: date) -> int:
    """The cycle a template's key dates are for: the one given, or the current one."""
    if year is None:
        return current_cycle(today)
    # Key dates are checked against the programme's span (five years ahead at most).
    if not 2000 <= year <= today.year + 5:
        raise UsageError(
            f"The cycle year must be from 2000 to {today.year + 5}, not {year}; "
            f"the current cycle is {current_cycle(today)}."
        )
    return year


def _dating(
    tpl: programme_templates.Template | None, year: int | None, decision: date | None, today: date
) -> int | None:
    """The cycle year a template's key dates are for (the one given, or the current one); for
    a template dated from the decision, None, once the decision date is checked."""
    dated_from_decision = programme_templates.is_decision_dated(tpl)
    if decision is not None and not dated_from_decision:
        with_decision = [
            t["name"]
            for t in programme_templates.summaries()
            if programme_templates.is_decision_dated(t)
        ]
        raise UsageError(
            "`--decision` goes with a template dated from the decision: "
            + ", ".join(f"`--template {n}`" for n in with_decision)
            + "."
        )
    if dated_from_decision and tpl is not None:
        if year is not None:
            raise UsageError(
                f"The {tpl['name']} template is dated from the decision, not a yearly cycle: "
                "give `--decision <date>` instead of `--year`."
            )
        if decision is None:
            raise UsageError(
                f"The {tpl['name']} template places its dates back from the decision: give "
                f"the date the decision is planned for, e.g. `{tpl.get('setup_example', '')}`."
            )
        check_decision(tpl, decision, today)
        return None
    return _cycle_year(year, today) if tpl is not None else None


def _template_items(
    uow: UnitOfWork,
    actor: Actor,
    programme: Programme,
    tpl: programme_templates.Template | None,
    decision: date | None = None,
) -> list[Deadline]:
    """The template's key dates (as deadlines) and duties for the programme's cycle and model."""
    deadlines: list[Deadline] = []
    if tpl is not None:
        for planned in programme_templates.key_dates(
            tpl, programme.year, programme.model, decision
        ):
            deadlines.append(_create_deadline(uow, actor, programme, planned))
    ensure_template_duties(uow, actor, programme)
    return deadlines


def give_template(
    actor: Actor,
    channel_id: str,
    template: str,
    uow: UnitOfWork,
    *,
    year: int | None = None,
    model: str | None = None,
    decision: date | None = None,
) -> tuple[Programme, list[Deadline]]:
    """`/consult programme template <template>`: a template for a programme set up without one.

    Its key dates (for the cycle given, or the current one) and duties are
    added as at setup; what the programme already has is kept.
    Returns (programme, deadlines created).
    """
    tpl = programme_templates.load(template.strip().lower())
    model = programme_templates.check_model(tpl, model)
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "give the programme a template")
        if programme.template:
            raise Conflict(
                f"This programme already uses the template {programme.template}; a programme "
                "has one template."
                + (
                    " Change its model with `/consult programme model <model>`."
                    if programme_templates.model_names(programme_templates.load(programme.template))
                    else ""
                )
            )
        fields = ["template", "year", "model"]
        before = snapshot(programme, fields)
        programme.template = template.strip().lower()
        programme.year = _dating(tpl, year, decision, clock.today_in(programme.timezone))
        programme.model = model
        uow.flush()
        deadlines = _template_items(uow, actor, programme, tpl, decision)
        audit(
            uow,
            actor,
            programme,
            "programme.template",
            "programme",
            programme.id,
            before,
            snapshot(programme, fields),
        )
        uow.commit()
        return programme, deadlines


MAX_YEARS_AHEAD = 10  # a decision further off than this is a typing slip


def check_decision(template: programme_templates.Template, decision: date, today: date) -> None:
    """A decision date the template's key dates can be placed back from: not before the
    template's own earliest (e.g. when ICBs came into being), not decades ahead."""
    earliest = template.get("earliest_decision") or {}
    if earliest and decision < date.fromisoformat(earliest["date"]):
        raise UsageError(
            f"{format_date(decision)} is before {earliest['why']}: give the date the decision "
            "is planned for."
        )
    latest = date(today.year + MAX_YEARS_AHEAD, 12, 31)
    if decision > latest:
        raise UsageError(
            f"{format_date(decision)} is more than {MAX_YEARS_AHEAD} years away: give the date "
            "the decision is planned for."
        )


def current_cycle(today: date) -> int:
    """The cycle a programme set up today is in: a cycle runs from April (e.g. a
    co-commissioning cycle, from its expression of interest in June to its new arrangements
    the next April), so before April it is last year's."""
    return today.year if today.month >= 4 else today.year - 1


def _create_deadline(
    uow: UnitOfWork,
    actor: Actor,
    programme: Programme,
    planned: programme_templates.PlannedDeadline,
) -> Deadline:
    now = clock.now()
    deadline = uow.deadlines.create(
        programme_id=programme.id,
        title=planned.title,
        due_on=planned.due_on,
        template_key=planned.key,
        source=planned.source,
        provisional=planned.provisional,
        suggestion=planned.suggestion,
        notes=planned.note,
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
        sequence=0,
    )
    audit(uow, actor, programme, "deadline.add", "deadline", deadline.id, after=snapshot(deadline))
    return deadline


@dataclass
class ModelChange:
    programme: Programme
    old: str | None
    new: str
    added: list[Deadline] = field(default_factory=list)  # deadlines created
    reopened: list[Deadline] = field(default_factory=list)  # deadlines reopened
    cancelled: list[Deadline] = field(default_factory=list)  # deadlines cancelled
    duties: DutyChanges | None = None


def change_model(actor: Actor, channel_id: str, model: str, uow: UnitOfWork) -> ModelChange:
    """`/consult programme model <model>`: the deadlines and duties that the new model asks
    for are added (or reopened), open ones it does not need are cancelled (nothing is deleted,
    evidence stays), and the change is audited."""
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "change the programme's model")
        tpl = programme_templates.load(programme.template) if programme.template else None
        if tpl is None:
            raise Conflict(
                "This programme was set up without a template, so it has no model. Give it one: "
                "`/consult programme template <template> [--model <model>]` (templates: "
                + ", ".join(programme_templates.names())
                + ")."
            )
        if not programme_templates.model_names(tpl):
            with_models = [t["name"] for t in programme_templates.summaries() if t.get("models")]
            raise Conflict(
                "This programme's template has no models: a model is a choice of "
                + (", ".join(f"the {n} template" for n in with_models) or "none")
                + "."
            )
        checked = programme_templates.check_model(tpl, model)
        assert checked is not None  # the template has models
        model = checked
        old = programme.model
        if model == old:
            raise Conflict(f"The programme's model is already {model}.")
        before = snapshot(programme, ["model"])
        programme.model = model
        change = ModelChange(programme, old, model)
        old_keys = {p.key for p in programme_templates.key_dates(tpl, programme.year, old)}
        new_plans = programme_templates.key_dates(tpl, programme.year, model)
        existing = {d.template_key: d for d in uow.deadlines.with_template_keys(programme.id)}
        for planned in new_plans:
            d = existing.get(planned.key)
            if d is None:
                change.added.append(_create_deadline(uow, actor, programme, planned))
            elif d.state == "cancelled" and planned.key not in old_keys:
                change.reopened.append(_set_state(uow, actor, programme, d, "open"))
        for key in old_keys - {p.key for p in new_plans}:
            d = existing.get(key)
            if d is not None and d.state == "open":
                change.cancelled.append(_set_state(uow, actor, programme, d, "cancelled"))
        uow.flush()
        change.duties = reconcile_model(uow, actor, programme, old)
        audit(
            uow,
            actor,
            programme,
            "programme.model",
            "programme",
            programme.id,
            before,
            snapshot(programme, ["model"]),
        )
        uow.commit()
        return change


def _set_state(
    uow: UnitOfWork, actor: Actor, programme: Programme, deadline: Deadline, state: str
) -> Deadline:
    before = snapshot(deadline)
    deadline.state = state
    deadline.sequence = (deadline.sequence or 0) + 1
    deadline.updated_at = clock.now()
    action = "deadline.reopen" if state == "open" else "deadline.cancel"
    audit(uow, actor, programme, action, "deadline", deadline.id, before, snapshot(deadline))
    return deadline


def grant_role(actor: Actor, channel_id: str, user_id: str, role: str, uow: UnitOfWork) -> bool:
    """Returns False when the person already had the role."""
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, f"add a {role}")
        if role in uow.programmes.roles_of(programme.id, user_id):
            return False
        row = uow.programmes.add_role(
            programme_id=programme.id, user_id=user_id, role=role, granted_by=actor.user_id
        )
        audit(
            uow,
            actor,
            programme,
            "role.grant",
            "role",
            row.id,
            after={"user_id": user_id, "role": role},
        )
        uow.commit()
        return True


def revoke_role(actor: Actor, channel_id: str, user_id: str, role: str, uow: UnitOfWork) -> None:
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, f"remove a {role}")
        if role == roles.ADMIN:
            admins = {
                r.user_id for r in uow.programmes.roles(programme.id) if r.role == roles.ADMIN
            }
            if admins == {user_id}:
                raise Conflict("That is the programme's last admin. Add another admin first.")
        if not uow.programmes.remove_role(programme.id, user_id, role):
            raise Conflict(f"<@{user_id}> is not a {role} of this programme.")
        audit(
            uow,
            actor,
            programme,
            "role.revoke",
            "role",
            None,
            before={"user_id": user_id, "role": role},
        )
        uow.commit()


def list_roles(actor: Actor, channel_id: str, uow: UnitOfWork) -> tuple[Programme, list[Role]]:
    with uow:
        programme = programme_for(uow, actor, channel_id)
        return programme, uow.programmes.roles(programme.id)


def today_in_programme(actor: Actor, channel_id: str, uow: UnitOfWork) -> date:
    """Today where the channel's programme is: its timezone, not the server's."""
    with uow:
        return clock.today_in(programme_for(uow, actor, channel_id).timezone)


def parse_date_in_programme(text: str, actor: Actor, channel_id: str, uow: UnitOfWork) -> date:
    """A date typed in the channel (`20/6/2014`, `tomorrow`, `next Friday`), read in its programme."""
    return parse_date(text, today_in_programme(actor, channel_id, uow))
