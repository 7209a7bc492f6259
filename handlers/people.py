"""Slack's side of the workspace directory: reading Slack's user objects, learning about
people the first time they use Consult, and the `user_change` event.

A person first seen (any request from them, or anyone a command names: a
deadline's, duty's or action's owner) is looked up with users.info off the
request path, once per process; the daily sweep (jobs/directory.py) and
`user_change` keep everyone current after that.
"""

from __future__ import annotations

import logging
import re
from concurrent.futures import ThreadPoolExecutor

from slack_sdk.errors import SlackApiError

from bot.people import Person
from bot.services import directory as svc

log = logging.getLogger("consult.people")


def person_from_slack(user: dict) -> Person:
    """A Slack user object (users.info, users.list, user_change) as the directory keeps it."""
    profile = user.get("profile") or {}
    return Person(
        user_id=user.get("id") or "",
        display_name=(profile.get("display_name") or user.get("name") or None),
        real_name=(profile.get("real_name") or user.get("real_name") or None),
        deleted=bool(user.get("deleted")),
    )


_MENTION = re.compile(r"<@([UW][A-Z0-9]{1,31})(?:\|[^>]*)?>")


def people_named(body: dict | None) -> set[str]:
    """Everyone a request names: mentions in a command's text (`--owner @pat`), and people
    chosen in a form's user pickers (a follow-up action's owner)."""
    body = body or {}
    found = set(_MENTION.findall(body.get("text") or ""))
    values = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    for block in values.values():
        for element in (block or {}).values():
            element = element or {}
            if element.get("selected_user"):
                found.add(element["selected_user"])
            found.update(element.get("selected_users") or [])
    return found


class FirstSeen:
    """A Bolt middleware: whoever sends a request, and whoever it names, is in the directory
    soon after."""

    def __init__(self, services, workers: int = 2):
        self.services = services
        self.known: set[tuple[str, str]] = set()
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="consult-people")

    def __call__(self, context, client, next, body=None):
        team = context.team_id
        for user in {context.user_id, *people_named(body)}:
            if team and user and (team, user) not in self.known:
                self.known.add((team, user))
                self.pool.submit(self.look_up, client, team, user)
        return next()

    def look_up(self, client, team: str, user: str) -> None:
        uow = self.services.new_uow()
        try:
            if svc.is_known(uow, team, user):
                return
            try:
                found = client.users_info(user=user).get("user") or {}
            except SlackApiError as e:
                if (e.response or {}).get("error") != "user_not_found":
                    raise
                found = {"id": user}  # looked up: not in this workspace's directory
            svc.remember_people(uow, team, [person_from_slack(found)])
        except Exception as e:  # the daily sweep will find them; never fail a request over a name
            self.known.discard((team, user))
            log.info("could not look %s up in Slack's directory: %s", user, type(e).__name__)


def add_listeners(app, services) -> None:
    app.use(FirstSeen(services))

    @app.event("user_change")
    def user_change_callback(event, context):
        user = event.get("user") or {}
        team = context.team_id or user.get("team_id")
        if team and user.get("id"):
            svc.remember_people(services.new_uow(), team, [person_from_slack(user)])
