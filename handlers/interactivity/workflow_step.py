"""The "Log engagement" custom step for Workflow Builder (manifest.yml: functions.log_engagement).

A team puts it in its own workflows (a form, a schedule...). Its inputs are the
`/consult engage` line's parts; it records one engagement, as the person the
workflow maps to `logged_by` (else as Consult itself), with source "workflow",
and completes with the engagement's number. Bad inputs end the step with the
message the command would give, and nothing is recorded.
"""

from __future__ import annotations

from bot.context import Actor
from bot.errors import ConsultError
from bot.services import engagements as svc
from handlers.errors import answers_errors

CALLBACK_ID = "log_engagement"


def _text(inputs: dict, name: str) -> str | None:
    value = inputs.get(name)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def add_listeners(app, services) -> None:
    @app.function(CALLBACK_ID)
    @answers_errors  # bad inputs and failures end the step with their message (fail())
    def log_engagement_step(inputs, body, context, complete):
        actor = Actor(
            team_id=context.team_id or body.get("team_id") or "",
            user_id=_text(inputs, "logged_by") or context.bot_user_id or "workflow",
        )
        refs = [r.strip() for r in (_text(inputs, "stakeholders") or "").split(",") if r.strip()]
        if not refs:
            raise ConsultError("Give the stakeholders: their codes or names, separated by commas.")
        logged = svc.log_engagement(
            actor,
            _text(inputs, "channel") or "",
            refs,
            _text(inputs, "kind"),
            _text(inputs, "summary"),
            services.new_uow(),
            on=_text(inputs, "date"),
            position=_text(inputs, "position"),
            source="workflow",
        )
        complete(outputs={"engagement_id": str(logged.engagement.id)})
