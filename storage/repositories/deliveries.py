from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Delivery


class DeliveryRepository:
    """The delivery ledger. Each method is its own small transaction step;
    the unique key is what decides between two senders."""

    def __init__(self, session: Session):
        self.session = session

    def get(self, key: str) -> Delivery | None:
        return self.session.scalar(select(Delivery).where(Delivery.key == key))

    def claim(
        self,
        key: str,
        *,
        programme_id: int | None,
        kind: str,
        recipient: str,
        late: bool,
        now: datetime,
    ) -> bool:
        """Insert the key, or take over a failed attempt. True when this caller now owns the send."""
        try:
            with self.session.begin_nested():
                self.session.add(
                    Delivery(
                        key=key,
                        programme_id=programme_id,
                        kind=kind,
                        recipient=recipient,
                        late=late,
                        state="claimed",
                        attempts=1,
                        claimed_at=now,
                    )
                )
            return True
        except IntegrityError:
            pass
        taken = self.session.execute(
            update(Delivery)
            .where(Delivery.key == key, Delivery.state == "failed")
            .values(state="claimed", attempts=Delivery.attempts + 1, claimed_at=now, late=late)
        )
        return cast("CursorResult[Any]", taken).rowcount == 1

    def take_over_stale(self, key: str, claimed_at: datetime, now: datetime) -> bool:
        """Re-claim a claim left by a process that died mid-send (compare-and-set on claimed_at)."""
        taken = self.session.execute(
            update(Delivery)
            .where(
                Delivery.key == key, Delivery.state == "claimed", Delivery.claimed_at == claimed_at
            )
            .values(attempts=Delivery.attempts + 1, claimed_at=now)
        )
        return cast("CursorResult[Any]", taken).rowcount == 1

    def mark_sent(self, key: str, message_ts: str | None, now: datetime) -> None:
        self.session.execute(
            update(Delivery)
            .where(Delivery.key == key)
            .values(state="sent", message_ts=message_ts, sent_at=now, error=None)
        )

    def mark_failed(self, key: str, error: str) -> None:
        self.session.execute(
            update(Delivery).where(Delivery.key == key).values(state="failed", error=error[:2000])
        )

    def sent_keys(self, prefix: str) -> set[str]:
        return set(
            self.session.scalars(
                select(Delivery.key).where(
                    Delivery.key.startswith(prefix), Delivery.state == "sent"
                )
            )
        )

    def all_for(self, programme_id: int, kind: str | None = None) -> list[Delivery]:
        q = select(Delivery).where(Delivery.programme_id == programme_id)
        if kind:
            q = q.where(Delivery.kind == kind)
        return list(self.session.scalars(q.order_by(Delivery.id)))
