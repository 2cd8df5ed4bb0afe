"""补录: when a business happened. A teller's business happens when the server says; only a
supervisor (业务主管) may enter business late, with a reason, and each such posting is recorded.

Who the business is attributed to, and the refusal of a teller's earlier day, are
`org.attribution`'s; this module decides which moment is written.
"""

from datetime import datetime

from sqlmodel import Session, select

from core_ledger.journal.models import LateEntry, Posting
from kernel.auth import Role, User
from kernel.errors import Invalid

MAY_ENTER_LATE = (Role.supervisor, Role.admin)


def business_moment(
    user: User, *, occurred_at: datetime | None, late_reason: str = ""
) -> datetime | None:
    """The moment to write: the server's clock (None) for a teller, whatever time of today they
    typed (attribution refuses an earlier day); a supervisor's, with a reason."""
    if occurred_at is None or user.role not in MAY_ENTER_LATE:
        return None
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
