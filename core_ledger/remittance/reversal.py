"""冲正 with two people: one asks (申请) with a reason, another approves (审批) and it posts.

The posting itself is `service.reverse_remittance`; this module holds the request between the
two and refuses an approval by the person who asked.
"""

from sqlmodel import Session, select

from core_ledger.journal.idempotency import request_hash
from core_ledger.remittance.models import RemittanceStatus, ReversalRequest
from core_ledger.remittance.service import get_remittance, reverse_remittance
from kernel.clock import utcnow
from kernel.errors import Conflict, Forbidden, Invalid, NotFound


def request_reversal(
    session: Session, *, remittance_id: int, reason: str, idempotency_key: str, user_id: int
) -> ReversalRequest:
    """申请冲正: ask to reverse a posted remittance; nothing moves until another approves."""
    payload = {"remittance_id": remittance_id, "reason": reason}
    found = session.exec(
        select(ReversalRequest).where(ReversalRequest.idempotency_key == idempotency_key)
    ).first()
    if found is not None:
        if found.request_hash != request_hash(payload):
            raise Conflict(f"幂等键 {idempotency_key} 已用于另一笔冲正申请，请换一个幂等键")
        return found
    if not reason.strip():
        raise Invalid("冲正须填写原因")
    remittance = get_remittance(session, remittance_id=remittance_id, for_update=True)
    if remittance.status != RemittanceStatus.posted:
        raise Conflict(f"汇缴单 {remittance_id} 尚未入账或已冲正，不能申请冲正")
    pending = session.exec(
        select(ReversalRequest).where(ReversalRequest.remittance_id == remittance_id)
    ).first()
    if pending is not None:
        raise Conflict(
            f"汇缴单 {remittance_id} 已有冲正申请（申请号 {pending.id}），请等待另一人审批"
        )
    request = ReversalRequest(
        remittance_id=remittance_id,
        reason=reason.strip()[:200],
        idempotency_key=idempotency_key,
        request_hash=request_hash(payload),
        requested_by_user_id=user_id,
    )
    session.add(request)
    session.flush()
    return request


def approve_reversal(session: Session, *, request_id: int, user_id: int) -> ReversalRequest:
    """审批冲正: another person approves and the reversal posts (once)."""
    request = session.get(ReversalRequest, request_id, with_for_update=True)
    if request is None:
        raise NotFound(f"找不到冲正申请 {request_id}，请核对申请号")
    if request.posting_id is not None:
        return request  # already approved: a retry
    if request.requested_by_user_id == user_id:
        raise Forbidden(
            f"冲正申请 {request_id} 由您提出，不能由您本人审批；请交由另一名有权限的人员审批"
        )
    posting = reverse_remittance(
        session,
        remittance_id=request.remittance_id,
        reason=request.reason,
        idempotency_key=request.idempotency_key,
    )
    request.posting_id, request.approved_by_user_id = posting.id, user_id
    request.approved_at = utcnow()
    session.add(request)
    session.flush()
    return request
