"""Statutory duties and the expression-of-interest checklist, with evidence."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class Duty(Base):
    __tablename__ = "duty"
    __table_args__ = (
        UniqueConstraint("programme_id", "key"),
        Index("ix_duty_programme_state", "programme_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))  # stable: template key (+ stakeholder id)
    section: Mapped[str] = mapped_column(String(16), default="duty")  # duty | eoi
    title: Mapped[str] = mapped_column(Text)
    # statutory | guidance | constitution | local: what gives the duty its force.
    kind: Mapped[str] = mapped_column(String(16), default="local")
    statute: Mapped[str | None] = mapped_column(String(100))  # only a section the sources cite
    source: Mapped[str | None] = mapped_column(Text)  # document, date, paragraph or annex
    stakeholder_id: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholder.id", ondelete="SET NULL")
    )
    due_on: Mapped[date | None] = mapped_column(Date)
    due_anchor: Mapped[str | None] = mapped_column(String(64))  # template deadline it follows
    due_note: Mapped[str | None] = mapped_column(Text)  # the programme's suggestion: why this date
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    # Its deadline is one organisation's own date, offered as a suggestion (shown while provisional).
    due_suggestion: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="open")  # open|done|na|cancelled
    reason: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DutyEvidence(Base):
    __tablename__ = "duty_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    duty_id: Mapped[int] = mapped_column(ForeignKey("duty.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # engagement | url | permalink | vote | decision
    engagement_id: Mapped[int | None] = mapped_column(
        ForeignKey("engagement.id", ondelete="SET NULL")
    )
    # Votes are never deleted on their own (only with their programme), so no foreign key is needed.
    vote_id: Mapped[int | None] = mapped_column(Integer)
    url: Mapped[str | None] = mapped_column(String(1000))
    added_by: Mapped[str] = mapped_column(String(32))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
