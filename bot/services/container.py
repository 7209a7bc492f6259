"""What handlers and jobs are given: settings, units of work, a way to reach people."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..messenger import Messenger
from ..settings import Settings


@dataclass
class Services:
    settings: Settings
    uow: Callable  # () -> a unit of work
    # For jobs, which have no request to answer: the messenger of a workspace.
    messenger_for_team: Callable[[str], Messenger] | None = None
    # True when the database answers (for /healthz).
    ping: Callable[[], bool] | None = None
    extras: dict = field(default_factory=dict)
