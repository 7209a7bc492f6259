"""The engagement log and follow-up actions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class Engagement(Base):
    __tablename__ = "engagement"
    __table_args__ = (Index("ix_engagement_programme_occurred", "programme_id", "occurred_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(Text)
    occurred_on: Mapped[date] = mapped_column(Date)
    position: Mapped[str | None] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16), default="command")  # command | modal | shortcut
    permalink: Mapped[str | None] = mapped_column(String(500))
    logged_by: Mapped[str] = mapped_column(String(32))
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EngagementStakeholder(Base):
    """One row per stakeholder of an engagement.

    occurred_on and position are copied here (and kept in step on edit) so
    that "latest engagement / position per stakeholder" is one index scan.
    """

    __tablename__ = "engagement_stakeholder"
    __table_args__ = (
        Index("ix_engagement_stakeholder_latest", "stakeholder_id", "occurred_on"),
        # Partial indexes (migration 0002): "last engaged" and "current position"
        # per stakeholder are then one short backward index scan each, however
        # long the log grows. Queries must say `withdrawn = false` to match them.
        Index(
            "ix_engagement_stakeholder_live",
            "stakeholder_id",
            "occurred_on",
            sqlite_where=text("withdrawn = 0"),
            postgresql_where=text("withdrawn = false"),
        ),
        Index(
            "ix_engagement_stakeholder_position",
            "stakeholder_id",
            "occurred_on",
            "engagement_id",
            "position",
            sqlite_where=text("withdrawn = 0 AND position IS NOT NULL"),
            postgresql_where=text("withdrawn = false AND position IS NOT NULL"),
        ),
    )

    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagement.id", ondelete="CASCADE"), primary_key=True
    )
    stakeholder_id: Mapped[int] = mapped_column(
        ForeignKey("stakeholder.id", ondelete="CASCADE"), primary_key=True
    )
    occurred_on: Mapped[date] = mapped_column(Date)
    position: Mapped[str | None] = mapped_column(String(16))
    withdrawn: Mapped[bool] = mapped_column(default=False)


class Action(Base):
    """A follow-up action with an owner and a due date."""

    __tablename__ = "action"
    __table_args__ = (Index("ix_action_programme_state_due", "programme_id", "state", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    engagement_id: Mapped[int | None] = mapped_column(
        ForeignKey("engagement.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[str] = mapped_column(String(32))
    due_on: Mapped[date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), default="open")  # open | done
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
