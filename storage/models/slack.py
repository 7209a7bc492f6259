"""Slack's own bookkeeping: workspace installations, OAuth states, events seen.

The installation and OAuth-state tables are column for column the ones
slack_sdk's SQLAlchemy stores declare (slack_sdk 3.47,
SQLAlchemyInstallationStore.build_installations_table / build_bots_table and
SQLAlchemyOAuthStateStore.build_oauth_states_table), so slack_sdk's own stores
(storage/installations.py) read and write them; the migration creates them.
Token columns are Text, for their Fernet ciphertext (0011_token_width).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, String, Table, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow

slack_installations = Table(
    "slack_installations",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(32), nullable=False),
    Column("app_id", String(32), nullable=False),
    Column("enterprise_id", String(32)),
    Column("enterprise_name", String(200)),
    Column("enterprise_url", String(200)),
    Column("team_id", String(32)),
    Column("team_name", String(200)),
    Column("bot_token", Text),  # Fernet ciphertext
    Column("bot_id", String(32)),
    Column("bot_user_id", String(32)),
    Column("bot_scopes", String(1000)),
    Column("bot_refresh_token", Text),  # Fernet ciphertext
    Column("bot_token_expires_at", DateTime),
    Column("user_id", String(32), nullable=False),
    Column("user_token", Text),  # Fernet ciphertext
    Column("user_scopes", String(1000)),
    Column("user_refresh_token", Text),  # Fernet ciphertext
    Column("user_token_expires_at", DateTime),
    Column("incoming_webhook_url", String(200)),
    Column("incoming_webhook_channel", String(200)),
    Column("incoming_webhook_channel_id", String(200)),
    Column("incoming_webhook_configuration_url", String(200)),
    Column("is_enterprise_install", Boolean, default=False, nullable=False),
    Column("token_type", String(32)),
    Column("installed_at", DateTime, nullable=False, default=func.now()),
    Index(
        "slack_installations_idx",
        "client_id",
        "enterprise_id",
        "team_id",
        "user_id",
        "installed_at",
    ),
)

slack_bots = Table(
    "slack_bots",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(32), nullable=False),
    Column("app_id", String(32), nullable=False),
    Column("enterprise_id", String(32)),
    Column("enterprise_name", String(200)),
    Column("team_id", String(32)),
    Column("team_name", String(200)),
    Column("bot_token", Text),  # Fernet ciphertext
    Column("bot_id", String(32)),
    Column("bot_user_id", String(32)),
    Column("bot_scopes", String(1000)),
    Column("bot_refresh_token", Text),  # Fernet ciphertext
    Column("bot_token_expires_at", DateTime),
    Column("is_enterprise_install", Boolean, default=False, nullable=False),
    Column("installed_at", DateTime, nullable=False, default=func.now()),
    Index("slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
)

slack_oauth_states = Table(
    "slack_oauth_states",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(200), nullable=False),
    Column("expire_at", DateTime, nullable=False),
)


class SlackEvent(Base):
    """One row per Events API delivery handled. Slack retries an event it thinks
    was lost (X-Slack-Retry-Num); a retry of an event already here is dropped."""

    __tablename__ = "slack_event"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class SlackRequest(Base):
    """An acknowledged Slack request (command, click, shortcut, event), keyed by its Slack id.

    The web process writes the row and acks; a worker claims it, runs its
    listeners and marks it done. A row that is not done survives a crash and is
    run again; a done row is never run twice (Slack's id decides).
    """

    __tablename__ = "slack_request"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    team_id: Mapped[str | None] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(16), default="queued")  # queued, running, done
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When its reply reached Slack: a run after a crash then does not answer again.
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The listener the web process matched (handlers/pipeline/dispatch.py names them); None
    # for a request queued before listeners were recorded, which the worker matches itself.
    listener: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (Index("ix_slack_request_state_received_at", "state", "received_at"),)
