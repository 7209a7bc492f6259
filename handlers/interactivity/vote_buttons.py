"""The For / Against / Abstain buttons on a vote message, and the practice picker that follows
for a person who speaks for several practices. Every answer is ephemeral to the clicker."""

from __future__ import annotations

import re

from blocks.votes import CHOICE_ACTIONS, PICK_PREFIX, ballot_reply, practice_picker
from bot.context import Actor
from bot.errors import ConsultError
from bot.services import votes as svc
from handlers.actors import actor_from_payload
from handlers.errors import answers_errors

_CHOICE_BY_ACTION = {action: choice for choice, action in CHOICE_ACTIONS.items()}
_PICK = re.compile(rf"^{PICK_PREFIX}\d+$")
_PICK_VALUE = re.compile(r"^(\d{1,12}):(for|against|abstain):(\d{1,12})$")


def handle_click(
    services, actor: Actor, vote_id: int, choice: str, stakeholder_id: int | None
) -> dict:
    """What to answer a click with: respond() keyword arguments (pure of Slack, testable).
    Why a ballot was refused is the answer itself (it replaces a practice picker); any other
    failure is answered by @answers_errors."""
    try:
        outcome = svc.ballot_from_button(actor, vote_id, choice, services.new_uow(), stakeholder_id)
    except ConsultError as e:
        return {"text": e.message}
    if isinstance(outcome, svc.PracticeChoice):
        text, blocks = practice_picker(outcome)
        return {"text": text, "blocks": blocks}
    return {"text": ballot_reply(outcome)}


def add_listeners(app, services) -> None:
    @app.action(re.compile(r"^vote_(for|against|abstain)$"))
    @answers_errors
    def vote_button_callback(ack, body, action, respond, client, context):
        ack()
        try:
            vote_id = int(action.get("value", ""))
        except ValueError:
            respond(
                text="That button is not a vote button Consult knows; nothing was recorded.",
                response_type="ephemeral",
                replace_original=False,
            )
            return
        answer = handle_click(
            services,
            actor_from_payload(body, client=client),
            vote_id,
            _CHOICE_BY_ACTION[action["action_id"]],
            None,
        )
        respond(response_type="ephemeral", replace_original=False, **answer)

    @app.action(_PICK)
    @answers_errors
    def vote_pick_callback(ack, body, action, respond, client, context):
        ack()
        m = _PICK_VALUE.match(action.get("value", ""))
        if m is None:
            respond(
                text="That button is not one Consult knows; nothing was recorded.",
                response_type="ephemeral",
                replace_original=False,
            )
            return
        answer = handle_click(
            services,
            actor_from_payload(body, client=client),
            int(m.group(1)),
            m.group(2),
            int(m.group(3)),
        )
        # The picker was an ephemeral message of its own: replace it with what was recorded.
        respond(response_type="ephemeral", replace_original=True, **answer)
