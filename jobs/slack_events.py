"""Forgetting events Slack can no longer retry (see storage/slack_events.py)."""

from __future__ import annotations

from storage.slack_events import forget_old_events


def forget_old_slack_events(services, now) -> None:
    forget_old_events(services.extras["engine"])
