"""HTTP routes of the ledger: parties, accounts, withdrawals and payments, receipts, the books.

Remittances and loans have their own modules; their routers are included here so the app
registers one ledger router.
"""

from fastapi import APIRouter, status
from fastapi.responses import HTMLResponse
from sqlmodel import Session, col, func, select

from core_ledger import accounts, schemas, withdrawal
from core_ledger.documents import PaymentInstruction, PaymentStatus
from core_ledger.interest.routes import router as interest_router
from core_ledger.interest.service import accrued_interest
from core_ledger.journal.models import FundAccount, Posting
from core_ledger.journal.routes import posting_public
from core_ledger.journal.routes import router as journal_router
from core_ledger.journal.schemas import PostingPublic
from core_ledger.loan_routes import router as loan_router
from core_ledger.models import Depositor, Unit
from core_ledger.org.routes import router as org_router
from core_ledger.receipt import receipt_for, receipt_html
from core_ledger.remittance_flow import credit_individual
from core_ledger.remittance_routes import router as remittance_router
from kernel.auth import TellerUser
from kernel.clock import local_date, utcnow
from kernel.db import SessionDep
from kernel.phone import mask

router = APIRouter(prefix="/api/ledger", tags=["ledger"])


def unit_public(session: Session, unit: Unit) -> schemas.UnitPublic:
    """A unit with its current headcount."""
    headcount = session.exec(
        select(func.count()).where(FundAccount.unit_id == unit.id, FundAccount.status == "normal")
    ).one()
    return schemas.UnitPublic(
        code=unit.code,
        credit_code=unit.credit_code,
        name=unit.name,
        contact_name=unit.contact_name,
        contact_phone_masked=mask(unit.contact_phone),
        unit_rate=unit.unit_rate,
        employee_rate=unit.employee_rate,
        first_month=unit.first_month,
        headcount=int(headcount),
    )


@router.post("/units", status_code=status.HTTP_201_CREATED)
def register_unit(
    body: schemas.UnitCreate, session: SessionDep, _: TellerUser
) -> schemas.UnitPublic:
    """单位开户."""
    return unit_public(session, accounts.register_unit(session, **body.model_dump()))


@router.get("/units/{unit_code}")
def get_unit(unit_code: str, session: SessionDep, _: TellerUser) -> schemas.UnitPublic:
    """A unit by its account number or credit code."""
    return unit_public(session, accounts.get_unit(session, code=unit_code))


@router.post("/units/{unit_code}/administrators", status_code=status.HTTP_201_CREATED)
def link_administrator(
    unit_code: str, body: schemas.AdministratorLink, session: SessionDep, _: TellerUser
) -> dict[str, str]:
    """Make a unit_admin user this unit's administrator (单位专管员)."""
    accounts.link_administrator(session, unit_code=unit_code, username=body.username)
    return {"unit_code": unit_code, "username": body.username}


@router.post("/depositors", status_code=status.HTTP_201_CREATED)
def open_depositor(
    body: schemas.DepositorCreate, session: SessionDep, _: TellerUser
) -> schemas.AccountPublic:
    """Register a depositor and open their account."""
    return account_public(session, accounts.open_depositor(session, **body.model_dump()))


@router.get("/accounts/{account_no}")
def get_account(account_no: str, session: SessionDep, _: TellerUser) -> schemas.AccountPublic:
    """A fund account with its balance and the interest accrued since the last settlement."""
    return account_public(session, accounts.get_account(session, account_no=account_no))


@router.post("/accounts/{account_no}/status")
def change_status(
    account_no: str, body: schemas.StatusChange, session: SessionDep, _: TellerUser
) -> schemas.AccountPublic:
    """封存 / 冻结 / 解冻."""
    account = accounts.change_status(session, account_no=account_no, **body.model_dump())
    return account_public(session, account)


@router.post("/accounts/{account_no}/transfer")
def transfer(
    account_no: str, body: schemas.Transfer, session: SessionDep, _: TellerUser
) -> schemas.AccountPublic:
    """转移 an account to a new unit."""
    account = accounts.transfer_account(session, account_no=account_no, **body.model_dump())
    return account_public(session, account)


@router.put("/accounts/{account_no}/wage-base")
def set_wage_base(
    account_no: str, body: schemas.WageBase, session: SessionDep, _: TellerUser
) -> schemas.AccountPublic:
    """Record a depositor's wage base (缴存基数)."""
    account = accounts.set_wage_base(session, account_no=account_no, **body.model_dump())
    return account_public(session, account)


def account_public(session: Session, account: FundAccount) -> schemas.AccountPublic:
    """An account as a teller sees it."""
    depositor = session.get(Depositor, account.depositor_id)
    unit = session.get(Unit, account.unit_id) if account.unit_id else None
    assert depositor is not None
    accrued = accrued_interest(session, account=account, through=local_date(utcnow()))
    return schemas.AccountPublic(
        account_no=account.account_no,
        name=depositor.name,
        phone_masked=mask(depositor.phone),
        status=account.status,
        balance_fen=account.balance_fen,
        unit_code=unit.code if unit else None,
        wage_base_fen=account.wage_base_fen,
        accrued_interest_fen=accrued,
    )


@router.post("/remittances", status_code=status.HTTP_201_CREATED)
def credit_one_account(
    body: schemas.RemittanceCreate, session: SessionDep, _: TellerUser
) -> PostingPublic:
    """个人缴存: credit one month's contribution to one account (flexible employment)."""
    return posting_public(session, credit_individual(session, **body.model_dump()))


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
router.include_router(remittance_router)
router.include_router(loan_router)
