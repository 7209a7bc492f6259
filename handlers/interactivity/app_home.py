"""The App Home tab: each person's programmes, coverage, actions, deadlines and votes."""

from __future__ import annotations

import logging

from blocks.home import home_view
from bot.context import Actor
from bot.services.coverage import home_for

log = logging.getLogger("consult.home")


def publish_home(services, client, team_id: str, user_id: str) -> None:
    view = home_view(home_for(Actor(team_id=team_id, user_id=user_id), services.uow()))
    client.views_publish(user_id=user_id, view=view)


def add_listeners(app, services) -> None:
    @app.event("app_home_opened")
    def app_home_opened_callback(event, client, context):
        # Events are acknowledged by Bolt; only the Home tab (not Messages) gets a view.
        if event.get("tab", "home") != "home":
            return
        user = event.get("user") or context.user_id
        try:
            publish_home(services, client, context.team_id or "", user)
        except Exception:
            log.exception("could not publish the App Home of %s", user)
