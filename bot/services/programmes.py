"""Setting up a programme and managing who has which role in it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .. import clock, programme_templates, roles
from ..context import Actor
from ..dates import parse_date
from ..errors import Conflict, UsageError
from ..ports import UnitOfWork
from ..typed_text import clean_typed
from .access import audit, programme_for, require_admin, snapshot
from .duties import DutyChanges, ensure_template_duties, reconcile_model


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
):
    """Bind the channel to a new programme; the asker becomes its admin.

    The template's deadlines that apply under the model are created with their
    sources; outside the documented cycle their dates are provisional.
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
    if tpl is not None and year is None:
        year = current_cycle(clock.today_in(timezone))
    with uow:
        existing = uow.programmes.by_channel(actor.team_id, channel_id)
        if existing is not None:
            raise Conflict(
                f"This channel already runs the programme “{existing.name}”. A channel holds one programme; use another channel for another."
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
        deadlines = []
        if tpl is not None:
            for planned in programme_templates.key_dates(tpl, year, model):
                deadlines.append(_create_deadline(uow, actor, programme, planned))
        ensure_template_duties(uow, actor, programme)
        uow.commit()
        return programme, deadlines


def current_cycle(today) -> int:
    """The cycle a programme set up today is in: a cycle runs from its expression of interest
    in June to its new arrangements the next April, so before April it is last year's."""
    return today.year if today.month >= 4 else today.year - 1


def _create_deadline(uow: UnitOfWork, actor: Actor, programme, planned):
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
    programme: object
    old: str | None
    new: str
    added: list = field(default_factory=list)  # deadlines created
    reopened: list = field(default_factory=list)  # deadlines reopened
    cancelled: list = field(default_factory=list)  # deadlines cancelled
    duties: DutyChanges | None = None


def change_model(actor: Actor, channel_id: str, model: str, uow: UnitOfWork) -> ModelChange:
    """`/consult programme model <model>`: the deadlines and duties that the new model asks
    for are added (or reopened), open ones it does not need are cancelled (nothing is deleted,
    evidence stays), and the change is audited."""
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "change the programme's model")
        tpl = programme_templates.load(programme.template) if programme.template else None
        if not programme_templates.model_names(tpl):
            raise Conflict(
                "This programme's template has no models: the model is a choice of the "
                "co-commissioning template (`/consult setup ... --template co-commissioning`)."
            )
        model = programme_templates.check_model(tpl, model)
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


def _set_state(uow: UnitOfWork, actor: Actor, programme, deadline, state: str):
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


def list_roles(actor: Actor, channel_id: str, uow: UnitOfWork):
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
