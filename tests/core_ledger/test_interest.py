from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core_ledger.interest.calculation import balance_product, interest_for_period, settlement_period
from kernel.errors import Invalid

RATE = Decimal("0.015")


def test_a_steady_balance_for_a_whole_interest_year() -> None:
    # 10,000 yuan × 365 days = 积数 365,000,000 fen-days; × 1.5% / 360 = 15,208.33 fen.
    interest = interest_for_period(
        opening_balance_fen=1_000_000,
        balance_changes=[],
        start=date(2024, 7, 1),
        end=date(2025, 6, 30),
        annual_rate=RATE,
    )
    assert interest == 15_208


def test_deposits_and_withdrawals_count_from_their_day() -> None:
    # Jul 1–10: 0; Jul 11–20: 1,000 yuan; Jul 21–31: 500 yuan.
    # 积数 = 10 × 100,000 + 11 × 50,000 = 1,550,000; × 1.5% / 360 = 64.58 fen.
    changes = [(date(2024, 7, 21), -50_000), (date(2024, 7, 11), 100_000)]
    start, end = date(2024, 7, 1), date(2024, 7, 31)
    product = balance_product(opening_balance_fen=0, balance_changes=changes, start=start, end=end)
    interest = interest_for_period(
        opening_balance_fen=0, balance_changes=changes, start=start, end=end, annual_rate=RATE
    )
    assert (product, interest) == (1_550_000, 65)


@pytest.mark.parametrize(("product", "expected"), [(36_000, 2), (35_999, 1), (30_000, 1)])
def test_interest_rounds_half_up_once_at_the_end(product: int, expected: int) -> None:
    # 36,000 × 1.5% / 360 = 1.5 fen exactly; 35,999 gives 1.49996; 30,000 gives 1.25.
    day = date(2025, 1, 1)
    assert (
        interest_for_period(
            opening_balance_fen=product, balance_changes=[], start=day, end=day, annual_rate=RATE
        )
        == expected
    )


def test_a_change_on_the_first_or_last_day_counts_for_that_day() -> None:
    start, end = date(2025, 1, 1), date(2025, 1, 10)
    on_first = balance_product(
        opening_balance_fen=0, balance_changes=[(start, 100)], start=start, end=end
    )
    on_last = balance_product(
        opening_balance_fen=0, balance_changes=[(end, 100)], start=start, end=end
    )
    assert (on_first, on_last) == (1_000, 100)


def test_only_the_closing_balance_of_a_day_must_not_be_negative() -> None:
    day = date(2025, 1, 5)
    product = balance_product(
        opening_balance_fen=100,
        balance_changes=[(day, -300), (day, 250)],
        start=date(2025, 1, 1),
        end=date(2025, 1, 10),
    )
    assert product == 4 * 100 + 6 * 50


@pytest.mark.parametrize(
    ("opening", "changes", "start", "end", "message"),
    [
        (0, [], date(2025, 1, 2), date(2025, 1, 1), "截止日"),
        (0, [(date(2024, 12, 31), 5)], date(2025, 1, 1), date(2025, 1, 31), "不在计息区间"),
        (0, [(date(2025, 2, 1), 5)], date(2025, 1, 1), date(2025, 1, 31), "不在计息区间"),
        (100, [(date(2025, 1, 9), -101)], date(2025, 1, 1), date(2025, 1, 31), "余额为负"),
        (-1, [], date(2025, 1, 1), date(2025, 1, 31), "余额为负"),
    ],
)
def test_impossible_periods_are_refused(
    opening: int, changes: list[tuple[date, int]], start: date, end: date, message: str
) -> None:
    with pytest.raises(Invalid, match=message):
        balance_product(opening_balance_fen=opening, balance_changes=changes, start=start, end=end)


def test_a_negative_rate_is_refused() -> None:
    with pytest.raises(Invalid, match="年利率"):
        interest_for_period(
            opening_balance_fen=1,
            balance_changes=[],
            start=date(2025, 1, 1),
            end=date(2025, 1, 1),
            annual_rate=Decimal("-0.01"),
        )


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2024, 7, 1), (date(2024, 7, 1), date(2025, 6, 30))),
        (date(2025, 1, 15), (date(2024, 7, 1), date(2025, 6, 30))),
        (date(2025, 6, 30), (date(2024, 7, 1), date(2025, 6, 30))),
        (date(2025, 7, 1), (date(2025, 7, 1), date(2026, 6, 30))),
    ],
)
def test_the_interest_year_runs_july_first_to_june_thirtieth(
    day: date, expected: tuple[date, date]
) -> None:
    assert settlement_period(day) == expected


def test_settlement_date_is_configurable() -> None:
    assert settlement_period(date(2025, 5, 1), settle_month=12, settle_day=31) == (
        date(2025, 1, 1),
        date(2025, 12, 31),
    )
    # A Feb 29 settlement falls on Feb 28 in common years.
    assert settlement_period(date(2025, 3, 1), settle_month=2, settle_day=29) == (
        date(2025, 3, 1),
        date(2026, 2, 28),
    )


_START = date(2024, 7, 1)
_END = date(2025, 6, 30)
_changes = st.lists(
    st.tuples(
        st.dates(min_value=_START, max_value=_END), st.integers(min_value=0, max_value=10**8)
    ),
    max_size=20,
)


def _daily_sum(opening: int, changes: list[tuple[date, int]]) -> int:
    """Reference 积数: walk every day of the period."""
    total, day = 0, _START
    while day <= _END:
        total += opening + sum(amount for on, amount in changes if on <= day)
        day += timedelta(days=1)
    return total


@given(opening=st.integers(min_value=0, max_value=10**9), changes=_changes)
def test_balance_product_equals_the_sum_of_daily_closing_balances(
    opening: int, changes: list[tuple[date, int]]
) -> None:
    product = balance_product(
        opening_balance_fen=opening, balance_changes=changes, start=_START, end=_END
    )
    assert product == _daily_sum(opening, changes)


@given(
    opening=st.integers(min_value=0, max_value=10**9),
    extra=st.integers(min_value=0, max_value=10**9),
    changes=_changes,
    rate=st.decimals(min_value=Decimal(0), max_value=Decimal("0.05"), places=4),
)
def test_interest_is_monotone_in_balance(
    opening: int, extra: int, changes: list[tuple[date, int]], rate: Decimal
) -> None:
    def interest(balance: int) -> int:
        return interest_for_period(
            opening_balance_fen=balance,
            balance_changes=changes,
            start=_START,
            end=_END,
            annual_rate=rate,
        )

    assert 0 <= interest(opening) <= interest(opening + extra)


@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 1, 1)),
    days=st.integers(min_value=0, max_value=400),
    rate=st.decimals(min_value=Decimal(0), max_value=Decimal("0.05"), places=4),
)
def test_zero_balance_earns_zero(start: date, days: int, rate: Decimal) -> None:
    end = start + timedelta(days=days)
    assert (
        interest_for_period(
            opening_balance_fen=0, balance_changes=[], start=start, end=end, annual_rate=rate
        )
        == 0
    )
