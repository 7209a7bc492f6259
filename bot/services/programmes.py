"""Setting up a programme and managing who has which role in it."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .. import clock, programme_templates, roles
from ..context import Actor
from ..errors import Conflict, UsageError
from ..typed_text import clean_typed
from .access import audit, programme_for, require_admin, snapshot
from .duties import ensure_template_duties


def setup_programme(
    actor: Actor,
    channel_id: str,
    name: str,
    uow,
    *,
    template: str | None = None,
    year: int | None = None,
    timezone: str = "Europe/London",
):
    """Bind the channel to a new programme; the asker becomes its admin.

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
    if tpl is not None and year is None:
        year = clock.today_in(timezone).year
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
            for key, title, due in programme_templates.key_dates(tpl, year):
                deadline = uow.deadlines.create(
                    programme_id=programme.id,
                    title=title,
                    due_on=due,
                    template_key=key,
                    created_by=actor.user_id,
                )
                audit(
                    uow,
                    actor,
                    programme,
                    "deadline.add",
                    "deadline",
                    deadline.id,
                    after=snapshot(deadline),
                )
                deadlines.append(deadline)
        ensure_template_duties(uow, actor, programme)
        uow.commit()
        return programme, deadlines


def grant_role(actor: Actor, channel_id: str, user_id: str, role: str, uow) -> bool:
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


def revoke_role(actor: Actor, channel_id: str, user_id: str, role: str, uow) -> None:
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


def list_roles(actor: Actor, channel_id: str, uow):
    with uow:
        programme = programme_for(uow, actor, channel_id)
        return programme, uow.programmes.roles(programme.id)
