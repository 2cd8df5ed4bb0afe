"""Deposit interest as auditors check it: a dated rate table and the two conventions.

The worked examples are the ones in docs/ledger-rules.md.
"""

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core_ledger.accounts import service as accounts
from core_ledger.config import InterestConvention, LedgerSettings
from core_ledger.identity import make_resident_id
from core_ledger.interest.calculation import interest_with_rates, rate_segments
from core_ledger.interest.service import settle_interest
from core_ledger.journal.books import check_books
from core_ledger.remittance import service as remittances
from kernel.clock import centre_tz
from tests.core_ledger.conftest import Centre

pytestmark = pytest.mark.sqlite_too
YEAR = (date(2025, 7, 1), date(2026, 6, 30))  # 365 days
FLAT = ((date.min, Decimal("0.015")),)
CUT = ((date.min, Decimal("0.015")), (date(2026, 1, 1), Decimal("0.012")))
SPLIT = InterestConvention.carry_split


def _interest(
    rates: tuple[tuple[date, Decimal], ...],
    convention: InterestConvention = InterestConvention.daily_balance,
    *,
    changes: list[tuple[date, int]] | None = None,
    opening: int = 1_000_000,
    end: date = YEAR[1],
) -> int:
    return interest_with_rates(
        opening_balance_fen=opening,
        balance_changes=changes or [],
        start=YEAR[0],
        end=end,
        rates=rates,
        convention=convention,
        whole_year=end == YEAR[1],
    )


def test_a_rate_applies_from_its_day_not_to_the_whole_year() -> None:
    # 10,000.00 yuan all year; 1.5% to 31 Dec (184 days), 1.2% from 1 Jan (181 days).
    assert rate_segments(start=YEAR[0], end=YEAR[1], rates=CUT) == [
        (date(2025, 7, 1), date(2025, 12, 31), Decimal("0.015")),
        (date(2026, 1, 1), date(2026, 6, 30), Decimal("0.012")),
    ]
    assert _interest(CUT) == 13_700  # 1,000,000 × (184 × 1.5% + 181 × 1.2%) / 360
    assert _interest(FLAT) == 15_208  # today's rate applied to the whole year would give this
    assert _interest(((date.min, Decimal("0.012")),)) == 12_167


def test_the_split_convention_worked_example() -> None:
    # 上年结转余额 10,000.00 yuan; 1,000.00 yuan paid in on 1 December (212 days to 30 June).
    paid = [(date(2025, 12, 1), 100_000)]
    assert _interest(FLAT, SPLIT, changes=paid) == 15_883  # 15,000 + 100,000×212×1.5%/360
    assert _interest(FLAT, changes=paid) == 16_092  # daily balance: 1,100,000 from 1 Dec
    # The rate cut on 1 January, under the split convention:
    # 1,000,000 × (184×1.5% + 181×1.2%) / 365 + 100,000 × (31×1.5% + 181×1.2%) / 360
    assert _interest(CUT, SPLIT, changes=paid) == 13_512 + 733


def test_part_of_a_year_under_the_split_convention_counts_days() -> None:
    # Closed on 31 December (销户结息): the carried balance earns 184 days, over 360.
    assert _interest(FLAT, SPLIT, end=date(2025, 12, 31)) == 7_667
    assert _interest(FLAT, end=date(2025, 12, 31)) == 7_667


def test_withdrawals_count_against_the_year_and_never_below_zero() -> None:
    taken = [(date(2025, 7, 1), -1_000_000)]  # all of it, on the first day
    assert _interest(FLAT, changes=taken) == 0
    assert _interest(FLAT, SPLIT, changes=taken) == 0  # 15,000 − 15,208.33 is not a charge


def test_a_rate_table_that_starts_too_late_is_refused() -> None:
    with pytest.raises(Exception, match="没有适用的存款利率"):
        rate_segments(start=YEAR[0], end=YEAR[1], rates=((date(2026, 1, 1), Decimal("0.01")),))


_rates = st.decimals(min_value=Decimal(0), max_value=Decimal("0.05"), places=4)
_days = st.dates(min_value=YEAR[0], max_value=YEAR[1])


@given(
    rate=_rates,
    cut=_days,
    opening=st.integers(0, 10**9),
    paid=st.lists(st.tuples(_days, st.integers(0, 10**8)), max_size=10),
    convention=st.sampled_from(list(InterestConvention)),
)
def test_a_change_to_the_same_rate_changes_nothing(
    rate: Decimal,
    cut: date,
    opening: int,
    paid: list[tuple[date, int]],
    convention: InterestConvention,
) -> None:
    flat = ((date.min, rate),)
    same = ((date.min, rate), (cut, rate))
    assert _interest(same, convention, changes=paid, opening=opening) == _interest(
        flat, convention, changes=paid, opening=opening
    )


@given(
    low=_rates,
    high=_rates,
    cut=_days,
    opening=st.integers(0, 10**9),
    paid=st.lists(st.tuples(_days, st.integers(0, 10**8)), max_size=10),
    convention=st.sampled_from(list(InterestConvention)),
)
def test_a_mid_year_change_lies_between_the_two_rates(
    low: Decimal,
    high: Decimal,
    cut: date,
    opening: int,
    paid: list[tuple[date, int]],
    convention: InterestConvention,
) -> None:
    low, high = min(low, high), max(low, high)
    mixed = _interest(((date.min, high), (cut, low)), convention, changes=paid, opening=opening)
    assert _interest(((date.min, low),), convention, changes=paid, opening=opening) <= mixed
    assert mixed <= _interest(((date.min, high),), convention, changes=paid, opening=opening)


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12), centre_tz())


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, 16_092),
        ({"INTEREST_CONVENTION": "split"}, 15_883),
        ({"DEPOSIT_INTEREST_RATES": "2026-01-01:0.012"}, 13_700 + 733),
        ({"DEPOSIT_INTEREST_RATES": "2026-01-01:0.012", "INTEREST_CONVENTION": "split"}, 14_245),
    ],
)
def test_the_yearly_settlement_follows_the_table_and_the_convention(
    centre: Centre, ledger_env: Callable[..., None], env: dict[str, str], expected: int
) -> None:
    ledger_env(**env)
    account_no = accounts.open_depositor(
        centre.session,
        id_number=make_resident_id(area="110105", birth=date(1990, 5, 5), sequence=77),
        name="灵活就业",
        phone="13912340000",
        wage_base_fen=800_000,
        opened_at=_noon(date(2025, 6, 1)),
    ).account_no
    for day, amount, key in (
        (date(2025, 6, 15), 1_000_000, "a"),
        (date(2025, 12, 1), 100_000, "b"),
    ):
        remittances.credit_individual(
            centre.session,
            account_no=account_no,
            amount_fen=amount,
            month=f"{day:%Y-%m}",
            idempotency_key=f"own-{key}",
            occurred_at=_noon(day),
        )
    settle_interest(centre.session, period_end=date(2025, 6, 30))  # June 2025: 上年 closes
    before = centre.balance(account_no)
    done = settle_interest(centre.session, period_end=date(2026, 6, 30))
    assert centre.balance(account_no) - before == expected == done.total_fen
    assert check_books(centre.session) == []


def test_the_settings_name_a_bad_rate_table_or_convention() -> None:
    with pytest.raises(ValueError, match="not a rate"):
        LedgerSettings(deposit_interest_rates="2026-01-01:abc")
    with pytest.raises(ValueError, match="daily_balance"):
        LedgerSettings(interest_convention="monthly")
