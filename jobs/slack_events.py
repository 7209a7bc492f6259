"""Forgetting events Slack can no longer retry (see storage/slack_events.py)."""

from __future__ import annotations

from jobs import sweep
from storage.slack_events import forget_old_events


@sweep("forget_old_slack_events", every_seconds=3600)
def forget_old_slack_events(services, now) -> None:
    forget_old_events(services.extras["engine"])
