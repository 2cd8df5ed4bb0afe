"""Loans (贷款) on contracted projects: approval, disbursement, schedule, offset repayment."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import col, select

from core_ledger.accounts import service as accounts
from core_ledger.journal.books import check_books
from core_ledger.journal.idempotency import IdempotencyConflict
from core_ledger.journal.service import AccountNotUsable
from core_ledger.loans import service as loans
from core_ledger.loans.models import Loan, LoanInstallment, LoanStatus
from core_ledger.outbox.models import OutboxEvent
from kernel.clock import local_date, utcnow
from kernel.errors import Conflict, Invalid, NotFound
from tests.core_ledger.conftest import Centre

# Postings write lines and move balances differently on SQLite (the demo): run there too.
pytestmark = pytest.mark.sqlite_too


@pytest.fixture
def centre(centre: Centre) -> Centre:
    """The ledger's centre with nine months paid (17,280.00 yuan in each account): its
    depositors may borrow, today and on a day up to three months back."""
    centre.contribute(months=9)
    return centre


def _loan(centre: Centre, **change: object) -> Loan:
    body: dict[str, object] = {
        "account_no": centre.accounts[0],
        "project_code": "LP01",
        "amount_fen": 15_000_000,
        "term_months": 240,
        "outlet_code": "WD01",
        "teller_code": "T01",
        "idempotency_key": "loan-1",
        **change,
    }
    return loans.post_loan(centre.session, **body)  # type: ignore[arg-type]


def test_a_loan_is_disbursed_with_its_schedule_and_one_event_naming_the_project_contact(
    centre: Centre,
) -> None:
    loan = _loan(centre)
    assert loan.status == LoanStatus.disbursed
    assert loan.annual_rate == Decimal("0.026")  # first home, over five years
    schedule = centre.session.exec(
        select(LoanInstallment).where(LoanInstallment.loan_id == loan.id)
    ).all()
    assert len(schedule) == 240
    assert sum(i.principal_fen for i in schedule) == 15_000_000
    assert loans.outstanding_fen(centre.session, loan_id=loan.id or 0) == 15_000_000
    events = centre.session.exec(select(OutboxEvent)).all()
    assert [e.kind for e in events] == ["loan.completed"]
    assert events[0].payload["project_contact"] == {"name": "周经理", "phone": "+8613700000001"}
    assert events[0].payload["person"]["account_no"] == centre.accounts[0]
    assert _loan(centre).id == loan.id  # the same request again
    assert len(centre.session.exec(select(OutboxEvent)).all()) == 1
    with pytest.raises(IdempotencyConflict):
        _loan(centre, amount_fen=1_000_000)


def test_a_short_loan_takes_the_short_rate(centre: Centre) -> None:
    assert _loan(centre, term_months=60).annual_rate == Decimal("0.021")


@pytest.mark.parametrize(
    ("change", "error", "words"),
    [
        ({"project_code": "NOPE"}, NotFound, "找不到签约楼盘"),
        ({"amount_fen": 0}, Invalid, "金额必须大于 0"),
        ({"term_months": 6}, Invalid, "贷款期限"),
        ({"term_months": 400}, Invalid, "贷款期限"),
        ({"account_no": "899999999999"}, NotFound, "找不到公积金账号"),
    ],
)
def test_bad_loans_are_refused(
    centre: Centre, change: dict[str, object], error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        _loan(centre, **change)
    assert centre.session.exec(select(OutboxEvent)).all() == []


def test_one_open_loan_at_a_time_and_only_from_a_normal_account(centre: Centre) -> None:
    _loan(centre)
    with pytest.raises(Conflict, match="未结清"):
        _loan(centre, idempotency_key="loan-2")
    accounts.change_status(
        centre.session, account_no=centre.accounts[1], action="freeze", reason="冻结"
    )
    with pytest.raises(AccountNotUsable):
        _loan(centre, idempotency_key="loan-3", account_no=centre.accounts[1])


def test_application_review_and_disbursement_step_by_step(centre: Centre) -> None:
    applied = loans.apply_loan(
        centre.session,
        account_no=centre.accounts[0],
        project_code="LP01",
        amount_fen=10_000_000,
        term_months=120,
        outlet_code="WD01",
        teller_code="T01",
        idempotency_key="apply-1",
    )
    with pytest.raises(Conflict, match="审批通过后"):
        loans.disburse_loan(centre.session, loan_id=applied.id or 0)
    with pytest.raises(Invalid, match="原因"):
        loans.review_loan(
            centre.session, loan_id=applied.id or 0, approve=False, reason="", user_id=None
        )
    loans.review_loan(
        centre.session, loan_id=applied.id or 0, approve=True, reason="", user_id=None
    )
    loan = loans.disburse_loan(centre.session, loan_id=applied.id or 0)
    again = loans.disburse_loan(centre.session, loan_id=applied.id or 0)
    assert loan.status == again.status == LoanStatus.disbursed
    assert len(centre.session.exec(select(OutboxEvent)).all()) == 1


def test_offset_repayment_takes_the_fund_balance_first_then_the_bank(centre: Centre) -> None:
    disbursed = utcnow() - timedelta(days=70)
    # Over a year, two payments are more than the 17,280.00 yuan the fund holds.
    loan = _loan(centre, offset_repayment=True, occurred_at=disbursed, term_months=12)
    installments = centre.session.exec(
        select(LoanInstallment)
        .where(LoanInstallment.loan_id == loan.id)
        .order_by(col(LoanInstallment.no))
    ).all()
    due_now = [i for i in installments if i.due_on <= local_date(utcnow())]
    assert len(due_now) == 2
    run = loans.repay_due(centre.session)
    assert run.installments == 2
    first, second = due_now
    assert (first.offset_fen, first.bank_fen) == (first.payment_fen, 0)
    left = 1_728_000 - first.payment_fen
    assert second.offset_fen == left and second.bank_fen == second.payment_fen - left
    assert centre.balance(centre.accounts[0]) == 0
    repaid = first.principal_fen + second.principal_fen
    assert loans.outstanding_fen(centre.session, loan_id=loan.id or 0) == 15_000_000 - repaid
    assert loans.repay_due(centre.session).installments == 0  # safe to run twice
    assert check_books(centre.session) == []


def test_without_offset_the_bank_pays_everything(centre: Centre) -> None:
    loan = _loan(centre, occurred_at=utcnow() - timedelta(days=40))
    run = loans.repay_due(centre.session)
    assert (run.installments, run.offset_fen) == (1, 0)
    assert centre.balance(centre.accounts[0]) == 1_728_000
    assert loan.status == LoanStatus.disbursed
