from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core_ledger.config import LedgerSettings
from core_ledger.loans.amortization import (
    add_months,
    equal_installment_schedule,
    loan_rate,
    offset_amount,
)
from kernel.errors import Invalid


def _exact_annuity_fen(principal_fen: int, annual_rate: Fraction, months: int) -> Fraction:
    """The textbook payment in exact rational arithmetic, independent of Decimal."""
    r = annual_rate / 12
    growth = (1 + r) ** months
    return principal_fen * r * growth / (growth - 1)


def test_three_hundred_thousand_over_twenty_years_at_two_point_six_percent() -> None:
    schedule = equal_installment_schedule(
        principal_fen=30_000_000,
        annual_rate=Decimal("0.026"),
        months=240,
        first_due_on=date(2024, 1, 31),
    )
    exact = _exact_annuity_fen(30_000_000, Fraction(26, 1000), 240)
    assert 160_436 < exact < 160_436.5  # 1,604.36 yuan a month, as loan calculators show
    first = schedule[0]
    # 300,000 × 2.6% / 12 = 650.00 yuan of interest in the first month.
    assert (first.payment_fen, first.interest_fen, first.principal_fen) == (160_436, 65_000, 95_436)
    assert first.balance_after_fen == 30_000_000 - 95_436
    assert all(item.payment_fen == 160_436 for item in schedule[:-1])
    assert schedule[-1].balance_after_fen == 0
    assert sum(item.principal_fen for item in schedule) == 30_000_000


def test_a_one_month_loan_repays_principal_plus_one_month_of_interest() -> None:
    (only,) = equal_installment_schedule(
        principal_fen=1_000_000,
        annual_rate=Decimal("0.024"),
        months=1,
        first_due_on=date(2025, 3, 20),
    )
    assert (only.payment_fen, only.principal_fen, only.interest_fen) == (
        1_002_000,
        1_000_000,
        2_000,
    )


def test_zero_rate_splits_principal_and_the_last_month_takes_the_remainder() -> None:
    schedule = equal_installment_schedule(
        principal_fen=100_000, annual_rate=Decimal(0), months=3, first_due_on=date(2025, 1, 1)
    )
    assert [item.payment_fen for item in schedule] == [33_333, 33_333, 33_334]


def test_due_dates_clamp_to_month_end_but_keep_the_original_day() -> None:
    schedule = equal_installment_schedule(
        principal_fen=1_000_000,
        annual_rate=Decimal("0.026"),
        months=4,
        first_due_on=date(2024, 1, 31),
    )
    assert [item.due_on for item in schedule] == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
    ]
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 11, 30), 2) == date(2025, 1, 30)


def test_a_tiny_loan_over_a_long_term_never_overpays() -> None:
    # 5 fen over 10 months: the rounded payment (1 fen) would repay it by month 5.
    schedule = equal_installment_schedule(
        principal_fen=5, annual_rate=Decimal(0), months=10, first_due_on=date(2025, 1, 1)
    )
    assert [item.principal_fen for item in schedule] == [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    assert min(item.balance_after_fen for item in schedule) == 0


@pytest.mark.parametrize(
    ("principal", "rate", "months", "message"),
    [
        (0, Decimal("0.026"), 12, "贷款金额"),
        (100, Decimal("0.026"), 0, "贷款期限"),
        (100, Decimal("0.026"), 361, "贷款期限"),
        (100, Decimal("-0.01"), 12, "年利率"),
    ],
)
def test_impossible_loans_are_refused(
    principal: int, rate: Decimal, months: int, message: str
) -> None:
    with pytest.raises(Invalid, match=message):
        equal_installment_schedule(
            principal_fen=principal, annual_rate=rate, months=months, first_due_on=date(2025, 1, 1)
        )


@pytest.mark.parametrize(
    ("term", "first_home", "expected"),
    [
        (60, True, Decimal("0.021")),
        (61, True, Decimal("0.026")),
        (60, False, Decimal("0.02525")),
        (360, False, Decimal("0.03075")),
    ],
)
def test_loan_rate_defaults(term: int, first_home: bool, expected: Decimal) -> None:
    assert loan_rate(term_months=term, first_home=first_home, settings=LedgerSettings()) == expected


def test_loan_rate_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUIFANG_LOAN_RATE_FIRST_HOME_LONG", "0.0285")
    assert loan_rate(term_months=240, first_home=True, settings=LedgerSettings()) == Decimal(
        "0.0285"
    )


def test_loan_rate_refuses_a_zero_term() -> None:
    with pytest.raises(Invalid, match="贷款期限"):
        loan_rate(term_months=0, first_home=True, settings=LedgerSettings())


@pytest.mark.parametrize(
    ("balance", "due", "expected"),
    [(500_00, 300_00, 300_00), (200_00, 300_00, 200_00), (-5, 300_00, 0), (500_00, -1, 0)],
)
def test_offset_moves_the_smaller_of_balance_and_due(balance: int, due: int, expected: int) -> None:
    assert offset_amount(fund_balance_fen=balance, installment_due_fen=due) == expected


@given(
    principal=st.integers(min_value=1, max_value=500_000_000),
    rate=st.decimals(min_value=Decimal(0), max_value=Decimal("0.1"), places=5),
    months=st.integers(min_value=1, max_value=360),
    first_due_on=st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31)),
)
def test_schedule_repays_exactly_the_loan_and_never_goes_negative(
    principal: int, rate: Decimal, months: int, first_due_on: date
) -> None:
    schedule = equal_installment_schedule(
        principal_fen=principal, annual_rate=rate, months=months, first_due_on=first_due_on
    )
    assert len(schedule) == months
    assert sum(item.principal_fen for item in schedule) == principal
    assert schedule[-1].balance_after_fen == 0
    balance = principal
    for item in schedule:
        assert item.principal_fen >= 0 and item.interest_fen >= 0
        assert item.payment_fen == item.principal_fen + item.interest_fen
        assert item.balance_after_fen == balance - item.principal_fen >= 0
        balance = item.balance_after_fen
    due_dates = [item.due_on for item in schedule]
    assert due_dates == sorted(set(due_dates))


@given(
    principal=st.integers(min_value=1_000_000, max_value=500_000_000),
    rate=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("0.1"), places=5),
    months=st.integers(min_value=1, max_value=360),
)
def test_payment_matches_the_exact_annuity_to_half_a_fen(
    principal: int, rate: Decimal, months: int
) -> None:
    schedule = equal_installment_schedule(
        principal_fen=principal, annual_rate=rate, months=months, first_due_on=date(2025, 1, 15)
    )
    exact = _exact_annuity_fen(principal, Fraction(rate), months)
    assert abs(schedule[0].payment_fen - exact) <= Fraction(1, 2)
