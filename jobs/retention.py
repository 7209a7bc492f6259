"""Hourly: purge archived programmes whose retention period has passed."""

from __future__ import annotations

from bot.services.retention import purge_due


def purge_expired_programmes(services, now) -> None:
    purge_due(services.new_uow(), now)
