"""The App Home tab: each person's programmes, coverage, actions, deadlines and votes."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from blocks.home import home_view
from bot import charts
from bot.context import Actor
from bot.services import personal_digests
from bot.services.coverage import home_for
from bot.services.pictures import shared_picture
from handlers.actors import actor_from_payload
from handlers.errors import answers_errors
from handlers.slack_messenger import SlackMessenger

log = logging.getLogger("consult.home")

# Pictures for the first few programmes only: each may cost an upload when its figures change,
# and opening Home should stay quick.
MAX_HOME_PICTURES = 3


def publish_home(services, client, actor: Actor) -> None:
    user_id = actor.user_id
    home = home_for(actor, services.new_uow())
    pictures = home_pictures(services, SlackMessenger(client), home)
    try:
        client.views_publish(user_id=user_id, view=home_view(home, pictures))
    except SlackApiError as e:
        if not pictures or e.response.get("error") != "invalid_blocks":
            raise
        # Slack may not show a just-uploaded picture yet: the text bars are already there.
        log.warning("Home of %s published without pictures (%s)", user_id, e.response.get("error"))
        client.views_publish(user_id=user_id, view=home_view(home))


def home_pictures(services, messenger, home) -> dict[int, str]:
    """programme id -> the Slack file id of its coverage chart. Home views take image blocks, by
    `slack_file` (a file the app uploaded) or `image_url` (a public address Slack fetches). We
    use `slack_file`: the chart stays inside Slack, visible only where the app shows it, with no
    public address for programme figures; and each distinct picture is uploaded once, shared by
    every member's Home (see bot/services/pictures.py)."""
    found = {}
    for item in home.programmes[:MAX_HOME_PICTURES]:
        chart = charts.coverage_from_report(item.report)
        if not item.report.types:
            continue
        file_id = shared_picture(services.new_uow(), messenger, item.programme.id, chart)
        if file_id:
            found[item.programme.id] = file_id
    return found


def add_listeners(app, services) -> None:
    @app.event("app_home_opened")
    @answers_errors  # an event: a failure is only logged
    def app_home_opened_callback(body, event, client, context):
        # Events are acknowledged by Bolt; only the Home tab (not Messages) gets a view.
        if event.get("tab", "home") != "home":
            return
        publish_home(services, client, actor_from_payload(body, context))

    def switch_personal_digest(body, client, context, frequency: str) -> None:
        actor = actor_from_payload(body, context)
        current = personal_digests.personal_setting(actor, services.new_uow())
        personal_digests.set_personal_digest(
            actor,
            None,
            frequency,
            services.new_uow(),
            weekday=current.weekday,  # switching to weekly keeps the day chosen before
            default_timezone=services.settings.timezone,
        )
        publish_home(services, client, actor)

    @answers_errors  # a button on the Home tab: no reply address, so a failure is logged
    def personal_digest_callback(ack, body, client, context):
        ack()
        frequency = (body.get("actions") or [{}])[0].get("value")
        if frequency in ("daily", "weekly", "off"):
            switch_personal_digest(body, client, context, frequency)

    for frequency in ("daily", "weekly", "off"):
        app.action(f"personal_digest_{frequency}")(personal_digest_callback)
