"""A button that answers a question by running a command (see blocks/choices.py).

The click runs the button's command as the person who clicked, in the
channel it was asked in: what they could have typed themselves.
"""

from __future__ import annotations

import re

from blocks.choices import RUN_ACTION
from handlers.actors import actor_from_payload
from handlers.errors import answers_errors


def add_listeners(app, services) -> None:
    from handlers.commands import CommandRequest, dispatch
    from handlers.slack_messenger import SlackMessenger

    @app.action(re.compile(f"^{RUN_ACTION}_\\d+$"))
    @answers_errors  # dispatch answers the command's own errors, as when it is typed
    def run_command_callback(ack, body, respond, client, context):
        ack()
        action = (body.get("actions") or [{}])[0]
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
            "channel_id", ""
        )
        dispatch(
            CommandRequest(
                actor=actor_from_payload(body, context, client),
                channel_id=channel,
                text=action.get("value") or "",
                services=services,
                out=SlackMessenger(client, respond, body.get("trigger_id")),
                trigger_id=body.get("trigger_id"),
            )
        )
