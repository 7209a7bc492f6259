"""The buttons on a reminder: "Mark done" (owners and admins) and "Remind me tomorrow" (the clicker's DM)."""

from __future__ import annotations

from blocks import reminders as blocks
from bot.dates import format_date
from bot.rendering import esc
from bot.services import deadlines as svc
from handlers.actors import actor_from_payload
from handlers.errors import answers_errors


def _deadline_id(body) -> int | None:
    try:
        return int(body["actions"][0]["value"])
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def _tell(respond, text: str) -> None:
    respond(text=text, response_type="ephemeral", replace_original=False)


def mark_done(services, body, client, respond) -> None:
    deadline_id = _deadline_id(body)
    if deadline_id is None:
        _tell(
            respond,
            "That button doesn't say which deadline it is for; use `/consult deadline done <id>`.",
        )
        return
    actor = actor_from_payload(body, client=client)
    programme, view, newly = svc.complete_from_reminder(actor, deadline_id, services.new_uow())
    d = view.deadline
    if not newly:
        _tell(respond, f"*{esc(d.title)}* (`#{d.id}`) is already done.")
        return
    respond(
        text=blocks.done_by_text(d, actor.user_id),
        blocks=blocks.reminder_after_done_blocks(d, actor.user_id),
        replace_original=True,
    )
    channel = (body.get("channel") or {}).get("id")
    if channel != programme.channel_id:
        # Clicked in a DM: the team still hears about it in the programme's channel.
        client.chat_postMessage(
            channel=programme.channel_id, text=blocks.done_by_text(d, actor.user_id)
        )


def snooze(services, body, client, respond) -> None:
    deadline_id = _deadline_id(body)
    if deadline_id is None:
        _tell(respond, "That button doesn't say which deadline it is for.")
        return
    actor = actor_from_payload(body, client=client)
    programme, d, remind_on = svc.snooze_reminder(actor, deadline_id, services.new_uow())
    _tell(
        respond,
        f"I'll DM you about *{esc(d.title)}* (`#{d.id}`) again on {format_date(remind_on)} at 09:00. "
        "Nobody else's reminders change.",
    )


def add_listeners(app, services) -> None:
    @app.action(blocks.DONE_ACTION)
    @answers_errors
    def deadline_done_callback(ack, body, client, respond, context):
        ack()
        mark_done(services, body, client, respond)

    @app.action(blocks.SNOOZE_ACTION)
    @answers_errors
    def deadline_snooze_callback(ack, body, client, respond, context):
        ack()
        snooze(services, body, client, respond)
