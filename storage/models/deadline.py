"""Deadlines and meetings, and the delivery ledger that makes sends exactly-once."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class Deadline(Base):
    __tablename__ = "deadline"
    __table_args__ = (
        Index("ix_deadline_programme_state_due", "programme_id", "state", "due_on"),
        Index("ix_deadline_state_due", "state", "due_on"),  # the reminder sweep, across programmes
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16), default="deadline")  # deadline | meeting
    title: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[date] = mapped_column(Date)
    due_time: Mapped[str | None] = mapped_column(String(5))  # "HH:MM" local; None = all day
    end_time: Mapped[str | None] = mapped_column(String(5))  # meetings
    place: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    remind_days: Mapped[str] = mapped_column(String(64), default="14,7,1,0")
    state: Mapped[str] = mapped_column(String(16), default="open")  # open | done | cancelled
    template_key: Mapped[str | None] = mapped_column(String(64))
    # Where the date comes from (a template's sources), and whether it is still to confirm:
    # a template date moved into another cycle is provisional until an admin confirms or moves it.
    source: Mapped[str | None] = mapped_column(Text)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    # One organisation's own date, offered as a suggestion (whose, as shown beside the date
    # while it is provisional): "Hillingdon CCG's own date, offered as a suggestion: ...".
    suggestion: Mapped[str | None] = mapped_column(Text)
    # A template date an admin confirmed or moved: how (confirmed | moved), by whom, when. Its
    # source is then the milestone's, not the date's.
    date_set: Mapped[str | None] = mapped_column(String(16))
    date_set_by: Mapped[str | None] = mapped_column(String(32))
    date_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sequence: Mapped[int] = mapped_column(
        Integer, default=0
    )  # raised on every change (iCalendar SEQUENCE)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeadlineOwner(Base):
    __tablename__ = "deadline_owner"

    deadline_id: Mapped[int] = mapped_column(
        ForeignKey("deadline.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)


class ReminderSnooze(Base):
    """A person asked to be reminded of a deadline again on a later working day (by DM)."""

    __tablename__ = "reminder_snooze"
    __table_args__ = (Index("ix_reminder_snooze_remind_on", "remind_on"),)

    deadline_id: Mapped[int] = mapped_column(
        ForeignKey("deadline.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    remind_on: Mapped[date] = mapped_column(Date, primary_key=True)
    due_on: Mapped[date] = mapped_column(Date)  # the deadline's date when snoozed: a move voids it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
