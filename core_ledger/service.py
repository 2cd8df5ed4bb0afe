"""Ledger verbs for outlets, tellers and the outbox. Services flush; the caller commits."""

from typing import Any

from sqlmodel import Session, col, select

from core_ledger.models import OutboxEvent, Outlet, Staff
from kernel.clock import utcnow
from kernel.errors import Conflict, Invalid, NotFound
from kernel.phone import normalize


def create_outlet(session: Session, *, code: str, name: str) -> Outlet:
    """Register an outlet (营业网点)."""
    if get_outlet_by_code(session, code=code, missing_ok=True):
        raise Conflict(f"网点编号 {code} 已存在")
    outlet = Outlet(code=code, name=name)
    session.add(outlet)
    session.flush()
    return outlet


def get_outlet_by_code(session: Session, *, code: str, missing_ok: bool = False) -> Outlet | None:
    """An outlet by its code."""
    outlet = session.exec(select(Outlet).where(Outlet.code == code)).first()
    if outlet is None and not missing_ok:
        raise NotFound(f"找不到网点 {code!r}，请核对网点编号")
    return outlet


def get_outlet(session: Session, *, code: str) -> Outlet:
    """An outlet that must exist."""
    outlet = get_outlet_by_code(session, code=code)
    assert outlet is not None
    return outlet


def create_staff(session: Session, *, code: str, name: str, outlet_code: str, phone: str) -> Staff:
    """Register a teller at an outlet."""
    outlet = get_outlet(session, code=outlet_code)
    if session.exec(select(Staff).where(Staff.code == code)).first():
        raise Conflict(f"柜员编号 {code} 已存在")
    staff = Staff(code=code, name=name, outlet_id=outlet.id, phone=normalize(phone))
    session.add(staff)
    session.flush()
    return staff


def get_teller(session: Session, *, code: str, outlet: Outlet) -> Staff:
    """A teller who works at the given outlet (every business names one: 综合柜员)."""
    staff = session.exec(select(Staff).where(Staff.code == code)).first()
    if staff is None:
        raise NotFound(f"找不到柜员 {code!r}，请核对柜员编号")
    if staff.outlet_id != outlet.id:
        raise Invalid(f"柜员 {code} 不属于网点 {outlet.code}")
    return staff


def outlet_and_teller(
    session: Session, *, outlet_code: str, teller_code: str
) -> tuple[Outlet, Staff]:
    """The outlet and teller a business is attributed to."""
    outlet = get_outlet(session, code=outlet_code)
    return outlet, get_teller(session, code=teller_code, outlet=outlet)


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
