"""The buttons under a suggestion: "Tag: <issue>" confirms it, "Leave untagged" dismisses it."""

from __future__ import annotations

import re

from blocks import raised_issues as blocks
from bot.services import raised_issues as svc
from handlers.actors import actor_from_payload
from handlers.errors import answers_errors


def confirm(services, body, respond) -> None:
    value = blocks.read_suggestion_value(((body.get("actions") or [{}])[0]).get("value"))
    if value is None:
        respond(
            text="That button doesn't say which issue it is for; use `/consult issue tag <engagement> <issue>`.",
            response_type="ephemeral",
            replace_original=False,
        )
        return
    programme_id, engagement_id, issue_id = value
    # A ConsultError (e.g. clicked twice: already tagged) is answered by @answers_errors.
    _programme, e, tagged = svc.tag_engagement(
        actor_from_payload(body),
        None,
        engagement_id,
        [str(issue_id)],
        services.new_uow(),
        source="suggestion",
        programme_id=programme_id,
    )
    respond(text=blocks.tagged_text(e.id, tagged), replace_original=True)


def add_listeners(app, services) -> None:
    @app.action(re.compile(f"^{blocks.CONFIRM_ACTION}_\\d+$"))
    @answers_errors
    def raised_issue_confirm_callback(ack, body, respond, context):
        ack()
        confirm(services, body, respond)

    @app.action(blocks.IGNORE_ACTION)
    @answers_errors
    def raised_issue_ignore_callback(ack, body, respond, context):
        ack()
        engagement = ((body.get("actions") or [{}])[0]).get("value", "")
        respond(
            text=f"Left engagement #{engagement} untagged. `/consult issue suggest {engagement}` shows the suggestions again.",
            replace_original=True,
        )
