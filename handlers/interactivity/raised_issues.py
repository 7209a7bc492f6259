"""The buttons under a suggestion: "Tag: <issue>" confirms it, "Leave untagged" dismisses it."""

from __future__ import annotations

import logging
import re

from blocks import raised_issues as blocks
from bot.errors import ConsultError
from bot.services import raised_issues as svc
from handlers.actors import actor_from_payload

log = logging.getLogger("consult.raised_issues")


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
    try:
        _programme, e, tagged = svc.tag_engagement(
            actor_from_payload(body),
            None,
            engagement_id,
            [str(issue_id)],
            services.new_uow(),
            source="suggestion",
            programme_id=programme_id,
        )
    except ConsultError as err:  # e.g. clicked twice: already tagged
        respond(text=err.message, response_type="ephemeral", replace_original=False)
        return
    respond(text=blocks.tagged_text(e.id, tagged), replace_original=True)


def add_listeners(app, services) -> None:
    @app.action(re.compile(f"^{blocks.CONFIRM_ACTION}_\\d+$"))
    def raised_issue_confirm_callback(ack, body, respond):
        ack()
        try:
            confirm(services, body, respond)
        except Exception:
            log.exception("the suggestion button failed")
            respond(
                text="Sorry, something went wrong on Consult's side and nothing was changed. Please try again.",
                response_type="ephemeral",
                replace_original=False,
            )

    @app.action(blocks.IGNORE_ACTION)
    def raised_issue_ignore_callback(ack, body, respond):
        ack()
        engagement = ((body.get("actions") or [{}])[0]).get("value", "")
        respond(
            text=f"Left engagement #{engagement} untagged. `/consult issue suggest {engagement}` shows the suggestions again.",
            replace_original=True,
        )
