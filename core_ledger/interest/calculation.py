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

from core_ledger.config import InterestConvention
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
    """Interest in fen for a period at one rate: 积数 × annual rate / 360, rounded once."""
    return interest_with_rates(
        opening_balance_fen=opening_balance_fen,
        balance_changes=balance_changes,
        start=start,
        end=end,
        rates=((date.min, annual_rate),),
    )


def rate_segments(
    *, start: date, end: date, rates: Sequence[tuple[date, Decimal]]
) -> list[tuple[date, date, Decimal]]:
    """The period cut where a new rate applies: (first day, last day, rate) for each part.

    `rates` is the dated table, (applies from, annual rate), sorted; a rate applies from its
    day until the next one's, so a change on 1 January counts from 1 January, not all year.
    """
    if not rates or rates[0][0] > start:
        raise Invalid(f"{start} 没有适用的存款利率，请在利率表中补充该日之前的利率。")
    for _, rate in rates:
        if not rate.is_finite() or rate < 0:
            raise Invalid(f"存款年利率不正确：{rate}。")
    parts = []
    for index, (since, rate) in enumerate(rates):
        until = rates[index + 1][0] - timedelta(days=1) if index + 1 < len(rates) else date.max
        first, last = max(since, start), min(until, end)
        if first <= last:
            parts.append((first, last, rate))
    return parts


def interest_with_rates(
    *,
    opening_balance_fen: int,
    balance_changes: Sequence[tuple[date, int]],
    start: date,
    end: date,
    rates: Sequence[tuple[date, Decimal]],
    convention: InterestConvention = InterestConvention.daily_balance,
    whole_year: bool = False,
) -> int:
    """Interest in fen for a period under a dated rate table, rounded half up once.

    daily_balance: Σ over each rate's days of (积数 × rate) / 360.
    split (当年/上年): 上年结转余额 × 年利率 (a whole interest year; for part of one, × days / 360)
    + 当年缴存积数 × 年利率 ÷ 360, where each change counts from its day to the end. A year
    whose withdrawals take more than it earned yields 0, never a negative interest.
    """
    product = balance_product(  # checks the period and that no day closes negative
        opening_balance_fen=opening_balance_fen,
        balance_changes=balance_changes,
        start=start,
        end=end,
    )
    parts = rate_segments(start=start, end=end, rates=rates)
    if convention != InterestConvention.carry_split:
        if len(parts) == 1:
            exact = Decimal(product) * parts[0][2]
        else:
            exact = sum(
                (
                    Decimal(_part_product(opening_balance_fen, balance_changes, first, last)) * rate
                    for first, last, rate in parts
                ),
                Decimal(0),
            )
        return round_fen(exact / DAYS_IN_INTEREST_YEAR)
    days = (end - start).days + 1
    rate_days = sum((rate * ((last - first).days + 1) for first, last, rate in parts), Decimal(0))
    carried = Decimal(opening_balance_fen) * rate_days / (days if whole_year else 360)
    current = sum(
        (
            Decimal(amount) * ((last - max(on, first)).days + 1) * rate
            for on, amount in balance_changes
            for first, last, rate in parts
            if on <= last
        ),
        Decimal(0),
    )
    return max(0, round_fen(carried + current / DAYS_IN_INTEREST_YEAR))


def _part_product(
    opening_fen: int, changes: Sequence[tuple[date, int]], first: date, last: date
) -> int:
    """The 积数 of the days first..last inside a longer period."""
    opening = opening_fen + sum(amount for on, amount in changes if on < first)
    inside = [(on, amount) for on, amount in changes if first <= on <= last]
    return balance_product(
        opening_balance_fen=opening, balance_changes=inside, start=first, end=last
    )


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
