"""What handlers and jobs are given: settings, units of work, a way to reach people."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..messenger import Messenger
from ..ports import UnitOfWork
from ..settings import Settings


@dataclass(frozen=True)
class Services:
    """Built once, by app.py's bootstrap(); a variant (another messenger) is a
    dataclasses.replace() of it, never a change to it."""

    settings: Settings
    new_uow: Callable[[], UnitOfWork]  # a fresh unit of work, not yet open
    # For jobs, which have no request to answer: the messenger of a workspace.
    messenger_for_team: Callable[[str], Messenger] | None = None
    # True when the database answers (for /healthz).
    ping: Callable[[], bool] | None = None
    # The database engine (storage's), for what is not a unit of work: the
    # scheduler's leader lock, the Slack event ledger, the OAuth stores.
    engine: Any = None
    # With OAuth (many workspaces): a workspace's bot token, for jobs.
    token_for_team: Callable[[str], str] | None = None
    # The workspaces' installations (handlers/oauth.py), opened when first needed.
    installations: Any = None
    # When each sweep last ran here (pacing only: what is due lives in the database).
    sweeps_last_run: dict[str, datetime] = field(default_factory=dict)
