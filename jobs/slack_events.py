"""Forgetting events Slack can no longer retry (see storage/slack_events.py), and requests
the workers finished long ago (see storage/slack_requests.py)."""

from __future__ import annotations

from storage.slack_events import forget_old_events
from storage.slack_requests import forget_done


def forget_old_slack_events(services, now) -> None:
    forget_old_events(services.engine)
    forget_done(services.engine)
