"""Forgetting events Slack can no longer retry (see handlers/event_dedup.py)."""

from __future__ import annotations

from jobs import sweep


@sweep("forget_old_slack_events", every_seconds=3600)
def forget_old_slack_events(services, now) -> None:
    from handlers.event_dedup import forget_old_events

    forget_old_events(services.extras["engine"])
