"""补录: when a business happened. A teller's business happens when the server says; only a
supervisor (业务主管) may enter business late, with a reason, and each such posting is recorded."""

from datetime import datetime

from sqlmodel import Session, select

from core_ledger.journal.models import LateEntry, Posting
from kernel.auth import Role, User
from kernel.errors import Forbidden, Invalid

MAY_ENTER_LATE = (Role.supervisor, Role.admin)


def business_moment(
    user: User, *, occurred_at: datetime | None, late_reason: str = ""
) -> datetime | None:
    """The occurred_at a request may set: none for a teller; a supervisor's, with a reason."""
    if occurred_at is None:
        return None
    if user.role not in MAY_ENTER_LATE:
        raise Forbidden(
            "业务发生时间以系统时间为准，柜员不能指定；补录以前发生的业务请由业务主管办理，"
            "并填写补录原因"
        )
    if not late_reason.strip():
        raise Invalid("补录业务须填写补录原因（late_reason），如“系统故障期间手工受理”")
    return occurred_at


def record_late_entry(
    session: Session, *, posting: Posting | None, user: User, reason: str
) -> LateEntry | None:
    """Record who entered a posting late and why (once per posting; a retry finds it)."""
    if posting is None or posting.id is None:
        return None
    found = session.exec(select(LateEntry).where(LateEntry.posting_id == posting.id)).first()
    if found is not None:
        return found
    entry = LateEntry(
        posting_id=posting.id,
        entered_by_user_id=user.id or 0,
        reason=reason.strip()[:200],
        occurred_at=posting.occurred_at,
    )
    session.add(entry)
    session.flush()
    return entry
