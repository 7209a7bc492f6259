"""Learning about people the first time they use Consult.

A person first seen (any request from them, or anyone a command names: a
deadline's, duty's or action's owner) is looked up with users.info off the
request path, once while this process remembers them; the daily sweep
(jobs/directory.py) and `user_change` (handlers/people.py) keep everyone
current after that.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor

from slack_sdk.errors import SlackApiError

from bot.services import directory as svc
from handlers.people import person_from_slack

log = logging.getLogger("consult.people")


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


class Remembered:
    """The people this process has seen lately, the least recently seen forgotten first."""

    def __init__(self, size: int):
        self.size = size
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._lock = threading.Lock()  # listeners run on many threads

    def first_sight(self, key: tuple[str, str]) -> bool:
        """True the first time `key` is seen while remembered; remembers it."""
        with self._lock:
            if key in self._seen:
                self._seen.move_to_end(key)
                return False
            self._seen[key] = None
            if len(self._seen) > self.size:
                self._seen.popitem(last=False)
            return True

    def forget(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._seen.pop(key, None)

    def __len__(self) -> int:
        return len(self._seen)

    def __contains__(self, key) -> bool:
        return key in self._seen


# Enough for every active member of a large workspace (or several), a few MB at most. A
# person forgotten costs one look in the directory table on their next request, and no
# call to Slack when they are in it already: the bound only keeps a long-running process's
# memory flat across many workspaces.
REMEMBERED_PEOPLE = 20_000


class FirstSeen:
    """A Bolt middleware: whoever sends a request, and whoever it names, is in the directory
    soon after."""

    def __init__(self, services, workers: int = 2, remember: int = REMEMBERED_PEOPLE):
        self.services = services
        self.known = Remembered(remember)
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="consult-people")

    def __call__(self, context, client, next, body=None):
        self.notice(context, client, body)
        return next()

    def notice(self, context, client, body) -> None:
        """Look up, off this thread, whoever this request is the first sight of."""
        team = context.team_id
        for user in {context.user_id, *people_named(body)}:
            if team and user and self.known.first_sight((team, user)):
                self.pool.submit(self.look_up, client, team, user)

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
            self.known.forget((team, user))
            log.info("could not look %s up in Slack's directory: %s", user, type(e).__name__)
