"""HTTP routes of withdrawals (提取) and the bank's answers to their payments (网银支付)."""

from typing import Annotated

from fastapi import APIRouter, Depends, status
from sqlmodel import col, select

from core_ledger.journal.models import Posting
from core_ledger.journal.routes import posting_public
from core_ledger.journal.schemas import PostingPublic
from core_ledger.org.attribution import attribute
from core_ledger.withdrawals import schemas, service
from core_ledger.withdrawals.models import PaymentInstruction, PaymentStatus
from kernel.auth import Capability, User, require
from kernel.db import SessionDep

router = APIRouter(tags=["ledger: withdrawals"])
PostBusinessUser = Annotated[User, Depends(require(Capability.post_business))]
ReadLedgerUser = Annotated[User, Depends(require(Capability.read_ledger))]
SettlePaymentsUser = Annotated[User, Depends(require(Capability.settle_payments))]


def payment_public(payment: PaymentInstruction) -> schemas.PaymentPublic:
    """A payment instruction and the bank's answer, if any."""
    return schemas.PaymentPublic(
        id=payment.id or 0,
        withdrawal_id=payment.withdrawal_id,
        amount_fen=payment.amount_fen,
        status=payment.status,
        bank_ref=payment.bank_ref,
        failure_reason=payment.failure_reason,
    )


@router.post("/withdrawals", status_code=status.HTTP_201_CREATED)
def post_withdrawal(
    body: schemas.WithdrawalCreate, session: SessionDep, user: PostBusinessUser
) -> PostingPublic:
    """提取 under the signed-in teller; a payment goes to the bank and a callback follows."""
    counter = attribute(
        session,
        user=user,
        outlet_code=body.outlet_code,
        teller_code=body.teller_code,
        occurred_at=body.occurred_at,
        what="提取",
    )
    fields = body.model_dump(exclude={"documents", "heir", "agent"})
    fields.update(outlet_code=counter.outlet_code, teller_code=counter.teller_code)
    done = service.post_withdrawal(
        session, **fields, documents=body.documents, heir=body.heir, agent=body.agent
    )
    posting = session.get(Posting, done.posting_id)
    assert posting is not None
    return posting_public(session, posting)


@router.post("/payments/{payment_id}/settlement")
def settle_payment(
    payment_id: int,
    body: schemas.PaymentSettlementCreate,
    session: SessionDep,
    _: SettlePaymentsUser,
) -> schemas.PaymentPublic:
    """The bank's answer to a payment instruction (网银支付): paid, or failed and returned."""
    payment = service.settle_payment(session, payment_id=payment_id, **body.model_dump())
    return payment_public(payment)


@router.get("/payments")
def pending_payments(session: SessionDep, _: ReadLedgerUser) -> list[schemas.PaymentPublic]:
    """Payment instructions still waiting for the bank."""
    rows = session.exec(
        select(PaymentInstruction)
        .where(PaymentInstruction.status == PaymentStatus.pending)
        .order_by(col(PaymentInstruction.id))
    )
    return [payment_public(p) for p in rows]
