"""Deposit interest (积数计息): daily closing balances summed, × annual rate / 360, settled yearly.

The banking convention the centre follows: 利息 = 计息积数 × 日利率, where 计息积数 is the sum of
each day's closing balance over the period (both ends included) and 日利率 = 年利率 / 360. The
product is rounded half up to the fen once, at the end. Interest is settled (结息) once a year
on the settlement date (June 30 by default), for the interest year that ends on it.
"""

import calendar
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from core_ledger.money import round_fen, yuan_str
from kernel.errors import Invalid

DAYS_IN_INTEREST_YEAR = 360


def balance_product(
    *,
    opening_balance_fen: int,
    balance_changes: Sequence[tuple[date, int]],
    start: date,
    end: date,
) -> int:
    """The 计息积数 in fen-days: Σ daily closing balances from start to end inclusive.

    opening_balance_fen is the balance before any change on `start`; each change is
    (day, signed amount in fen) and counts in that day's closing balance.
    """
    if end < start:
        raise Invalid(f"计息区间不正确：截止日 {end} 早于起始日 {start}。")
    for on, _ in balance_changes:
        if not start <= on <= end:
            raise Invalid(f"{on} 的余额变动不在计息区间 {start} 至 {end} 内。")
    _check_not_negative(opening_balance_fen, on=start)
    by_day: dict[date, int] = defaultdict(int)
    for on, amount in balance_changes:
        by_day[on] += amount
    total = 0
    balance = opening_balance_fen
    since = start
    for on in sorted(by_day):
        total += balance * (on - since).days
        balance += by_day[on]
        since = on
        # Checked per day, not per change: only the closing balance bears interest.
        _check_not_negative(balance, on=on)
    return total + balance * ((end - since).days + 1)


def _check_not_negative(balance_fen: int, *, on: date) -> None:
    """A fund account cannot be overdrawn; a negative balance means the postings are wrong."""
    if balance_fen < 0:
        raise Invalid(f"{on} 账户余额为负（{yuan_str(balance_fen)} 元），请核对该日的入账记录。")


def interest_for_period(
    *,
    opening_balance_fen: int,
    balance_changes: Sequence[tuple[date, int]],
    start: date,
    end: date,
    annual_rate: Decimal,
) -> int:
    """Interest in fen for a period: 积数 × annual rate / 360, rounded half up to the fen."""
    if not annual_rate.is_finite() or annual_rate < 0:
        raise Invalid(f"存款年利率不正确：{annual_rate}。")
    product = balance_product(
        opening_balance_fen=opening_balance_fen,
        balance_changes=balance_changes,
        start=start,
        end=end,
    )
    return round_fen(Decimal(product) * annual_rate / DAYS_IN_INTEREST_YEAR)


def _settlement_day(year: int, *, settle_month: int, settle_day: int) -> date:
    """The settlement date in a given year, clamped to the month's end (Feb 29 in other years)."""
    return date(year, settle_month, min(settle_day, calendar.monthrange(year, settle_month)[1]))


def settlement_period(
    for_day: date, *, settle_month: int = 6, settle_day: int = 30
) -> tuple[date, date]:
    """The interest year containing for_day: the day after one settlement to the next, inclusive."""
    end = _settlement_day(for_day.year, settle_month=settle_month, settle_day=settle_day)
    if end < for_day:
        end = _settlement_day(for_day.year + 1, settle_month=settle_month, settle_day=settle_day)
    previous = _settlement_day(end.year - 1, settle_month=settle_month, settle_day=settle_day)
    return previous + timedelta(days=1), end
