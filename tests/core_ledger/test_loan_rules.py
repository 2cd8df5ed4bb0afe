"""Loan rules auditors check: eligibility, 二套 from the records, repricing, arrears."""

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlmodel import col, select

from core_ledger.accounts import service as accounts
from core_ledger.identity import make_resident_id
from core_ledger.journal.books import check_books
from core_ledger.loans import service as loans
from core_ledger.loans.eligibility import loan_limits, months_in_a_row, retirement_day
from core_ledger.loans.models import Loan, LoanInstallment, LoanRepricing, LoanStatus
from core_ledger.loans.repricing import reprice_loans
from core_ledger.remittance import service as remittances
from kernel.clock import local_date, utcnow
from kernel.errors import Conflict, Forbidden, Invalid
from kernel.periods import current_month, shift
from tests.core_ledger.conftest import Centre

pytestmark = pytest.mark.sqlite_too
TODAY = local_date(utcnow())


def _apply(centre: Centre, account_no: str | None = None, **change: object) -> Loan:
    body: dict[str, object] = {
        "account_no": account_no or centre.accounts[0],
        "project_code": "LP01",
        "amount_fen": 10_000_000,
        "term_months": 240,
        "outlet_code": "WD01",
        "teller_code": "T01",
        "idempotency_key": f"apply-{account_no}-{change}",
        **change,
    }
    return loans.apply_loan(centre.session, **body)  # type: ignore[arg-type]


def _borrow(centre: Centre, account_no: str, key: str, **change: object) -> Loan:
    body: dict[str, object] = {
        "account_no": account_no,
        "project_code": "LP01",
        "amount_fen": 10_000_000,
        "term_months": 120,
        "outlet_code": "WD01",
        "teller_code": "T01",
        "idempotency_key": key,
        **change,
    }
    return loans.post_loan(centre.session, **body)  # type: ignore[arg-type]


def test_months_in_a_row_end_this_month_or_the_last() -> None:
    today = date(2026, 12, 3)
    assert months_in_a_row({"2026-11", "2026-10", "2026-09"}, today=today) == 3
    assert months_in_a_row({"2026-12", "2026-11", "2026-09"}, today=today) == 2  # a gap
    assert months_in_a_row({"2026-10", "2026-09"}, today=today) == 0  # last month unpaid
    assert months_in_a_row(set(), today=today) == 0


def test_five_months_of_contributions_are_not_enough(centre: Centre) -> None:
    centre.contribute(months=5)
    with pytest.raises(Conflict, match="连续缴存 5 个月，申请公积金贷款须连续足额缴存满 6 个月"):
        _apply(centre)
    centre.contribute(months=6)  # the sixth month back, as a 补缴
    assert _apply(centre).status == LoanStatus.applied


def test_a_reversed_remittance_does_not_count(centre: Centre) -> None:
    centre.contribute()
    last = shift(current_month(), -1)
    remittance = remittances.list_remittances(centre.session, status="posted")[0]
    assert remittance.month == last
    remittances.reverse_remittance(
        centre.session, remittance_id=remittance.id or 0, reason="更正", idempotency_key="rv"
    )
    with pytest.raises(Conflict, match="连续缴存 0 个月"):
        _apply(centre)


def test_the_ceiling_is_a_multiple_of_the_balance_and_an_absolute_maximum(
    centre: Centre, ledger_env: Callable[..., None]
) -> None:
    centre.contribute()  # 11,520.00 yuan each
    with pytest.raises(Invalid, match=r"超过可贷额度 172,800.00 元（账户余额 11,520.00 元 × 15 倍"):
        _apply(centre, amount_fen=17_280_001)
    assert _apply(centre, amount_fen=17_280_000).principal_fen == 17_280_000
    ledger_env(LOAN_MAX_FEN="5000000")
    limits = loan_limits(centre.session, account=centre.account(centre.accounts[1]), today=TODAY)
    assert limits.ceiling_fen == 5_000_000
    with pytest.raises(Invalid, match="超过单笔上限 50,000.00 元"):
        _apply(centre, centre.accounts[1], amount_fen=5_000_001)


def test_the_term_ends_by_the_statutory_retirement_age(centre: Centre) -> None:
    born = date(TODAY.year - 55, TODAY.month, 1)
    man = accounts.open_depositor(
        centre.session,
        id_number=make_resident_id(area="110105", birth=born, sequence=11),  # odd: 男
        name="老职工",
        phone="13912345678",
        unit_code=centre.unit_code,
        wage_base_fen=800_000,
    ).account_no
    woman = accounts.open_depositor(
        centre.session,
        id_number=make_resident_id(area="110105", birth=born, sequence=12),  # even: 女
        name="女职工",
        phone="13912345679",
        unit_code=centre.unit_code,
        wage_base_fen=800_000,
    ).account_no
    centre.contribute()
    assert retirement_day("") is None  # no readable ID: no limit from it
    limits = loan_limits(centre.session, account=centre.account(man), today=TODAY)
    assert limits.retires_on == date(born.year + 60, born.month, 1)
    assert limits.max_term_months in (59, 60)
    with pytest.raises(Invalid, match="法定退休年龄.*前结束"):
        _apply(centre, man, term_months=120)
    assert _apply(centre, man, term_months=limits.max_term_months).status == LoanStatus.applied
    with pytest.raises(Invalid, match="最长可贷 0 个月"):  # 55: a woman has retired
        _apply(centre, woman, term_months=12)


def test_a_second_fund_loan_of_the_same_depositor_takes_the_second_home_rate(
    centre: Centre,
) -> None:
    centre.contribute()
    first = _borrow(centre, centre.accounts[0], "first")
    assert first.first_home and first.annual_rate == Decimal("0.026")
    first.status = LoanStatus.settled  # paid off
    centre.session.add(first)
    second = _borrow(centre, centre.accounts[0], "second")
    assert not second.first_home and second.annual_rate == Decimal("0.03075")


def test_a_spouse_loan_makes_it_second_home_only_once_the_spouse_is_recorded(
    centre: Centre,
) -> None:
    centre.contribute()
    husband, wife, other = centre.accounts
    _borrow(centre, wife, "wife")
    limits = loan_limits(centre.session, account=centre.account(husband), today=TODAY)
    assert limits.first_home  # no spouse on record: the records say first
    accounts.link_spouse(centre.session, account_no=husband, spouse_account_no=wife)
    applied = _apply(centre, husband)
    assert not applied.first_home and applied.annual_rate == Decimal("0.03075")
    assert _apply(centre, other).first_home
    with pytest.raises(Conflict, match="已登记了配偶"):
        accounts.link_spouse(centre.session, account_no=other, spouse_account_no=wife)
    with pytest.raises(Invalid, match="配偶不能是本人"):
        accounts.link_spouse(centre.session, account_no=other, spouse_account_no=other)


def test_the_maker_never_reviews_their_own_application(centre: Centre) -> None:
    centre.contribute()
    loan = loans.apply_loan(
        centre.session,
        account_no=centre.accounts[0],
        project_code="LP01",
        amount_fen=10_000_000,
        term_months=120,
        outlet_code="WD01",
        teller_code="T01",
        idempotency_key="maker",
        user_id=_user(centre, "maker"),
    )
    with pytest.raises(Forbidden, match="由您受理，不能由您本人审批"):
        loans.review_loan(
            centre.session,
            loan_id=loan.id or 0,
            approve=True,
            reason="",
            user_id=loan.applied_by_user_id,
        )
    assert loan.status == LoanStatus.applied
    checker = _user(centre, "checker")
    loans.review_loan(
        centre.session, loan_id=loan.id or 0, approve=True, reason="", user_id=checker
    )
    assert loans.disburse_loan(centre.session, loan_id=loan.id or 0).status == LoanStatus.disbursed


def _user(centre: Centre, name: str) -> int:
    from kernel.auth import create_user

    return create_user(centre.session, username=name, role="teller", password="secret-pw").id or 0


def test_loans_are_repriced_on_1_january_once(
    centre: Centre, ledger_env: Callable[..., None]
) -> None:
    centre.contribute(months=24)  # eligible on the day in November it was lent
    new_year = date(TODAY.year, 1, 1)
    disbursed = utcnow() - timedelta(days=(TODAY - new_year).days + 45)  # mid-November before
    loan = _borrow(centre, centre.accounts[0], "old", occurred_at=disbursed)
    loans.repay_due(centre.session, on=new_year - timedelta(days=1))  # the old year's installments
    unchanged = reprice_loans(centre.session, year=TODAY.year)
    assert (unchanged.loans, unchanged.installments) == (0, 0)  # the rate did not change
    ledger_env(LOAN_RATE_FIRST_HOME_LONG="0.0285")
    outstanding = loans.outstanding_fen(centre.session, loan_id=loan.id or 0)
    run = reprice_loans(centre.session, year=TODAY.year)
    assert run.loans == 1
    assert loan.annual_rate == Decimal("0.0285")
    rows = centre.session.exec(
        select(LoanInstallment)
        .where(LoanInstallment.loan_id == loan.id, col(LoanInstallment.posting_id).is_(None))
        .order_by(col(LoanInstallment.no))
    ).all()
    assert len(rows) == run.installments and rows[0].due_on >= new_year
    assert sum(r.principal_fen for r in rows) == outstanding  # still repays exactly what is owed
    assert rows[0].interest_fen == round(outstanding * Decimal("0.0285") / 12)
    repriced = centre.session.exec(select(LoanRepricing)).one()
    assert (repriced.old_rate, repriced.new_rate) == (Decimal("0.026"), Decimal("0.0285"))
    assert reprice_loans(centre.session, year=TODAY.year).loans == 0  # safe to run twice
    loans.repay_due(centre.session)
    assert check_books(centre.session) == []
    with pytest.raises(Invalid, match="尚未到"):
        reprice_loans(centre.session, year=TODAY.year + 1)


def test_an_uncollected_bank_part_is_arrears_until_collected(centre: Centre) -> None:
    centre.contribute(months=9)
    loan = _borrow(centre, centre.accounts[0], "late", occurred_at=utcnow() - timedelta(days=70))
    run = loans.repay_due(centre.session, uncollected=[loan.id or 0])
    assert (run.installments, run.uncollected) == (0, 2)
    [arrears] = loans.arrears(centre.session)
    due = centre.session.exec(
        select(LoanInstallment)
        .where(LoanInstallment.loan_id == loan.id)
        .order_by(col(LoanInstallment.no))
    ).all()[:2]
    assert arrears.loan_id == loan.id and arrears.installments == 2
    assert arrears.amount_fen == due[0].payment_fen + due[1].payment_fen
    assert arrears.overdue_since == due[0].due_on
    assert arrears.days_overdue == (TODAY - due[0].due_on).days > 0
    assert centre.balance(centre.accounts[0]) == 1_728_000  # nothing taken
    assert check_books(centre.session) == []
    collected = loans.repay_due(centre.session)  # the bank pays at the next run
    assert collected.installments == 2 and loans.arrears(centre.session) == []
