"""Finding the asker's programme, checking roles, and writing the audit trail."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import TYPE_CHECKING, overload

from .. import programme_templates, roles
from ..context import Actor
from ..errors import Forbidden, NoProgramme
from ..ports import UnitOfWork

if TYPE_CHECKING:
    from storage.models import Programme
    from storage.models.base import Base

SETUP_HINT = (
    'This channel has no programme yet. Start one with `/consult setup "<programme name>"`, '
    "adding `--template <template>` for a template's key dates in the current cycle and its duties "
    "(`/consult templates` lists them, what each is for and its sources: "
    + ", ".join(programme_templates.names())
    + ")."
)


def programme_for(uow: UnitOfWork, actor: Actor, channel_id: str) -> Programme:
    programme = uow.programmes.by_channel(actor.team_id, channel_id)
    if programme is None:
        raise NoProgramme(SETUP_HINT)
    return programme


def _people(uow: UnitOfWork, programme: Programme, role: str) -> list[str]:
    return sorted({r.user_id for r in uow.programmes.roles(programme.id) if r.role == role})


def _mentions(people: list[str]) -> str:
    return ", ".join(f"<@{p}>" for p in people)


def is_admin(uow: UnitOfWork, actor: Actor, programme: Programme) -> bool:
    mine = uow.programmes.roles_of(programme.id, actor.user_id)
    return roles.is_admin(mine, False) or actor.is_workspace_admin


def require_admin(uow: UnitOfWork, actor: Actor, programme: Programme, doing: str) -> None:
    if not is_admin(uow, actor, programme):
        admins = _people(uow, programme, roles.ADMIN)
        who = f"{_mentions(admins)} or a workspace admin" if admins else "a workspace admin"
        raise Forbidden(f"Only the programme's admins can {doing}: ask {who}.")


def require_returning_officer(
    uow: UnitOfWork, actor: Actor, programme: Programme, doing: str
) -> None:
    mine = uow.programmes.roles_of(programme.id, actor.user_id)
    if (
        roles.is_returning_officer_only(mine)
        or roles.is_admin(mine, False)
        or actor.is_workspace_admin
    ):
        return
    officers = _people(uow, programme, roles.RETURNING_OFFICER)
    admins = _people(uow, programme, roles.ADMIN)
    who = [f"a returning officer ({_mentions(officers)})"] if officers else []
    who.append(f"an admin ({_mentions(admins)})" if admins else "an admin")
    raise Forbidden(f"Only a returning officer or an admin can {doing}: ask {' or '.join(who)}.")


def _plain(value: object) -> object:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


@overload
def snapshot(obj: Base, fields: list[str] | None = None) -> dict[str, object]: ...
@overload
def snapshot(obj: None, fields: list[str] | None = None) -> None: ...
def snapshot(obj: Base | None, fields: list[str] | None = None) -> dict[str, object] | None:
    """The columns of a row as plain JSON-able values, for before/after in the audit trail."""
    if obj is None:
        return None
    names = fields or [c.key for c in obj.__table__.columns]
    return {name: _plain(getattr(obj, name)) for name in names}


def audit(
    uow: UnitOfWork,
    actor: Actor,
    programme: Programme | None,
    action: str,
    entity: str,
    entity_id: int | None,
    before: dict[str, object] | None = None,
    after: dict[str, object] | None = None,
) -> None:
    uow.audit.record(
        team_id=actor.team_id,
        programme_id=programme.id if programme is not None else None,
        actor=actor.user_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=json.dumps(before, sort_keys=True, default=str) if before is not None else None,
        after=json.dumps(after, sort_keys=True, default=str) if after is not None else None,
    )
