"""Callback test data: outlets, business events through the real outbox and relay."""

import itertools
from datetime import datetime

from sqlmodel import Session, select

from callbacks.models import CallAttempt, CallbackTask
from callbacks.relay import relay_outbox
from callbacks.service import attempt_placed, begin_attempt, get_task, record_call_status
from core_ledger.org.models import Outlet
from core_ledger.outbox.service import emit

_ids = itertools.count(1)


def make_outlet(session: Session, *, code: str = "WD01", name: str = "城东网点") -> Outlet:
    """An outlet (营业网点), once per code."""
    outlet = session.exec(select(Outlet).where(Outlet.code == code)).first()
    if outlet is None:
        outlet = Outlet(code=code, name=name)
        session.add(outlet)
        session.flush()
    return outlet


def business(
    session: Session,
    *,
    at: datetime,
    phone: str = "+8613812345678",
    kind: str = "withdrawal",
    contact_phone: str | None = None,
    outlet: Outlet | None = None,
) -> list[CallbackTask]:
    """A completed withdrawal or loan at `at`, relayed into its callback tasks."""
    outlet = outlet or make_outlet(session)
    business_id = next(_ids)
    payload: dict[str, object] = {
        "business_kind": kind,
        "business_id": business_id,
        "occurred_at": at.isoformat(),
        "outlet_id": outlet.id,
        "outlet_name": outlet.name,
        "teller_id": None,
        "person": {"name": "王芳", "phone": phone},
    }
    if contact_phone:
        payload["project_contact"] = {"name": "幸福里项目张经理", "phone": contact_phone}
    emit(session, kind=f"{kind}.completed", aggregate_id=business_id, payload=payload)
    relay_outbox(session)
    event_tasks = session.exec(
        select(CallbackTask)
        .where(CallbackTask.business_id == business_id)
        .order_by(CallbackTask.id)  # type: ignore[arg-type]
    )
    return list(event_tasks)


def start(session: Session, task: CallbackTask) -> CallAttempt:
    """Begin the task's next attempt as the job would, and hand it to the 'provider'."""
    attempt = begin_attempt(session, task_id=task.id or 0, attempt_no=task.attempts_made + 1)
    assert attempt is not None, f"task {task.id} was not due ({task.status})"
    sid = f"{'SM' if attempt.channel == 'sms' else 'CA'}{task.id:08d}{attempt.attempt_no:04d}"
    attempt_placed(session, attempt_id=attempt.id or 0, provider_sid=sid)
    return attempt


def ring_out(session: Session, task: CallbackTask, *, status: str = "no-answer") -> CallAttempt:
    """One voice attempt that ends unanswered, reported as Twilio reports it."""
    attempt = start(session, task)
    record_call_status(session, attempt_id=attempt.id or 0, status=status, sequence=0)
    get_task(session, task_id=task.id or 0)
    return attempt
