"""Programme, roles, the stakeholder register and the audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class Programme(Base):
    __tablename__ = "programme"
    __table_args__ = (
        UniqueConstraint("team_id", "channel_id"),
        UniqueConstraint("team_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    template: Mapped[str | None] = mapped_column(String(64))
    year: Mapped[int | None] = mapped_column(Integer)
    # The co-commissioning model (greater-involvement | joint | delegated | undecided).
    model: Mapped[str | None] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Weekly digest: weekday 0 = Monday; enabled False means `digest schedule off`.
    digest_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    digest_weekday: Mapped[int] = mapped_column(Integer, default=0)
    digest_time: Mapped[str] = mapped_column(String(5), default="09:00")
    # The audit trail's head: how many entries it has and the last one's hash
    # (bot/audit_chain.py). Removing the last entries leaves the trail short of it.
    audit_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    audit_head: Mapped[str | None] = mapped_column(String(64))
    # The change counter: raised by one in every commit that changes what Consult
    # shows about the programme (storage/revisions.py); read models compare it.
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Retention: archived (closed: no reminders or digests) at archived_at, and
    # purged retention_years after that; None keeps it until someone decides.
    retention_years: Mapped[int | None] = mapped_column(Integer)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Role(Base):
    """An explicit role in a programme. Workspace admins are admins without a row."""

    __tablename__ = "role"
    __table_args__ = (UniqueConstraint("programme_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(32))  # admin | returning-officer
    granted_by: Mapped[str] = mapped_column(String(32))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Stakeholder(Base):
    __tablename__ = "stakeholder"
    __table_args__ = (
        UniqueConstraint("programme_id", "code"),
        Index("ix_stakeholder_programme_type", "programme_id", "type"),
        Index("ix_stakeholder_linked_user", "linked_user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(32))
    list_size: Mapped[int | None] = mapped_column(Integer)
    group_name: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(16))
    linked_user_id: Mapped[str | None] = mapped_column(String(32))
    # How much it matters to the decision, 1 to 5 each (`/consult stakeholder rate`); None: unrated.
    influence: Mapped[int | None] = mapped_column(Integer)
    interest: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Removal is soft: engagements and ballots that name it keep their meaning.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditEvent(Base):
    """Every change: who, when, what, before and after (JSON)."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_programme_at", "programme_id", "at"),
        # An item's history (calendar SEQUENCE of votes, duties, actions), without
        # reading the programme's whole trail, which grows with the engagement log.
        Index("ix_audit_event_item", "programme_id", "entity", "entity_id", "at"),
        # One entry per place in a programme's chain: two writers can never fork it.
        UniqueConstraint("programme_id", "seq", name="uq_audit_event_programme_seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    actor: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    # The hash chain (bot/audit_chain.py); entries outside any programme have none.
    seq: Mapped[int | None] = mapped_column(Integer)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class PurgeLog(Base):
    """A programme purged at the end of its retention period: what went, and when."""

    __tablename__ = "purge_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    programme_id: Mapped[int] = mapped_column(Integer)  # no foreign key: the programme is gone
    programme_name: Mapped[str] = mapped_column(String(200))
    archived_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retention_years: Mapped[int] = mapped_column(Integer)
    purged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    purged_by: Mapped[str] = mapped_column(String(32))  # "scheduler" or the operator's command
    records: Mapped[str] = mapped_column(Text)  # JSON: rows removed per table
    audit_head: Mapped[str | None] = mapped_column(String(64))  # the trail's last hash
