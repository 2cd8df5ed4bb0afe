"""HTTP routes of remittances: at the counter, self-service (单位专管员), review, bank
confirmation, reversal, arrears, and one depositor's own contribution (个人缴存)."""

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, UploadFile, status
from sqlmodel import Session

from core_ledger.accounts import service as accounts
from core_ledger.accounts.models import Unit
from core_ledger.journal.late import business_moment, record_late_entry
from core_ledger.journal.models import Posting
from core_ledger.journal.routes import posting_public
from core_ledger.journal.schemas import PostingPublic
from core_ledger.org.attribution import attribute
from core_ledger.remittance import reversal, schemas, service
from core_ledger.remittance.models import Remittance, ReversalRequest
from core_ledger.remittance.roster import RosterLine
from core_ledger.remittance.roster_file import read_roster
from kernel.auth import Capability, User, require
from kernel.db import SessionDep

router = APIRouter(tags=["ledger: remittances"])
PostBusinessUser = Annotated[User, Depends(require(Capability.post_business))]
ReadLedgerUser = Annotated[User, Depends(require(Capability.read_ledger))]
SettlePaymentsUser = Annotated[User, Depends(require(Capability.settle_payments))]
SubmitRemittanceUser = Annotated[User, Depends(require(Capability.submit_remittance))]


def _lines(body: schemas.UnitRemittanceCreate) -> list[RosterLine] | None:
    if body.lines is None:
        return None
    return [RosterLine(**line.model_dump()) for line in body.lines]


def remittance_public(session: Session, remittance: Remittance) -> schemas.RemittancePublic:
    """A remittance with who reviewed it and its receipt once posted."""
    unit = session.get(Unit, remittance.unit_id)
    reviewer = (
        session.get(User, remittance.reviewed_by_user_id)
        if remittance.reviewed_by_user_id
        else None
    )
    posting = session.get(Posting, remittance.posting_id) if remittance.posting_id else None
    assert unit is not None
    return schemas.RemittancePublic(
        id=remittance.id or 0,
        unit_code=unit.code,
        month=remittance.month,
        kind=remittance.kind,
        source=remittance.source,
        status=remittance.status,
        headcount=remittance.headcount,
        unit_fen=remittance.unit_fen,
        employee_fen=remittance.employee_fen,
        total_fen=remittance.total_fen,
        submitted_at=remittance.submitted_at,
        reviewed_by=reviewer.username if reviewer else None,
        reviewed_at=remittance.reviewed_at,
        review_reason=remittance.review_reason,
        bank_ref=remittance.bank_ref,
        receipt_no=posting.receipt_no if posting else None,
    )


@router.post("/units/{unit_code}/remittances", status_code=status.HTTP_201_CREATED)
def remit_at_counter(
    unit_code: str,
    body: schemas.CounterRemittanceCreate,
    session: SessionDep,
    user: PostBusinessUser,
) -> schemas.RemittancePublic:
    """汇缴 / 补缴 at the counter, under the signed-in teller: the whole unit posts at once."""
    counter = attribute(
        session,
        user=user,
        outlet_code=body.outlet_code,
        teller_code=body.teller_code,
        occurred_at=body.occurred_at,
        what="汇缴",
    )
    occurred_at = business_moment(user, occurred_at=body.occurred_at, late_reason=body.late_reason)
    remittance = service.remit_at_counter(
        session,
        unit_code=unit_code,
        month=body.month,
        kind=body.kind,
        idempotency_key=body.idempotency_key,
        outlet_code=counter.outlet_code,
        teller_code=counter.teller_code,
        lines=_lines(body),
        occurred_at=occurred_at,
        user_id=user.id,
    )
    if occurred_at is not None:
        _record_late(session, remittance=remittance, user=user, reason=body.late_reason)
    return remittance_public(session, remittance)


def _record_late(session: Session, *, remittance: Remittance, user: User, reason: str) -> None:
    posting = session.get(Posting, remittance.posting_id) if remittance.posting_id else None
    record_late_entry(session, posting=posting, user=user, reason=reason)


@router.post("/remittances", status_code=status.HTTP_201_CREATED)
def credit_one_account(
    body: schemas.IndividualRemittanceCreate, session: SessionDep, _: PostBusinessUser
) -> PostingPublic:
    """个人缴存: credit one month's contribution to one account (flexible employment)."""
    return posting_public(session, service.credit_individual(session, **body.model_dump()))


@router.get("/units/{unit_code}/arrears")
def unit_arrears(
    unit_code: str, session: SessionDep, _: ReadLedgerUser
) -> list[schemas.MonthOwedPublic]:
    """欠缴: months the unit has not paid."""
    return [
        schemas.MonthOwedPublic(**vars(m)) for m in service.arrears(session, unit_code=unit_code)
    ]


@router.get("/remittances")
def list_remittances(
    session: SessionDep, _: ReadLedgerUser, status: str | None = None, unit_code: str | None = None
) -> list[schemas.RemittancePublic]:
    """Remittances, newest first (status=submitted: the review queue)."""
    unit_id = accounts.get_unit(session, code=unit_code).id if unit_code else None
    rows = service.list_remittances(session, unit_id=unit_id, status=status)
    return [remittance_public(session, r) for r in rows]


@router.post("/remittances/{remittance_id}/review")
def review(
    remittance_id: int,
    body: schemas.RemittanceReviewCreate,
    session: SessionDep,
    user: PostBusinessUser,
) -> schemas.RemittancePublic:
    """A teller approves or rejects (with a reason) a self-service remittance."""
    done = service.review(
        session,
        remittance_id=remittance_id,
        approve=body.approve,
        reason=body.reason,
        user_id=user.id or 0,
    )
    return remittance_public(session, done)


@router.post("/remittances/{remittance_id}/bank-confirmation")
def confirm_transfer(
    remittance_id: int,
    body: schemas.BankConfirmationCreate,
    session: SessionDep,
    user: SettlePaymentsUser,
) -> schemas.RemittancePublic:
    """The unit's transfer arrived: post the approved remittance (finance, or the bank's feed)."""
    occurred_at = business_moment(user, occurred_at=body.occurred_at, late_reason=body.late_reason)
    done = service.confirm_transfer(
        session,
        remittance_id=remittance_id,
        bank_ref=body.bank_ref,
        amount_fen=body.amount_fen,
        occurred_at=occurred_at,
    )
    if occurred_at is not None:
        _record_late(session, remittance=done, user=user, reason=body.late_reason)
    return remittance_public(session, done)


def _reversal_public(request: ReversalRequest) -> schemas.ReversalRequestPublic:
    return schemas.ReversalRequestPublic(
        id=request.id or 0,
        remittance_id=request.remittance_id,
        reason=request.reason,
        requested_at=request.requested_at,
        approved_at=request.approved_at,
        state="已冲正" if request.posting_id else "待审批",
    )


@router.post("/remittances/{remittance_id}/reversal", status_code=status.HTTP_201_CREATED)
def ask_reversal(
    remittance_id: int, body: schemas.ReversalCreate, session: SessionDep, user: PostBusinessUser
) -> schemas.ReversalRequestPublic:
    """申请冲正 a posted remittance; another person approves it before anything moves."""
    request = reversal.request_reversal(
        session, remittance_id=remittance_id, **body.model_dump(), user_id=user.id or 0
    )
    return _reversal_public(request)


@router.post("/reversal-requests/{request_id}/approval")
def approve_reversal(
    request_id: int, session: SessionDep, user: PostBusinessUser
) -> schemas.ReversalRequestPublic:
    """审批冲正: a person other than the one who asked approves, and the reversal posts."""
    return _reversal_public(
        reversal.approve_reversal(session, request_id=request_id, user_id=user.id or 0)
    )


@router.post("/self-service/remittances", status_code=status.HTTP_201_CREATED)
def submit(
    body: schemas.UnitRemittanceCreate, session: SessionDep, user: SubmitRemittanceUser
) -> schemas.RemittancePublic:
    """网上汇缴: the unit administrator submits their own unit's remittance for review."""
    unit = accounts.unit_of(session, user=user)
    remittance = service.submit(
        session,
        unit=unit,
        month=body.month,
        kind=body.kind,
        idempotency_key=body.idempotency_key,
        lines=_lines(body),
        user_id=user.id or 0,
    )
    return remittance_public(session, remittance)


@router.post("/self-service/remittances/upload", status_code=status.HTTP_201_CREATED)
def submit_file(
    session: SessionDep,
    user: SubmitRemittanceUser,
    file: Annotated[UploadFile, File(description="汇缴清册 .xlsx 或 .csv")],
    month: Annotated[str, Form()],
    idempotency_key: Annotated[str, Form(min_length=1, max_length=100)],
    kind: Annotated[str, Form()] = "regular",
) -> schemas.RemittancePublic:
    """网上汇缴 from an Excel/CSV list."""
    unit = accounts.unit_of(session, user=user)
    lines = read_roster(file.file.read(), filename=file.filename or "upload.csv")
    remittance = service.submit(
        session,
        unit=unit,
        month=month,
        kind=kind,
        idempotency_key=idempotency_key,
        lines=lines,
        user_id=user.id or 0,
    )
    return remittance_public(session, remittance)


@router.get("/self-service/remittances")
def my_remittances(
    session: SessionDep, user: SubmitRemittanceUser
) -> list[schemas.RemittancePublic]:
    """The unit administrator's own unit's remittances and their review state."""
    unit = accounts.unit_of(session, user=user)
    return [
        remittance_public(session, r) for r in service.list_remittances(session, unit_id=unit.id)
    ]


@router.get("/self-service/arrears")
def my_arrears(session: SessionDep, user: SubmitRemittanceUser) -> list[schemas.MonthOwedPublic]:
    """The unit administrator's own unit's arrears."""
    unit = accounts.unit_of(session, user=user)
    return [
        schemas.MonthOwedPublic(**vars(m)) for m in service.arrears(session, unit_code=unit.code)
    ]
