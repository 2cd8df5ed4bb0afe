"""The outbox relay: every completed withdrawal and loan becomes its callback tasks, once."""

from sqlmodel import Session

from callbacks.service import open_tasks
from core_ledger.feed.models import EVENT_KINDS as FEED_EVENTS
from core_ledger.outbox.service import mark_published, unpublished_events

# The ledger's own postings, and business the core system posted (core_ledger.feed).
CALLBACK_EVENTS = {"withdrawal.completed", "loan.completed", *FEED_EVENTS.values()}


def relay_outbox(session: Session, *, limit: int = 500) -> int:
    """Turn unpublished business events into callback tasks; return how many events it took."""
    events = unpublished_events(session, limit=limit)
    for event in events:
        if event.kind in CALLBACK_EVENTS:
            open_tasks(session, event_id=event.id or 0, payload=event.payload)
        mark_published(session, event=event)
    session.flush()
    return len(events)
