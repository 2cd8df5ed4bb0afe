"""HTTP routes of the ledger: parties, accounts, withdrawals and payments, receipts, the books.

Remittances and loans have their own modules; their routers are included here so the app
registers one ledger router.
"""

from fastapi import APIRouter, status
from fastapi.responses import HTMLResponse
from sqlmodel import col, select

from core_ledger import schemas, withdrawal
from core_ledger.accounts.routes import router as accounts_router
from core_ledger.documents import PaymentInstruction, PaymentStatus
from core_ledger.interest.routes import router as interest_router
from core_ledger.journal.models import Posting
from core_ledger.journal.routes import posting_public
from core_ledger.journal.routes import router as journal_router
from core_ledger.journal.schemas import PostingPublic
from core_ledger.loan_routes import router as loan_router
from core_ledger.org.routes import router as org_router
from core_ledger.receipt import receipt_for, receipt_html
from core_ledger.remittance.routes import router as remittance_router
from kernel.auth import TellerUser
from kernel.db import SessionDep

router = APIRouter(prefix="/api/ledger", tags=["ledger"])


@router.post("/withdrawals", status_code=status.HTTP_201_CREATED)
def post_withdrawal(
    body: schemas.WithdrawalCreate, session: SessionDep, _: TellerUser
) -> PostingPublic:
    """提取; a payment instruction goes to the bank and a callback follows."""
    done = withdrawal.post_withdrawal(session, **body.model_dump())
    posting = session.get(Posting, done.posting_id)
    assert posting is not None
    return posting_public(session, posting)


@router.post("/payments/{payment_id}/settlement")
def settle_payment(
    payment_id: int, body: schemas.PaymentSettlement, session: SessionDep, _: TellerUser
) -> schemas.PaymentPublic:
    """The bank's answer to a payment instruction (网银支付): paid, or failed and returned."""
    payment = withdrawal.settle_payment(session, payment_id=payment_id, **body.model_dump())
    return schemas.PaymentPublic(
        id=payment.id or 0,
        withdrawal_id=payment.withdrawal_id,
        amount_fen=payment.amount_fen,
        status=payment.status,
        bank_ref=payment.bank_ref,
        failure_reason=payment.failure_reason,
    )


@router.get("/payments")
def pending_payments(session: SessionDep, _: TellerUser) -> list[schemas.PaymentPublic]:
    """Payment instructions still waiting for the bank."""
    rows = session.exec(
        select(PaymentInstruction)
        .where(PaymentInstruction.status == PaymentStatus.pending)
        .order_by(col(PaymentInstruction.id))
    )
    return [
        schemas.PaymentPublic(
            id=p.id or 0,
            withdrawal_id=p.withdrawal_id,
            amount_fen=p.amount_fen,
            status=p.status,
            bank_ref=p.bank_ref,
            failure_reason=p.failure_reason,
        )
        for p in rows
    ]


@router.get("/receipts/{receipt_no}")
def get_receipt(receipt_no: str, session: SessionDep, _: TellerUser) -> dict[str, str]:
    """票据: a posting's receipt, as labelled fields."""
    return dict(receipt_for(session, receipt_no=receipt_no).rows())


@router.get("/receipts/{receipt_no}/print", response_class=HTMLResponse)
def print_receipt(receipt_no: str, session: SessionDep, _: TellerUser) -> HTMLResponse:
    """票据: a printable page."""
    return HTMLResponse(receipt_html(receipt_for(session, receipt_no=receipt_no)))


router.include_router(org_router)
router.include_router(journal_router)
router.include_router(interest_router)
router.include_router(accounts_router)
router.include_router(remittance_router)
router.include_router(loan_router)
