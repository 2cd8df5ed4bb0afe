"""The outbox: events written with the business they report. Services flush; the caller commits."""

from typing import Any

from sqlmodel import Session, col, select

from core_ledger.outbox.models import OutboxEvent
from kernel.clock import utcnow


def emit(session: Session, *, kind: str, aggregate_id: int, payload: dict[str, Any]) -> None:
    """Write an outbox event inside the caller's transaction."""
    session.add(OutboxEvent(kind=kind, aggregate_id=aggregate_id, payload=payload))
    session.flush()


def unpublished_events(session: Session, *, limit: int = 500) -> list[OutboxEvent]:
    """Outbox events no consumer has taken yet, oldest first, locked against other relays."""
    query = (
        select(OutboxEvent)
        .where(col(OutboxEvent.published_at).is_(None))
        .order_by(col(OutboxEvent.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(query))


def mark_published(session: Session, *, event: OutboxEvent) -> None:
    """Record that the event has been taken."""
    event.published_at = utcnow()
    session.add(event)
