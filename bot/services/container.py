"""What handlers and jobs are given: settings, units of work, a way to reach people."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..messenger import Messenger
from ..ports import UnitOfWork
from ..settings import Settings


@dataclass
class Services:
    settings: Settings
    new_uow: Callable[[], UnitOfWork]  # a fresh unit of work, not yet open
    # For jobs, which have no request to answer: the messenger of a workspace.
    messenger_for_team: Callable[[str], Messenger] | None = None
    # True when the database answers (for /healthz).
    ping: Callable[[], bool] | None = None
    # The database engine (storage's), for what is not a unit of work: the
    # scheduler's leader lock, the Slack event ledger, the OAuth stores.
    engine: Any = None
    # With OAuth (many workspaces): a workspace's bot token, and where installations live.
    token_for_team: Callable[[str], str] | None = None
    installation_store: Any = None
    # The scheduler running in this process (serve and shell), if any.
    scheduler: Any = None
    # When each sweep last ran here (pacing only: what is due lives in the database).
    sweeps_last_run: dict[str, datetime] = field(default_factory=dict)
