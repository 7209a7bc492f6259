"""One error path for every kind of Slack request: what the person is told when it fails.

A `/consult` command answers through its dispatcher (handlers/commands/__init__.py);
every Bolt listener (the command's own, buttons, menus, forms, shortcuts, events,
workflow steps) is declared with `@answers_errors`, which gives the same answers:

- a ConsultError (something the person can put right): its message;
- the database out of reach: DATABASE_UNAVAILABLE;
- anything else: logged with a reference, and SOMETHING_WENT_WRONG with that reference.

Each is said the way the request can be answered: privately through respond() for a
message's buttons and shortcuts, on the form's first field for a form, as the
step's failure for a workflow step; a request with no way to answer (an event, a
button on the Home tab) is only logged.
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
import secrets

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.errors import ConsultError

log = logging.getLogger("consult.errors")

DATABASE_UNAVAILABLE = (
    "Consult can't reach its database just now, so nothing was changed. "
    "Please try again in a minute."
)
SOMETHING_WENT_WRONG = (
    "Sorry, something went wrong on Consult's side and nothing was changed. "
    "Please try again; if it keeps happening, tell your Consult admin (reference {ref})."
)
# Slack's mrkdwn for code and emphasis means nothing in Workflow Builder's error text.
_MARKUP = re.compile(r"[`*_]")


def failure_reply(e: Exception, what: str) -> str:
    """What to tell the person whose request failed with `e` (not a ConsultError). Call it
    while handling `e`: an unexpected error is logged here, with its traceback."""
    if isinstance(e, OperationalError | PoolTimeout) or (
        isinstance(e, DBAPIError) and e.connection_invalidated
    ):
        log.warning("database unavailable: %s", type(e).__name__)
        return DATABASE_UNAVAILABLE
    ref = secrets.token_hex(4)
    log.exception("%s failed (ref %s)", what, ref)
    return SOMETHING_WENT_WRONG.format(ref=ref)


def answers_errors(listener):
    """Declares a Bolt listener whose errors get the answers above. Bolt reads the
    listener's own arguments through the wrapper; it must take `body` and `context`."""
    if not {"body", "context"} <= set(inspect.signature(listener).parameters):
        raise TypeError(
            f"{listener.__name__} must take `body` and `context`: errors are answered through them"
        )

    @functools.wraps(listener)
    def answering(**kwargs):
        try:
            return listener(**kwargs)
        except ConsultError as e:
            tell(kwargs["context"], kwargs["body"], e.message)
        except Exception as e:
            tell(kwargs["context"], kwargs["body"], failure_reply(e, listener.__name__))
        return None

    answering.answers_errors = True
    return answering


def tell(context, body: dict, text: str) -> None:
    """Say `text` to the person, the way this request can be answered."""
    kind = body.get("type")
    ack = context.ack
    if ack.response is None:  # failed before its ack: Slack still waits
        if kind == "view_submission":
            fields = list(((body.get("view") or {}).get("state") or {}).get("values") or {})
            if fields:
                ack(response_action="errors", errors={fields[0]: text[:300]})
                return
        elif kind == "block_suggestion":
            ack(options=[])
            return
        ack()
    if (body.get("event") or {}).get("type") == "function_executed":
        context.fail(_MARKUP.sub("", text))
        return
    if context.response_url:  # respond() falls back to chat.postEphemeral once it expires
        context.respond(text=text, response_type="ephemeral", replace_original=False)
        return
    log.info("nobody to tell about a failed %s request: it has no reply address", kind)
