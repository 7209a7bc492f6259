"""Personal data: what Consult holds about a person (subject access), and forgetting them.

Forgetting replaces a person's Slack id with a pseudonym everywhere it is
held in the workspace (columns and free text alike), so every count, the
vote results and their checksums (computed over practices, never people)
stay as they were; the audit trails of the programmes touched are resealed
and each gets an entry saying a person was forgotten (without saying who).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..context import Actor
from ..errors import Forbidden, NotFound, UsageError
from ..ports import UnitOfWork
from .access import audit, is_admin, programme_for, require_admin
from .stakeholders import resolve

if TYPE_CHECKING:
    from storage.models import Programme


@dataclass(frozen=True)
class Forgotten:
    pseudonym: str
    programmes: list[str]
    changed: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.changed.values())


def new_pseudonym() -> str:
    """Random, so it leads back to no one; one per forgotten person, so their rows still group."""
    return f"forgotten-{secrets.token_hex(5)}"


def forget_person(actor: Actor, channel_id: str, user_id: str, uow: UnitOfWork) -> Forgotten:
    """`/consult person forget <@user>`: admins of every programme that holds the person."""
    if user_id == actor.user_id:
        raise UsageError("You can't forget yourself: ask another admin to do it.")
    with uow:
        here = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, here, "forget a person")
        data = uow.personal_data
        ids = data.programmes_naming(user_id, actor.team_id)
        programmes = [p for i in ids if (p := uow.programmes.get(i)) is not None]
        not_mine = [p.name for p in programmes if not is_admin(uow, actor, p)]
        if not_mine:
            raise Forbidden(
                f"<@{user_id}> also appears in {', '.join(not_mine)}, where you are not an admin. "
                "Forgetting a person takes them out of every programme in the workspace: ask a "
                "workspace admin, or an admin of each of those."
            )
        if not ids and not data.about_user(user_id, actor.team_id):
            raise NotFound(f"Consult holds nothing about <@{user_id}> in this workspace.")
        for programme_id in ids:  # in order, as the audit trail's writers take them
            data.lock_programme(programme_id)
        pseudonym = new_pseudonym()
        changed = data.pseudonymise(user_id, pseudonym, actor.team_id)
        for programme in programmes:
            old_head, _, resealed = data.reseal_audit_chain(programme.id)
            audit(
                uow,
                actor,
                programme,
                "person.forget",
                "person",
                None,
                after={
                    "pseudonym": pseudonym,
                    "entries_resealed": resealed,
                    "head_before": old_head,
                },
            )
        uow.commit()
        return Forgotten(pseudonym, sorted(p.name for p in programmes), changed)


def subject_access(
    uow: UnitOfWork,
    *,
    user_id: str | None = None,
    stakeholder: str | None = None,
    programme: Programme | None = None,
    team: str | None = None,
) -> dict[str, object]:
    """Everything held about a Slack user, or about a stakeholder (in one programme)."""
    with uow:
        if user_id is not None:
            return {
                "subject": {"slack_user_id": user_id, "workspace": team or "every workspace"},
                "held": uow.personal_data.about_user(user_id, team),
            }
        if programme is None or stakeholder is None:
            raise TypeError("subject access needs a user id, or a stakeholder and its programme")
        found = resolve(uow, programme, stakeholder)
        return {
            "subject": {
                "stakeholder": found.name,
                "code": found.code,
                "programme": programme.name,
            },
            "held": uow.personal_data.about_stakeholder(found.id),
        }
