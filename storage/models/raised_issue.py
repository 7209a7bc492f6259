"""Issues raised by stakeholders, their tags on engagements, and the counts the lists show."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class RaisedIssue(Base):
    """An issue (theme) that stakeholders raised, and the programme's answer to it.

    `stakeholders`, `engagements`, `first_raised_on` and `last_raised_on` are kept
    in step with the tags (storage.repositories.raised_issues), so that the list,
    the Home tab and the digest read one row per issue however long the log grows.
    """

    __tablename__ = "raised_issue"
    __table_args__ = (
        # One live issue per name in a programme; merged ones keep their old name.
        Index(
            "uq_raised_issue_programme_key",
            "programme_id",
            "name_key",
            unique=True,
            sqlite_where=text("merged_into_id IS NULL"),
            postgresql_where=text("merged_into_id IS NULL"),
        ),
        Index("ix_raised_issue_programme_stakeholders", "programme_id", "stakeholders"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    name_key: Mapped[str] = mapped_column(String(80))
    description: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(24), default="open")
    response: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)  # why not taken forward
    response_owner: Mapped[str | None] = mapped_column(String(32))
    responded_on: Mapped[date | None] = mapped_column(Date)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("raised_issue.id", ondelete="SET NULL")
    )
    vocabulary: Mapped[str | None] = mapped_column(Text)  # the words suggestions rank by
    stakeholders: Mapped[int] = mapped_column(Integer, default=0)
    engagements: Mapped[int] = mapped_column(Integer, default=0)
    first_raised_on: Mapped[date | None] = mapped_column(Date)
    last_raised_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EngagementRaisedIssue(Base):
    """An engagement tagged with an issue. occurred_on and withdrawn are copied from the
    engagement (kept in step on edit) so an issue's latest engagements are one index scan."""

    __tablename__ = "engagement_raised_issue"
    __table_args__ = (
        Index(
            "ix_engagement_raised_issue_latest",
            "raised_issue_id",
            "withdrawn",
            "occurred_on",
            "engagement_id",
        ),
    )

    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagement.id", ondelete="CASCADE"), primary_key=True
    )
    raised_issue_id: Mapped[int] = mapped_column(
        ForeignKey("raised_issue.id", ondelete="CASCADE"), primary_key=True
    )
    occurred_on: Mapped[date] = mapped_column(Date)
    withdrawn: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(16), default="command")
    tagged_by: Mapped[str] = mapped_column(String(32))
    tagged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RaisedIssueStakeholder(Base):
    """Who raised an issue: one row per issue and stakeholder, with live engagements only."""

    __tablename__ = "raised_issue_stakeholder"

    raised_issue_id: Mapped[int] = mapped_column(
        ForeignKey("raised_issue.id", ondelete="CASCADE"), primary_key=True
    )
    stakeholder_id: Mapped[int] = mapped_column(
        ForeignKey("stakeholder.id", ondelete="CASCADE"), primary_key=True
    )
    engagements: Mapped[int] = mapped_column(Integer, default=0)
    first_raised_on: Mapped[date] = mapped_column(Date)
    last_raised_on: Mapped[date] = mapped_column(Date)
