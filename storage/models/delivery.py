"""The delivery ledger: one row per scheduled send, whatever the feature."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class Delivery(Base):
    """One row per thing sent (reminder, digest, vote result...), keyed uniquely.

    A sender claims the key first (the unique constraint decides between
    two processes), posts, then marks it sent. A claim found unsent on
    restart is settled by looking for the key in the channel's metadata.
    """

    __tablename__ = "delivery"
    __table_args__ = (Index("ix_delivery_programme_kind", "programme_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="claimed")  # claimed | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[bool] = mapped_column(default=False)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
