"""HTTP routes of contracted projects, loans and repayment runs."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, status
from sqlmodel import Session, select

from core_ledger.journal.models import FundAccount, Posting
from core_ledger.journal.routes import posting_public
from core_ledger.journal.schemas import PostingPublic
from core_ledger.loans import schemas, service
from core_ledger.loans.models import Loan, LoanInstallment, Project
from core_ledger.org.attribution import attribute
from kernel.auth import Capability, User, require
from kernel.db import SessionDep
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
        occurred_at=body.occurred_at,
        what="贷款",
    )
    fields = body.model_dump()
    fields.update(outlet_code=counter.outlet_code, teller_code=counter.teller_code)
    return fields


@router.post("/loans", status_code=status.HTTP_201_CREATED)
def post_loan(
    body: schemas.LoanCreate, session: SessionDep, user: PostBusinessUser
) -> PostingPublic:
    """贷款 at the counter in one go (accept, approve, disburse), under the signed-in teller;
    callbacks follow for the borrower and the project's responsible person."""
    loan = service.post_loan(session, **_attributed(session, user, body), user_id=user.id)
    posting = session.get(Posting, loan.posting_id)
    assert posting is not None
    return posting_public(session, posting)


@router.post("/loans/applications", status_code=status.HTTP_201_CREATED)
def apply_loan(
    body: schemas.LoanCreate, session: SessionDep, user: PostBusinessUser
) -> schemas.LoanPublic:
    """贷款受理: an application waiting for approval, taken by the signed-in teller."""
    fields = _attributed(session, user, body)
    del fields["occurred_at"]
    return loan_public(session, service.apply_loan(session, **fields))


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
    session: SessionDep, _: RunInterestUser, on: date | None = None
) -> schemas.RepaymentRunPublic:
    """Collect every installment due (offset repayment first); safe to run twice."""
    return schemas.RepaymentRunPublic(**vars(service.repay_due(session, on=on)))
