"""HTTP routes of withdrawals (提取) and the bank's answers to their payments (网银支付)."""

from typing import Annotated

from fastapi import APIRouter, Depends, status
from sqlmodel import Session, col, select

from core_ledger.identity import mask_id_number
from core_ledger.journal.late import business_moment, record_late_entry
from core_ledger.journal.models import FundAccount, Posting
from core_ledger.journal.routes import posting_public
from core_ledger.journal.schemas import PostingPublic
from core_ledger.org.attribution import attribute
from core_ledger.withdrawals import schemas, service
from core_ledger.withdrawals.models import (
    DOCUMENT_ZH,
    GROUND_ZH,
    PARTY_ZH,
    DocumentKind,
    PartyRole,
    PaymentInstruction,
    PaymentStatus,
    Withdrawal,
    WithdrawalDocument,
    WithdrawalGround,
    WithdrawalParty,
)
from kernel.auth import Capability, User, require
from kernel.db import SessionDep
from kernel.errors import NotFound
from kernel.phone import mask

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
    occurred_at = business_moment(user, occurred_at=body.occurred_at, late_reason=body.late_reason)
    fields = body.model_dump(exclude={"documents", "heir", "agent", "late_reason", "occurred_at"})
    fields.update(outlet_code=counter.outlet_code, teller_code=counter.teller_code)
    done = service.post_withdrawal(
        session,
        **fields,
        occurred_at=occurred_at,
        documents=body.documents,
        heir=body.heir,
        agent=body.agent,
    )
    posting = session.get(Posting, done.posting_id)
    assert posting is not None
    if occurred_at is not None:
        record_late_entry(session, posting=posting, user=user, reason=body.late_reason)
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


def withdrawal_public(session: Session, withdrawal: Withdrawal) -> schemas.WithdrawalPublic:
    """A withdrawal with its documents and parties; ID numbers and phones masked."""
    account = session.get(FundAccount, withdrawal.fund_account_id)
    posting = session.get(Posting, withdrawal.posting_id)
    payment = session.exec(
        select(PaymentInstruction).where(PaymentInstruction.withdrawal_id == withdrawal.id)
    ).first()
    assert account is not None and posting is not None
    documents = session.exec(
        select(WithdrawalDocument)
        .where(WithdrawalDocument.withdrawal_id == withdrawal.id)
        .order_by(col(WithdrawalDocument.id))
    ).all()
    parties = session.exec(
        select(WithdrawalParty)
        .where(WithdrawalParty.withdrawal_id == withdrawal.id)
        .order_by(col(WithdrawalParty.id))
    ).all()
    roles = {PartyRole(p.role) for p in parties}
    called = next((r.value for r in (PartyRole.agent, PartyRole.heir) if r in roles), "depositor")
    return schemas.WithdrawalPublic(
        id=withdrawal.id or 0,
        account_no=account.account_no,
        ground=withdrawal.reason,
        ground_zh=GROUND_ZH[WithdrawalGround(withdrawal.reason)],
        amount_fen=withdrawal.amount_fen,
        closes_account=withdrawal.closes_account,
        occurred_at=withdrawal.occurred_at,
        receipt_no=posting.receipt_no,
        payee_name=payment.payee_name if payment else "",
        called=called,
        documents=[
            schemas.DocumentPublic(
                kind=d.kind, kind_zh=DOCUMENT_ZH[DocumentKind(d.kind)], number=d.number
            )
            for d in documents
        ],
        parties=[
            schemas.PartyPublic(
                role=p.role,
                role_zh=PARTY_ZH[PartyRole(p.role)],
                name=p.name,
                id_number_masked=mask_id_number(p.id_number),
                phone_masked=mask(p.phone),
                relationship=p.relationship,
                document_ref=p.document_ref,
            )
            for p in parties
        ],
    )


@router.get("/withdrawals/{withdrawal_id}")
def get_withdrawal(
    withdrawal_id: int, session: SessionDep, _: ReadLedgerUser
) -> schemas.WithdrawalPublic:
    """提取 as filed: ground, amount, supporting documents (要件), heir or agent, who is called."""
    withdrawal = session.get(Withdrawal, withdrawal_id)
    if withdrawal is None:
        raise NotFound(f"找不到提取业务 {withdrawal_id}")
    return withdrawal_public(session, withdrawal)
