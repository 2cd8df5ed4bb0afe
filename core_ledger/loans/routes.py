"""HTTP routes of contracted projects, loans and repayment runs."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from sqlmodel import Session, select

from core_ledger.accounts.service import get_account
from core_ledger.journal.models import FundAccount, Posting
from core_ledger.loans import eligibility, schemas, service
from core_ledger.loans.models import Loan, LoanInstallment, Project
from core_ledger.loans.repricing import reprice_loans
from core_ledger.org.attribution import attribute
from kernel.auth import Capability, User, require
from kernel.clock import local_date, utcnow
from kernel.db import SessionDep
from kernel.periods import FIRST_YEAR, LAST_YEAR
from kernel.phone import mask

router = APIRouter(tags=["ledger: loans"])
PostBusinessUser = Annotated[User, Depends(require(Capability.post_business))]
ReadLedgerUser = Annotated[User, Depends(require(Capability.read_ledger))]
RunInterestUser = Annotated[User, Depends(require(Capability.run_interest))]


@router.post("/projects", status_code=status.HTTP_201_CREATED)
def create_project(
    body: schemas.ProjectCreate, session: SessionDep, _: PostBusinessUser
) -> schemas.ProjectPublic:
    """Register a contracted project (签约楼盘) and its responsible person."""
    project = service.create_project(session, **body.model_dump())
    return _project_public(project)


def _project_public(project: Project) -> schemas.ProjectPublic:
    return schemas.ProjectPublic(
        code=project.code,
        name=project.name,
        developer=project.developer,
        contact_name=project.contact_name,
        contact_phone_masked=mask(project.contact_phone),
        active=project.active,
    )


def loan_public(session: Session, loan: Loan) -> schemas.LoanPublic:
    """A loan with what is still owed and its monthly payment."""
    account = session.get(FundAccount, loan.fund_account_id)
    project = session.get(Project, loan.project_id)
    posting = session.get(Posting, loan.posting_id) if loan.posting_id else None
    first = session.exec(
        select(LoanInstallment).where(LoanInstallment.loan_id == loan.id, LoanInstallment.no == 1)
    ).first()
    assert account is not None and project is not None
    return schemas.LoanPublic(
        id=loan.id or 0,
        account_no=account.account_no,
        project_code=project.code,
        principal_fen=loan.principal_fen,
        term_months=loan.term_months,
        annual_rate=loan.annual_rate,
        first_home=loan.first_home,
        offset_repayment=loan.offset_repayment,
        status=loan.status,
        outstanding_fen=service.outstanding_fen(session, loan_id=loan.id or 0),
        first_due_on=loan.first_due_on,
        monthly_payment_fen=first.payment_fen if first else None,
        receipt_no=posting.receipt_no if posting else None,
    )


def _attributed(session: Session, user: User, body: schemas.LoanCreate) -> dict[str, Any]:
    """The loan's fields, its outlet and teller those of the signed-in teller."""
    counter = attribute(
        session,
        user=user,
        outlet_code=body.outlet_code,
        teller_code=body.teller_code,
        occurred_at=None,  # an application is taken now
        what="贷款",
    )
    fields = body.model_dump()
    fields.update(outlet_code=counter.outlet_code, teller_code=counter.teller_code)
    return fields


@router.post("/loans/applications", status_code=status.HTTP_201_CREATED)
def apply_loan(
    body: schemas.LoanCreate, session: SessionDep, user: PostBusinessUser
) -> schemas.LoanPublic:
    """贷款受理: an application (eligibility checked) waiting for another person's approval.

    There is no one-step loan: the maker never approves (审批) their own application."""
    fields = _attributed(session, user, body)
    return loan_public(session, service.apply_loan(session, **fields, user_id=user.id))


@router.get("/loans/limits/{account_no}")
def loan_limits(
    account_no: str, session: SessionDep, _: ReadLedgerUser
) -> schemas.LoanLimitsPublic:
    """可贷额度: months contributed, the ceiling, the longest term and 首套/二套, for today."""
    account = get_account(session, account_no=account_no)
    limits = eligibility.loan_limits(session, account=account, today=local_date(utcnow()))
    return schemas.LoanLimitsPublic(
        account_no=account.account_no,
        contribution_months=limits.contribution_months,
        ceiling_fen=limits.ceiling_fen,
        retires_on=limits.retires_on,
        max_term_months=limits.max_term_months,
        first_home=limits.first_home,
    )


@router.get("/loans/arrears")
def loans_in_arrears(session: SessionDep, _: ReadLedgerUser) -> list[schemas.LoanArrearsPublic]:
    """逾期: loans whose bank collection failed, the amount and the days overdue."""
    return [schemas.LoanArrearsPublic(**vars(a)) for a in service.arrears(session)]


@router.post("/loans/repricings")
def reprice(
    session: SessionDep,
    _: RunInterestUser,
    year: Annotated[int | None, Query(ge=FIRST_YEAR, le=LAST_YEAR)] = None,
) -> schemas.RepricingRunPublic:
    """1 月 1 日重定价: loans take the rate in force when it changed; safe to run twice."""
    return schemas.RepricingRunPublic(**vars(reprice_loans(session, year=year)))


@router.post("/loans/{loan_id}/review")
def review_loan(
    loan_id: int, body: schemas.LoanReviewCreate, session: SessionDep, user: PostBusinessUser
) -> schemas.LoanPublic:
    """审批: approve or reject with a reason."""
    loan = service.review_loan(
        session, loan_id=loan_id, approve=body.approve, reason=body.reason, user_id=user.id
    )
    return loan_public(session, loan)


@router.post("/loans/{loan_id}/disbursement")
def disburse_loan(loan_id: int, session: SessionDep, _: PostBusinessUser) -> schemas.LoanPublic:
    """放款 an approved loan (once)."""
    return loan_public(session, service.disburse_loan(session, loan_id=loan_id))


@router.get("/loans/{loan_id}")
def get_loan(loan_id: int, session: SessionDep, _: ReadLedgerUser) -> schemas.LoanPublic:
    """A loan."""
    loan = session.get(Loan, loan_id)
    if loan is None:
        service.get_loan(session, loan_id=loan_id)  # raises the clear 404
    assert loan is not None
    return loan_public(session, loan)


@router.post("/repayments/run")
def run_repayments(
    session: SessionDep, _: RunInterestUser, body: schemas.RepaymentRunCreate | None = None
) -> schemas.RepaymentRunPublic:
    """Collect every installment due (offset repayment first); safe to run twice. Loans the
    bank could not debit fall into arrears (逾期) and are tried again at the next run."""
    body = body or schemas.RepaymentRunCreate()
    run = service.repay_due(session, on=body.on, uncollected=body.uncollected_loan_ids)
    return schemas.RepaymentRunPublic(**vars(run))
