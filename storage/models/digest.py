"""Roll-up digests: a channel following several programmes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow
from .deadline import DeadlineOwner
from .duty import Duty
from .engagement import Action, Engagement
from .raised_issue import RaisedIssue


class DigestFollow(Base):
    __tablename__ = "digest_follow"
    __table_args__ = (UniqueConstraint("team_id", "channel_id", "programme_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))  # the channel that receives the roll-up
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PersonalDigest(Base):
    """`/consult digest me daily|weekly [<day>]`: one person's own digest, sent as a DM.

    One row per person per workspace (it covers every programme of the workspace they
    take part in); turning it off deletes the row."""

    __tablename__ = "personal_digest"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    frequency: Mapped[str] = mapped_column(String(8))  # daily | weekly
    weekday: Mapped[int] = mapped_column(Integer, default=0)  # weekly: 0 = Monday
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Migration 0007_digest: "engagements logged this week", per programme (declared here, with the
# digest that reads it, rather than in the engagement module).
Index("ix_engagement_programme_logged", Engagement.programme_id, Engagement.logged_at)

# Migration 0024_personal_digest: what one person owns, read by owner for their own digest
# (declared here, with the digest that reads them).
Index("ix_action_owner_state", Action.owner_id, Action.state)
Index("ix_deadline_owner_user", DeadlineOwner.user_id)
Index("ix_duty_owner_state", Duty.owner_id, Duty.state)
Index("ix_raised_issue_response_owner", RaisedIssue.response_owner)
