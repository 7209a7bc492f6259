"""The "Log engagement" form: opened by `/consult engage` (no arguments), the App Home
button or the "Log as engagement" message shortcut; its stakeholder picker; its submission.
"""

from __future__ import annotations

import logging

from blocks.engagement import (
    FORM_CALLBACK,
    PICKER_ACTION,
    engagement_form,
    form_values,
    logged_text,
    no_programme_view,
    picker_options,
    read_issue_values,
    read_metadata,
    read_picked,
)
from blocks.home import LOG_BUTTON
from bot.errors import ConsultError
from bot.services import engagements as svc
from bot.services import raised_issues as issues_svc
from handlers.actors import actor_from_payload
from handlers.errors import answers_errors

log = logging.getLogger("consult.engagement_form")
SHORTCUT = "log_engagement"
NO_PROGRAMME = (
    "You are not in a Consult programme in this workspace yet, so there is nowhere to log this. "
    "Run `/consult engage` in a programme's channel, or `/consult setup` to start one."
)


def permalink_of(client, channel: str | None, ts: str | None) -> str | None:
    """The message's permalink from Slack; Slack's archive address if it can't be asked."""
    if not channel or not ts:
        return None
    try:
        link = client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
        if link:
            return link
    except Exception:
        log.warning("could not get the permalink of %s/%s", channel, ts)
    return f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}"


def open_form(
    services,
    client,
    body: dict,
    context,
    *,
    channel: str | None,
    source: str,
    summary: str = "",
    permalink: str | None = None,
) -> None:
    actor = actor_from_payload(body, context)
    programmes, today = svc.form_context(actor, channel, services.new_uow())
    if not programmes:
        view = no_programme_view(NO_PROGRAMME)
    else:
        view = engagement_form(
            programmes,
            today,
            channel_id=channel,
            source=source,
            summary=summary,
            permalink=permalink,
            issues=issues_svc.form_choices(actor, [p.id for p in programmes], services.new_uow()),
        )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def confirm(client, channel: str | None, user: str, text: str) -> None:
    """Tell the logger, privately: in the channel the form came from, else in a DM."""
    if channel:
        try:
            client.chat_postEphemeral(channel=channel, user=user, text=text)
            return
        except Exception:
            log.info("could not reply in %s; sending a DM instead", channel)
    client.chat_postMessage(channel=user, text=text)


def picked_in_one_programme(meta: dict, values: dict):
    """((programme id, stakeholder ids, groups, {programme id: issue ids}), None) from the
    form, or (None, errors by field) when its choices span programmes or came from elsewhere."""
    picked = read_picked(values["picked"])
    if len(picked) > 1:
        return None, {"stakeholders": "Choose stakeholders of one programme at a time."}
    programme_id, (ids, groups) = next(
        iter(picked.items()), (meta["p"][0] if meta["p"] else 0, ([], []))
    )
    if programme_id not in set(meta["p"]):
        return None, {"stakeholders": "Choose stakeholders from the list."}
    picked_issues = read_issue_values(values["issues"])
    if set(picked_issues) - {programme_id}:
        return None, {"issues": "Choose issues of the same programme as the stakeholders."}
    return (programme_id, ids, groups, picked_issues), None


def submit_form(services, ack, body, client, context, view) -> None:
    """The form's Log button: errors go back on their fields; a logged engagement is confirmed."""
    meta = read_metadata(view.get("private_metadata"))
    values = form_values(view)
    actor = actor_from_payload(body, context, client)
    picked, errors = picked_in_one_programme(meta, values)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    programme_id, ids, groups, picked_issues = picked
    follow_up = svc.FollowUp(
        values["action_title"] or "", values["action_owner"], values["action_due"]
    )
    try:
        logged = svc.log_engagement_from_form(
            actor,
            programme_id,
            ids,
            groups,
            values["kind"],
            values["summary"],
            services.new_uow(),
            on=values["date"],
            position=values["position"],
            source=meta["s"],
            permalink=meta["l"],
            follow_up=follow_up,
            issue_ids=picked_issues.get(programme_id, []),
            new_issue=values["new_issue"],
        )
    except svc.FieldErrors as e:
        ack(response_action="errors", errors=e.errors)
        return
    except ConsultError as e:
        ack(response_action="errors", errors={"stakeholders": e.message[:300]})
        return
    ack()
    confirm(client, meta["c"] or logged.programme.channel_id, actor.user_id, logged_text(logged))


def add_listeners(app, services) -> None:
    @app.shortcut(SHORTCUT)
    @answers_errors
    def log_as_engagement_callback(ack, body, client, context):
        ack()
        message = body.get("message") or {}
        channel = (body.get("channel") or {}).get("id")
        open_form(
            services,
            client,
            body,
            context,
            channel=channel,
            source="shortcut",
            summary=message.get("text") or "",
            permalink=permalink_of(client, channel, message.get("ts")),
        )

    @app.action(LOG_BUTTON)
    @answers_errors
    def home_log_engagement_callback(ack, body, client, context):
        ack()
        open_form(services, client, body, context, channel=None, source="modal")

    @app.options(PICKER_ACTION)
    @answers_errors  # a failed search offers no options
    def stakeholder_options_callback(ack, body, context):
        meta = read_metadata((body.get("view") or {}).get("private_metadata"))
        actor = actor_from_payload(body, context)
        found = svc.suggest_stakeholders(
            actor, meta["p"], body.get("value") or "", services.new_uow()
        )
        ack(**picker_options(found))

    @app.view(FORM_CALLBACK)
    @answers_errors  # field errors are answered on their fields by submit_form
    def engagement_form_callback(ack, body, client, context, view):
        submit_form(services, ack, body, client, context, view)
