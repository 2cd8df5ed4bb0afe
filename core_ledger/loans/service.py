"""贷款: contracted projects (签约楼盘), loan application, review, disbursement, the repayment
schedule (等额本息) and monthly repayment with offset (对冲还贷) from the fund account."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from core_ledger.accounts.service import get_account
from core_ledger.config import get_ledger_settings
from core_ledger.journal import service as journal
from core_ledger.journal.idempotency import replayed, request_hash
from core_ledger.journal.models import (
    STATUS_ZH,
    AccountStatus,
    FundAccount,
    GlAccount,
    JournalLine,
)
from core_ledger.journal.service import Line
from core_ledger.limits import AmountKind, within_ceiling
from core_ledger.loans.amortization import (
    MAX_TERM_MONTHS,
    add_months,
    equal_installment_schedule,
    loan_rate,
    offset_amount,
)
from core_ledger.loans.eligibility import check_eligible
from core_ledger.loans.models import (
    LOAN_STATUS_ZH,
    Loan,
    LoanInstallment,
    LoanStatus,
    Project,
)
from core_ledger.org.service import outlet_and_teller
from core_ledger.outbox.events import business_event
from core_ledger.outbox.service import emit
from kernel.clock import local_date, utcnow
from kernel.errors import Conflict, Forbidden, Invalid, NotFound
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
    offset_repayment: bool = False,
    user_id: int | None = None,
    as_of: date | None = None,
) -> Loan:
    """受理: a borrower applies at an outlet for a loan on a contracted project (checked by
    `eligibility`; 首套 or 二套 from the records, never from the application)."""
    payload = {
        "account_no": account_no,
        "project_code": project_code,
        "amount_fen": amount_fen,
        "term_months": term_months,
        "outlet_code": outlet_code,
        "teller_code": teller_code,
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
    limits = check_eligible(
        session,
        account=account,
        amount_fen=amount_fen,
        term_months=term_months,
        today=as_of or local_date(utcnow()),
    )
    first_home = limits.first_home
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
        applied_by_user_id=user_id,
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
    """审批: approve, or reject with a reason; never by the person who took the application."""
    loan = get_loan(session, loan_id=loan_id)
    target = LoanStatus.approved if approve else LoanStatus.rejected
    if loan.status == target and loan.reviewed_by_user_id == user_id:
        return loan  # the same review, sent twice
    if user_id is not None and user_id == loan.applied_by_user_id:
        raise Forbidden(
            f"贷款 {loan_id} 由您受理，不能由您本人审批；请交由另一名有审批权限的人员审批"
        )
    if loan.status != LoanStatus.applied:
        raise Conflict(
            f"贷款 {loan_id} 当前状态为{LOAN_STATUS_ZH[loan.status]}，不能再审批"
            + ("（已由另一人审批）" if loan.reviewed_by_user_id else "")
        )
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
        raise Conflict(
            f"贷款 {loan_id} 当前状态为{LOAN_STATUS_ZH[loan.status]}，须由另一人审批通过后才能放款"
        )
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
    offset_repayment: bool = False,
    user_id: int | None = None,
    occurred_at: datetime | None = None,
) -> Loan:
    """Accept, approve and disburse in one go — for business brought over from an earlier
    system and the demo, never a route: at the counter a second person reviews (review_loan)."""
    loan = apply_loan(
        session,
        account_no=account_no,
        project_code=project_code,
        amount_fen=amount_fen,
        term_months=term_months,
        outlet_code=outlet_code,
        teller_code=teller_code,
        idempotency_key=idempotency_key,
        offset_repayment=offset_repayment,
        as_of=local_date(journal.moment(occurred_at)),  # judged on the day it happened
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
    uncollected: int = 0  # installments whose bank part the bank did not collect (逾期)


def repay_due(
    session: Session, *, on: date | None = None, uncollected: Collection[int] = ()
) -> RepaymentRun:
    """Collect every installment due by a day (offset first, then the bank); safe to rerun.

    `uncollected`: loans whose bank debit failed (the bank's return file). Their installments
    that need the bank stay unpaid and fall into arrears; the next run tries them again.
    """
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
    failed = set(uncollected)
    for installment in due:
        if installment.loan_id in failed and _needs_the_bank(session, installment=installment):
            if installment.collection_failed_on is None:
                installment.collection_failed_on = on
                session.add(installment)
            run.uncollected += 1
            continue
        _repay(session, installment=installment, run=run)
    session.flush()
    return run


def _needs_the_bank(session: Session, *, installment: LoanInstallment) -> bool:
    """Whether an installment needs money from the bank (offset repayment may cover it)."""
    loan = get_loan(session, loan_id=installment.loan_id)
    if not loan.offset_repayment:
        return True
    account = journal.lock_account(session, account_id=loan.fund_account_id)
    usable = account.status in (AccountStatus.normal, AccountStatus.sealed)
    covered = offset_amount(
        fund_balance_fen=account.balance_fen if usable else 0,
        installment_due_fen=installment.payment_fen,
    )
    return covered < installment.payment_fen


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


@dataclass(frozen=True)
class LoanArrears:
    """逾期: a loan with installments the bank did not collect, and for how long."""

    loan_id: int
    account_no: str
    installments: int
    amount_fen: int
    overdue_since: date
    days_overdue: int


def arrears(session: Session, *, on: date | None = None) -> list[LoanArrears]:
    """Every loan in arrears on a day: unpaid installments whose bank collection failed."""
    on = on or local_date(utcnow())
    rows = session.execute(
        sa_select(
            col(LoanInstallment.loan_id),
            col(FundAccount.account_no),
            func.count(),
            func.sum(LoanInstallment.payment_fen),
            func.min(LoanInstallment.due_on),
        )
        .join(Loan, col(Loan.id) == LoanInstallment.loan_id)
        .join(FundAccount, col(FundAccount.id) == Loan.fund_account_id)
        .where(
            col(LoanInstallment.posting_id).is_(None),
            col(LoanInstallment.collection_failed_on).is_not(None),
        )
        .group_by(col(LoanInstallment.loan_id), col(FundAccount.account_no))
        .order_by(col(LoanInstallment.loan_id))
    ).all()
    return [
        LoanArrears(
            loan_id=loan_id,
            account_no=account_no,
            installments=int(count),
            amount_fen=int(amount),
            overdue_since=since,
            days_overdue=max(0, (on - since).days),
        )
        for loan_id, account_no, count, amount, since in rows
    ]
