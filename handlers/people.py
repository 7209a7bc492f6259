"""Slack's side of the workspace directory: reading Slack's user objects, and the
`user_change` event.

A person first seen is looked up by the FirstSeen middleware
(handlers/pipeline/first_seen.py); the daily sweep (jobs/directory.py) and
`user_change` keep everyone current after that.
"""

from __future__ import annotations

from bot.people import Person
from bot.services import directory as svc
from handlers.errors import answers_errors


def person_from_slack(user: dict) -> Person:
    """A Slack user object (users.info, users.list, user_change) as the directory keeps it."""
    profile = user.get("profile") or {}
    return Person(
        user_id=user.get("id") or "",
        display_name=(profile.get("display_name") or user.get("name") or None),
        real_name=(profile.get("real_name") or user.get("real_name") or None),
        deleted=bool(user.get("deleted")),
    )


def add_listeners(app, services) -> None:
    @app.event("user_change")
    @answers_errors  # an event: a failure is only logged
    def user_change_callback(event, body, context):
        user = event.get("user") or {}
        team = context.team_id or user.get("team_id")
        if team and user.get("id"):
            svc.remember_people(services.new_uow(), team, [person_from_slack(user)])
