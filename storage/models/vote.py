"""Votes of member practices: electorate, ballots (one per practice), tallies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class Vote(Base):
    __tablename__ = "vote"
    __table_args__ = (Index("ix_vote_state_closes", "state", "closes_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), index=True
    )
    question: Mapped[str] = mapped_column(Text)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rule: Mapped[str] = mapped_column(
        String(16), default="simple"
    )  # simple | absolute | two-thirds
    quorum_percent: Mapped[int | None] = mapped_column(Integer)
    weighted: Mapped[bool] = mapped_column(Boolean, default=False)
    group_name: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    mode: Mapped[str | None] = mapped_column(
        String(16)
    )  # None until first ballot/tally: ballots | aggregate
    opened_by: Mapped[str] = mapped_column(String(32))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by: Mapped[str | None] = mapped_column(String(32))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str | None] = mapped_column(Text)  # JSON of the figures at closing
    checksum: Mapped[str | None] = mapped_column(String(64))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    # The duty this vote decides: carried under its rule and quorum, it discharges that duty.
    # No foreign key (see migration 0020); duties are never deleted.
    duty_id: Mapped[int | None] = mapped_column(Integer, index=True)


class Elector(Base):
    """The electorate, fixed when the vote opens, with list sizes at that moment."""

    __tablename__ = "elector"

    vote_id: Mapped[int] = mapped_column(
        ForeignKey("vote.id", ondelete="CASCADE"), primary_key=True
    )
    stakeholder_id: Mapped[int] = mapped_column(
        ForeignKey("stakeholder.id", ondelete="CASCADE"), primary_key=True
    )
    list_size: Mapped[int] = mapped_column(Integer, default=0)


class Ballot(Base):
    """A practice's current ballot. The unique key makes a second ballot impossible."""

    __tablename__ = "ballot"
    __table_args__ = (UniqueConstraint("vote_id", "stakeholder_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("vote.id", ondelete="CASCADE"))
    stakeholder_id: Mapped[int] = mapped_column(ForeignKey("stakeholder.id", ondelete="CASCADE"))
    choice: Mapped[str] = mapped_column(String(16))  # for | against | abstain
    method: Mapped[str] = mapped_column(
        String(16), default="slack"
    )  # slack | paper | email | meeting
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changes: Mapped[int] = mapped_column(Integer, default=0)


class BallotHistory(Base):
    """Every ballot and change, in order (the audit trail holds them too)."""

    __tablename__ = "ballot_history"
    __table_args__ = (Index("ix_ballot_history_vote", "vote_id", "stakeholder_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("vote.id", ondelete="CASCADE"))
    stakeholder_id: Mapped[int] = mapped_column(ForeignKey("stakeholder.id", ondelete="CASCADE"))
    choice: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(16))
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AggregateTally(Base):
    """An aggregate count recorded from a meeting, instead of ballots."""

    __tablename__ = "aggregate_tally"

    vote_id: Mapped[int] = mapped_column(
        ForeignKey("vote.id", ondelete="CASCADE"), primary_key=True
    )
    for_count: Mapped[int] = mapped_column(Integer)
    against_count: Mapped[int] = mapped_column(Integer)
    abstain_count: Mapped[int] = mapped_column(Integer)
    for_list_size: Mapped[int | None] = mapped_column(Integer)
    against_list_size: Mapped[int | None] = mapped_column(Integer)
    abstain_list_size: Mapped[int | None] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(16), default="meeting")
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    notes: Mapped[str | None] = mapped_column(Text)
