"""HTTP routes of units (单位开户, 专管员), depositors (个人开户) and fund accounts."""

from typing import Annotated

from fastapi import APIRouter, Depends, status
from sqlmodel import Session, func, select

from core_ledger.accounts import schemas, service
from core_ledger.accounts.models import Depositor, Unit
from core_ledger.interest.service import accrued_interest
from core_ledger.journal.models import FundAccount
from kernel.auth import Capability, User, require
from kernel.clock import local_date, utcnow
from kernel.db import SessionDep
from kernel.phone import mask

router = APIRouter(tags=["ledger: accounts"])
PostBusinessUser = Annotated[User, Depends(require(Capability.post_business))]
ReadLedgerUser = Annotated[User, Depends(require(Capability.read_ledger))]


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
    body: schemas.UnitCreate, session: SessionDep, _: PostBusinessUser
) -> schemas.UnitPublic:
    """单位开户."""
    return unit_public(session, service.register_unit(session, **body.model_dump()))


@router.get("/units/{unit_code}")
def get_unit(unit_code: str, session: SessionDep, _: ReadLedgerUser) -> schemas.UnitPublic:
    """A unit by its account number or credit code."""
    return unit_public(session, service.get_unit(session, code=unit_code))


@router.post("/units/{unit_code}/administrators", status_code=status.HTTP_201_CREATED)
def link_administrator(
    unit_code: str, body: schemas.UnitAdministratorCreate, session: SessionDep, _: PostBusinessUser
) -> dict[str, str]:
    """Make a unit_admin user this unit's administrator (单位专管员)."""
    service.link_administrator(session, unit_code=unit_code, username=body.username)
    return {"unit_code": unit_code, "username": body.username}


@router.post("/depositors", status_code=status.HTTP_201_CREATED)
def open_depositor(
    body: schemas.DepositorCreate, session: SessionDep, _: PostBusinessUser
) -> schemas.AccountPublic:
    """Register a depositor and open their account."""
    return account_public(session, service.open_depositor(session, **body.model_dump()))


@router.get("/accounts/{account_no}")
def get_account(account_no: str, session: SessionDep, _: ReadLedgerUser) -> schemas.AccountPublic:
    """A fund account with its balance and the interest accrued since the last settlement."""
    return account_public(session, service.get_account(session, account_no=account_no))


@router.post("/accounts/{account_no}/status")
def change_status(
    account_no: str, body: schemas.AccountStatusUpdate, session: SessionDep, _: PostBusinessUser
) -> schemas.AccountPublic:
    """封存 / 冻结 / 解冻."""
    account = service.change_status(session, account_no=account_no, **body.model_dump())
    return account_public(session, account)


@router.post("/accounts/{account_no}/transfer")
def transfer(
    account_no: str, body: schemas.TransferCreate, session: SessionDep, _: PostBusinessUser
) -> schemas.AccountPublic:
    """转移 an account to a new unit."""
    account = service.transfer_account(session, account_no=account_no, **body.model_dump())
    return account_public(session, account)


@router.put("/accounts/{account_no}/wage-base")
def set_wage_base(
    account_no: str, body: schemas.WageBaseUpdate, session: SessionDep, _: PostBusinessUser
) -> schemas.AccountPublic:
    """Record a depositor's wage base (缴存基数)."""
    account = service.set_wage_base(session, account_no=account_no, **body.model_dump())
    return account_public(session, account)


@router.put("/accounts/{account_no}/spouse")
def link_spouse(
    account_no: str, body: schemas.SpouseLinkCreate, session: SessionDep, _: PostBusinessUser
) -> schemas.AccountPublic:
    """登记配偶: a spouse's earlier fund loan makes the next loan of either a second use (二套)."""
    service.link_spouse(session, account_no=account_no, spouse_account_no=body.spouse_account_no)
    return account_public(session, service.get_account(session, account_no=account_no))


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
