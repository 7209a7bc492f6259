"""Who is asking: the one way a Slack payload becomes an `Actor`."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.context import Actor

log = logging.getLogger("consult.actors")


def actor_from_payload(body: dict, context=None, client=None) -> Actor:
    """The person and workspace of a slash command, an interaction or an event.

    Whether they are a workspace admin is asked of Slack only if a permission
    check needs it, and only when there is a `client` to ask with.
    """
    user = body.get("user") or {}
    if not isinstance(user, dict):  # events carry the user id itself
        user = {"id": user}
    team = body.get("team")
    user_id = user.get("id") or body.get("user_id") or getattr(context, "user_id", None) or ""
    team_id = (
        getattr(context, "team_id", None)
        or (team.get("id") if isinstance(team, dict) else None)
        or body.get("team_id")
        or user.get("team_id")
        or ""
    )
    is_admin = workspace_admin_check(client, user_id) if client is not None else False
    return Actor(team_id=team_id, user_id=user_id, _is_workspace_admin=is_admin)


def workspace_admin_check(client, user_id: str) -> Callable[[], bool]:
    """A lazy check: Slack is asked only if a permission needs it."""

    def check() -> bool:
        try:
            user = client.users_info(user=user_id)["user"]
            return bool(user.get("is_admin") or user.get("is_owner"))
        except Exception:  # unknown means no: never grant on an error
            log.warning("could not check whether %s is a workspace admin", user_id)
            return False

    return check
