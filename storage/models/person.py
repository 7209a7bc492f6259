"""The workspace directory: people's names, so that a feed, a pack or a CSV can show them
where a Slack mention cannot render."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class Person(Base):
    """One person of one workspace, as Slack's directory last described them."""

    __tablename__ = "person"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(255))
    real_name: Mapped[str | None] = mapped_column(String(255))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # When the name (or deleted) last changed: the newest per team is the directory's
    # change mark, which calendar feeds fold into their ETag (one index read).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When Slack last told us about this person (users.info, user_change, the daily sweep).
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_person_team_updated", "team_id", "updated_at"),)
