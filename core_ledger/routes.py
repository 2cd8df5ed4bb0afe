"""HTTP routes of the ledger: thin, translating bodies to service calls."""

from typing import Annotated

from fastapi import APIRouter, Depends, status
from sqlmodel import Session, select

from core_ledger import schemas, service
from core_ledger.models import Depositor, FundAccount, Outlet, Posting
from kernel.auth import Role, User, require_roles
from kernel.db import SessionDep
from kernel.phone import mask

router = APIRouter(prefix="/api/ledger", tags=["ledger"])
Teller = Annotated[User, Depends(require_roles(Role.teller, Role.manager))]


def _posting_public(session: Session, posting: Posting) -> schemas.PostingPublic:
    account = session.get(FundAccount, posting.fund_account_id)
    assert account is not None and posting.id is not None
    return schemas.PostingPublic(
        id=posting.id,
        receipt_no=posting.receipt_no,
        kind=posting.kind,
        amount_fen=posting.amount_fen,
        account_no=account.account_no,
        balance_fen=account.balance_fen,
        occurred_at=posting.occurred_at,
    )


@router.post("/outlets", status_code=status.HTTP_201_CREATED)
def create_outlet(
    body: schemas.OutletCreate, session: SessionDep, _: Teller
) -> schemas.OutletPublic:
    """Register an outlet."""
    outlet = service.create_outlet(session, code=body.code, name=body.name)
    return schemas.OutletPublic(id=outlet.id or 0, code=outlet.code, name=outlet.name)


@router.post("/staff", status_code=status.HTTP_201_CREATED)
def create_staff(body: schemas.StaffCreate, session: SessionDep, _: Teller) -> schemas.StaffPublic:
    """Register a teller at an outlet."""
    staff = service.create_staff(session, **body.model_dump())
    return schemas.StaffPublic(
        id=staff.id or 0,
        code=staff.code,
        name=staff.name,
        outlet_code=body.outlet_code,
        phone_masked=mask(staff.phone),
    )


@router.post("/depositors", status_code=status.HTTP_201_CREATED)
def open_depositor(
    body: schemas.DepositorCreate, session: SessionDep, _: Teller
) -> schemas.AccountPublic:
    """Register a depositor and open their account."""
    account = service.open_depositor(session, **body.model_dump())
    return _account_public(session, account)


@router.get("/accounts/{account_no}")
def get_account(account_no: str, session: SessionDep, _: Teller) -> schemas.AccountPublic:
    """A fund account with its balance."""
    return _account_public(session, service.get_account(session, account_no=account_no))


def _account_public(session: Session, account: FundAccount) -> schemas.AccountPublic:
    depositor = session.get(Depositor, account.depositor_id)
    assert depositor is not None
    return schemas.AccountPublic(
        account_no=account.account_no,
        name=depositor.name,
        phone_masked=mask(depositor.phone),
        status=account.status,
        balance_fen=account.balance_fen,
    )


@router.post("/remittances", status_code=status.HTTP_201_CREATED)
def post_remittance(
    body: schemas.RemittanceCreate, session: SessionDep, _: Teller
) -> schemas.PostingPublic:
    """Credit one month's remittance to an account."""
    posting = service.credit_account(session, **body.model_dump())
    return _posting_public(session, posting)


@router.post("/withdrawals", status_code=status.HTTP_201_CREATED)
def post_withdrawal(
    body: schemas.WithdrawalCreate, session: SessionDep, _: Teller
) -> schemas.PostingPublic:
    """Post a withdrawal; a callback follows."""
    withdrawal = service.post_withdrawal(session, **body.model_dump())
    posting = session.get(Posting, withdrawal.posting_id)
    assert posting is not None
    return _posting_public(session, posting)


@router.post("/loans", status_code=status.HTTP_201_CREATED)
def post_loan(body: schemas.LoanCreate, session: SessionDep, _: Teller) -> schemas.PostingPublic:
    """Disburse a loan; callbacks follow for the borrower and the project contact."""
    loan = service.post_loan(session, **body.model_dump())
    posting = session.get(Posting, loan.posting_id)
    assert posting is not None
    return _posting_public(session, posting)


@router.get("/outlets")
def list_outlets(session: SessionDep, _: Teller) -> list[schemas.OutletPublic]:
    """Every outlet."""
    rows = session.exec(select(Outlet).order_by(Outlet.code))
    return [schemas.OutletPublic(id=o.id or 0, code=o.code, name=o.name) for o in rows]
