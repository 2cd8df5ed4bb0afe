"""Housing loans (贷款): equal-installment (等额本息) schedules, loan rates, offset repayment."""

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core_ledger.config import LedgerSettings
from core_ledger.money import round_fen
from kernel.errors import Invalid

SHORT_TERM_MONTHS = 60  # ≤ 5 years takes the short-term rate
MAX_TERM_MONTHS = 360


@dataclass(frozen=True)
class Installment:
    """One month of a repayment schedule (还款计划), amounts in fen."""

    no: int
    due_on: date
    payment_fen: int
    principal_fen: int
    interest_fen: int
    balance_after_fen: int


def add_months(start: date, months: int) -> date:
    """The same day-of-month `months` later, clamped to the month's end (Jan 31 -> Feb 28/29)."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(start.day, last_day))


def annuity_payment(*, principal_fen: int, monthly_rate: Decimal, months: int) -> int:
    """The equal monthly payment P·r·(1+r)^n / ((1+r)^n − 1), rounded half up to the fen."""
    if monthly_rate == 0:
        return round_fen(Decimal(principal_fen) / months)
    growth = (1 + monthly_rate) ** months
    return round_fen(Decimal(principal_fen) * monthly_rate * growth / (growth - 1))


def _check_loan(*, principal_fen: int, annual_rate: Decimal, months: int) -> None:
    """Refuse loan terms no schedule can be made for."""
    if principal_fen <= 0:
        raise Invalid("贷款金额必须大于零。")
    if not 1 <= months <= MAX_TERM_MONTHS:
        raise Invalid(f"贷款期限应为 1 至 {MAX_TERM_MONTHS} 个月，当前为 {months} 个月。")
    if not annual_rate.is_finite() or not 0 <= annual_rate < 1:
        raise Invalid(f"贷款年利率不正确：{annual_rate}。")


def equal_installment_schedule(
    *, principal_fen: int, annual_rate: Decimal, months: int, first_due_on: date
) -> list[Installment]:
    """The 等额本息 schedule; the last installment absorbs rounding so principal sums exactly."""
    _check_loan(principal_fen=principal_fen, annual_rate=annual_rate, months=months)
    monthly_rate = annual_rate / 12
    payment = annuity_payment(principal_fen=principal_fen, monthly_rate=monthly_rate, months=months)
    balance = principal_fen
    schedule = []
    for no in range(1, months + 1):
        interest = round_fen(Decimal(balance) * monthly_rate)
        # The last month takes what is left. Before that, rounding the payment up can, on tiny
        # loans over long terms, repay early; never take more principal than is owed.
        principal = balance if no == months else min(payment - interest, balance)
        balance -= principal
        schedule.append(
            Installment(
                no=no,
                due_on=add_months(first_due_on, no - 1),
                payment_fen=principal + interest,
                principal_fen=principal,
                interest_fen=interest,
                balance_after_fen=balance,
            )
        )
    return schedule


def loan_rate(*, term_months: int, first_home: bool, settings: LedgerSettings) -> Decimal:
    """The annual rate for a loan: first or second home, ≤ 5 years or longer."""
    if term_months < 1:
        raise Invalid(f"贷款期限应至少 1 个月，当前为 {term_months} 个月。")
    short = term_months <= SHORT_TERM_MONTHS
    if first_home:
        return settings.loan_rate_first_home_short if short else settings.loan_rate_first_home_long
    return settings.loan_rate_second_home_short if short else settings.loan_rate_second_home_long


def offset_amount(*, fund_balance_fen: int, installment_due_fen: int) -> int:
    """How much an offset repayment (对冲还贷) moves: the smaller of balance and due, never < 0."""
    return max(0, min(fund_balance_fen, installment_due_fen))
