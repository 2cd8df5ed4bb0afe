"""The outbox relay: every completed withdrawal and loan becomes its callback tasks, once."""

from sqlmodel import Session, col, select

from callbacks.models import CallbackTask
from callbacks.service import OPEN_STATUSES, close_task, open_tasks
from core_ledger.feed.models import EVENT_KINDS as FEED_EVENTS
from core_ledger.outbox.service import mark_published, unpublished_events
from kernel.crypto import phone_index

# The ledger's own postings, and business the core system posted (core_ledger.feed).
CALLBACK_EVENTS = {"withdrawal.completed", "loan.completed", *FEED_EVENTS.values()}
DECEASED = "deceased"  # CallbackTask.close_reason: the depositor has died


def relay_outbox(session: Session, *, limit: int = 500) -> int:
    """Turn unpublished business events into callback tasks; return how many events it took."""
    events = unpublished_events(session, limit=limit)
    for event in events:
        if event.kind in CALLBACK_EVENTS:
            open_tasks(session, event_id=event.id or 0, payload=event.payload)
            if deceased := event.payload.get("deceased"):
                stop_calling_the_deceased(session, phone=deceased["phone"])
        mark_published(session, event=event)
    session.flush()
    return len(events)


def stop_calling_the_deceased(session: Session, *, phone: str) -> int:
    """A death withdrawal (职工死亡): callbacks still owed on the deceased's number end, so nobody
    dials a dead person's phone about earlier business. Returns how many were closed."""
    tasks = session.exec(
        select(CallbackTask)
        .where(
            CallbackTask.phone_index == phone_index(phone),
            col(CallbackTask.status).in_(OPEN_STATUSES),
        )
        .with_for_update()
    ).all()
    for task in tasks:
        close_task(session, task, reason=DECEASED, actor="system", note="职工已故，不再回访")
    return len(tasks)
