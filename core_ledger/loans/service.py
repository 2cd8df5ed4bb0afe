"""贷款: contracted projects (签约楼盘), loan application, review, disbursement, the repayment
schedule (等额本息) and monthly repayment with offset (对冲还贷) from the fund account."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, func, select

from core_ledger.accounts.service import get_account
from core_ledger.config import get_ledger_settings
from core_ledger.journal import service as journal
from core_ledger.journal.idempotency import replayed, request_hash
from core_ledger.journal.models import STATUS_ZH, AccountStatus, GlAccount, JournalLine
from core_ledger.journal.service import Line
from core_ledger.limits import AmountKind, within_ceiling
from core_ledger.loans.amortization import (
    MAX_TERM_MONTHS,
    add_months,
    equal_installment_schedule,
    loan_rate,
    offset_amount,
)
from core_ledger.loans.models import Loan, LoanInstallment, LoanStatus, Project
from core_ledger.org.service import outlet_and_teller
from core_ledger.outbox.events import business_event
from core_ledger.outbox.service import emit
from kernel.clock import local_date, utcnow
from kernel.errors import Conflict, Invalid, NotFound
from kernel.phone import normalize

MIN_TERM_MONTHS = 12
OPEN = (LoanStatus.applied, LoanStatus.approved, LoanStatus.disbursed)


def create_project(
    session: Session, *, code: str, name: str, developer: str, contact_name: str, contact_phone: str
) -> Project:
    """Register a contracted real-estate project with its responsible person."""
    if session.exec(select(Project).where(Project.code == code)).first():
        raise Conflict(f"楼盘编号 {code} 已存在")
    if not contact_name.strip():
        raise Invalid("请填写楼盘负责人姓名（贷款回访需要联系楼盘负责人）")
    project = Project(
        code=code.strip(),
        name=name.strip(),
        developer=developer.strip(),
        contact_name=contact_name.strip(),
        contact_phone=normalize(contact_phone),
    )
    session.add(project)
    session.flush()
    return project


def get_project(session: Session, *, code: str) -> Project:
    """A contracted project by code; loans can only name an active one."""
    project = session.exec(select(Project).where(Project.code == code.strip())).first()
    if project is None:
        raise NotFound(
            f"找不到签约楼盘 {code!r}，请核对楼盘编号（只有与中心签约的楼盘可以办理贷款）"
        )
    if not project.active:
        raise Conflict(f"楼盘 {project.name} 的合作协议已终止，不能再办理贷款")
    return project


def apply_loan(
    session: Session,
    *,
    account_no: str,
    project_code: str,
    amount_fen: int,
    term_months: int,
    outlet_code: str,
    teller_code: str,
    idempotency_key: str,
    first_home: bool = True,
    offset_repayment: bool = False,
) -> Loan:
    """受理: a borrower applies at an outlet for a loan on a contracted project."""
    payload = {
        "account_no": account_no,
        "project_code": project_code,
        "amount_fen": amount_fen,
        "term_months": term_months,
        "outlet_code": outlet_code,
        "teller_code": teller_code,
        "first_home": first_home,
        "offset_repayment": offset_repayment,
    }
    if replay := replayed(session, Loan, key=idempotency_key, payload=payload):
        return replay
    journal.positive(amount_fen)
    within_ceiling(amount_fen, kind=AmountKind.loan)
    if not MIN_TERM_MONTHS <= term_months <= MAX_TERM_MONTHS:
        raise Invalid(
            f"贷款期限应在 {MIN_TERM_MONTHS} 到 {MAX_TERM_MONTHS} 个月之间，收到 {term_months}"
        )
    outlet, teller = outlet_and_teller(session, outlet_code=outlet_code, teller_code=teller_code)
    project = get_project(session, code=project_code)
    account = get_account(session, account_no=account_no, for_update=True)
    if account.status != AccountStatus.normal:
        raise journal.AccountNotUsable(
            f"账户 {account.account_no} 状态为{STATUS_ZH[account.status]}，"
            "不能申请贷款（须正常缴存）"
        )
    open_loan = session.exec(
        select(Loan).where(Loan.fund_account_id == account.id, col(Loan.status).in_(OPEN))
    ).first()
    if open_loan is not None:
        raise Conflict(f"账户 {account.account_no} 已有未结清的公积金贷款（贷款号 {open_loan.id}）")
    loan = Loan(
        fund_account_id=account.id or 0,
        project_id=project.id or 0,
        principal_fen=amount_fen,
        term_months=term_months,
        first_home=first_home,
        annual_rate=loan_rate(
            term_months=term_months, first_home=first_home, settings=get_ledger_settings()
        ),
        offset_repayment=offset_repayment,
        status=LoanStatus.applied,
        idempotency_key=idempotency_key,
        request_hash=request_hash(payload),
        outlet_id=outlet.id or 0,
        teller_id=teller.id or 0,
    )
    session.add(loan)
    session.flush()
    return loan


def get_loan(session: Session, *, loan_id: int) -> Loan:
    """A loan, locked for a change of status."""
    loan = session.get(Loan, loan_id, with_for_update=True)
    if loan is None:
        raise NotFound(f"找不到贷款 {loan_id}，请核对贷款号")
    return loan


def review_loan(
    session: Session, *, loan_id: int, approve: bool, reason: str, user_id: int | None
) -> Loan:
    """审批: approve, or reject with a reason."""
    loan = get_loan(session, loan_id=loan_id)
    target = LoanStatus.approved if approve else LoanStatus.rejected
    if loan.status == target:
        return loan
    if loan.status != LoanStatus.applied:
        raise Conflict(f"贷款 {loan_id} 当前状态为 {loan.status}，不能再审批")
    if not approve and not reason.strip():
        raise Invalid("不予批准须填写原因")
    loan.status, loan.reviewed_by_user_id, loan.reviewed_at = target, user_id, utcnow()
    loan.review_reason = reason.strip()[:200]
    session.add(loan)
    session.flush()
    return loan


def disburse_loan(session: Session, *, loan_id: int, occurred_at: datetime | None = None) -> Loan:
    """放款: pay the loan out, write its schedule, and emit one outbox event (once)."""
    loan = get_loan(session, loan_id=loan_id)
    if loan.status in (LoanStatus.disbursed, LoanStatus.settled):
        return loan  # already disbursed: a retry
    if loan.status != LoanStatus.approved:
        raise Conflict(f"贷款 {loan_id} 当前状态为 {loan.status}，审批通过后才能放款")
    project = session.get(Project, loan.project_id)
    account = journal.lock_account(session, account_id=loan.fund_account_id)
    assert project is not None
    posting = journal.post(
        session,
        kind="loan",
        lines=[
            Line(GlAccount.loans, loan.principal_fen, loan_id=loan.id),
            Line(GlAccount.bank, -loan.principal_fen),
        ],
        fund_account_id=account.id,
        outlet_id=loan.outlet_id,
        teller_id=loan.teller_id,
        occurred_at=occurred_at,
        memo=f"{project.name} 公积金贷款放款",
    )
    loan.status, loan.posting_id, loan.disbursed_at = (
        LoanStatus.disbursed,
        posting.id,
        posting.occurred_at,
    )
    loan.first_due_on = add_months(local_date(posting.occurred_at), 1)
    session.add(loan)
    _write_schedule(session, loan=loan)
    event = business_event(
        session, kind="loan", business_id=loan.id or 0, posting=posting, account=account
    )
    event["project_contact"] = {"name": project.contact_name, "phone": project.contact_phone}
    event.update(
        project={"code": project.code, "name": project.name}, principal_fen=loan.principal_fen
    )
    emit(session, kind="loan.completed", aggregate_id=loan.id or 0, payload=event)
    return loan


def _write_schedule(session: Session, *, loan: Loan) -> None:
    assert loan.first_due_on is not None
    schedule = equal_installment_schedule(
        principal_fen=loan.principal_fen,
        annual_rate=loan.annual_rate,
        months=loan.term_months,
        first_due_on=loan.first_due_on,
    )
    rows: list[dict[str, Any]] = [
        {
            "loan_id": loan.id,
            "no": i.no,
            "due_on": i.due_on,
            "payment_fen": i.payment_fen,
            "principal_fen": i.principal_fen,
            "interest_fen": i.interest_fen,
            "offset_fen": 0,
            "bank_fen": 0,
        }
        for i in schedule
    ]
    session.execute(insert(LoanInstallment), rows)


def post_loan(
    session: Session,
    *,
    account_no: str,
    project_code: str,
    amount_fen: int,
    outlet_code: str,
    teller_code: str,
    idempotency_key: str,
    term_months: int = 240,
    first_home: bool = True,
    offset_repayment: bool = False,
    user_id: int | None = None,
    occurred_at: datetime | None = None,
) -> Loan:
    """At the counter in one go: accept, approve and disburse (贷款受理、审批、放款)."""
    loan = apply_loan(
        session,
        account_no=account_no,
        project_code=project_code,
        amount_fen=amount_fen,
        term_months=term_months,
        outlet_code=outlet_code,
        teller_code=teller_code,
        idempotency_key=idempotency_key,
        first_home=first_home,
        offset_repayment=offset_repayment,
    )
    if loan.status == LoanStatus.applied:
        review_loan(session, loan_id=loan.id or 0, approve=True, reason="柜面审批", user_id=user_id)
    return disburse_loan(session, loan_id=loan.id or 0, occurred_at=occurred_at)


def outstanding_fen(session: Session, *, loan_id: int) -> int:
    """The principal still owed on a loan, from the journal."""
    total = session.exec(
        select(func.coalesce(func.sum(JournalLine.amount_fen), 0)).where(
            JournalLine.gl_account == GlAccount.loans, JournalLine.loan_id == loan_id
        )
    ).one()
    return int(total)


@dataclass
class RepaymentRun:
    """What a repayment run did."""

    installments: int = 0
    offset_fen: int = 0
    bank_fen: int = 0
    settled_loans: int = 0


def repay_due(session: Session, *, on: date | None = None) -> RepaymentRun:
    """Collect every installment due by a day (offset first, then the bank); safe to rerun."""
    on = on or local_date(utcnow())
    due = session.exec(
        select(LoanInstallment)
        .join(Loan, col(Loan.id) == LoanInstallment.loan_id)
        .where(Loan.status == LoanStatus.disbursed, col(LoanInstallment.posting_id).is_(None))
        .where(LoanInstallment.due_on <= on)
        .order_by(col(LoanInstallment.loan_id), col(LoanInstallment.no))
        .with_for_update()
    ).all()
    run = RepaymentRun()
    for installment in due:
        _repay(session, installment=installment, run=run)
    return run


def _repay(session: Session, *, installment: LoanInstallment, run: RepaymentRun) -> None:
    loan = get_loan(session, loan_id=installment.loan_id)
    account = journal.lock_account(session, account_id=loan.fund_account_id)
    usable = loan.offset_repayment and account.status in (
        AccountStatus.normal,
        AccountStatus.sealed,
    )
    offset = offset_amount(
        fund_balance_fen=account.balance_fen if usable else 0,
        installment_due_fen=installment.payment_fen,
    )
    bank = installment.payment_fen - offset
    # Money moves when the run collects it (a late run does not rewrite history).
    posting = journal.post(
        session,
        kind="loan.repayment",
        lines=[
            *([Line(GlAccount.deposits, offset, fund_account_id=account.id)] if offset else []),
            Line(GlAccount.bank, bank),
            Line(GlAccount.loans, -installment.principal_fen, loan_id=loan.id),
            Line(GlAccount.loan_interest, -installment.interest_fen),
        ],
        accounts=[account],
        key=f"loan-{loan.id}-installment-{installment.no}",
        payload={"loan_id": loan.id, "no": installment.no},
        fund_account_id=account.id,
        memo=f"贷款 {loan.id} 第 {installment.no} 期还款" + ("（对冲还贷）" if offset else ""),
    )
    installment.offset_fen, installment.bank_fen = offset, bank
    installment.posting_id, installment.paid_at = posting.id, posting.occurred_at
    session.add(installment)
    run.installments += 1
    run.offset_fen += offset
    run.bank_fen += bank
    if installment.no == loan.term_months:
        loan.status = LoanStatus.settled
        session.add(loan)
        run.settled_loans += 1
    session.flush()
