"""Calendar feed tokens (hashed at rest) and a log of fetches."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class CalendarFeed(Base):
    """One feed address. The token itself is never stored: only its sha256.

    content_etag / content_changed_at: the ETag of the last body served and
    when it first differed from the one before, so Last-Modified moves only
    when what the feed shows changes (deletions and renames included).
    content_mark: the feed's change mark (its programme's revision and the
    directory's mark, bot/services/calendar.py) when content_etag was
    computed: while it still matches, the ETag is known without reading the
    items. last_fetched_at / fetch_count are written in batches
    (storage/feed_fetches.py), a few seconds behind.
    """

    __tablename__ = "calendar_feed"
    __table_args__ = (
        Index("ix_calendar_feed_programme_kind_user", "programme_id", "kind", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex
    kind: Mapped[str] = mapped_column(String(16), default="programme")  # programme | personal
    user_id: Mapped[str | None] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fetch_count: Mapped[int] = mapped_column(Integer, default=0)
    content_etag: Mapped[str | None] = mapped_column(String(64))
    content_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    content_mark: Mapped[str | None] = mapped_column(String(64))
