"""Sane bounds of what a person types: a ceiling per kind of amount, and a range of months.

An amount above its ceiling (2^62 fen was once accepted) or a month like 0000-01 is a typing
error, never business; both are refused before anything is written, naming the bound and the
setting that holds it.
"""

from datetime import date
from enum import StrEnum

from core_ledger.config import get_ledger_settings
from core_ledger.money import yuan_str
from kernel.errors import Invalid
from kernel.periods import current_month, parse_month, shift

FUTURE_MONTHS = 12  # a unit may register to start owing up to a year ahead


class AmountKind(StrEnum):
    withdrawal = "withdrawal"
    contribution = "contribution"
    transfer = "transfer"
    loan = "loan"
    wage_base = "wage_base"


_NAMES = {
    AmountKind.withdrawal: ("提取金额", "HUIFANG_MAX_WITHDRAWAL_FEN"),
    AmountKind.contribution: ("缴存金额", "HUIFANG_MAX_CONTRIBUTION_FEN"),
    AmountKind.transfer: ("到账金额", "HUIFANG_MAX_TRANSFER_FEN"),
    AmountKind.loan: ("贷款金额", "HUIFANG_LOAN_MAX_FEN"),
    AmountKind.wage_base: ("缴存基数", "HUIFANG_MAX_WAGE_BASE_FEN"),
}


def ceiling_fen(kind: AmountKind) -> int:
    """The largest single amount of a kind the ledger takes."""
    settings = get_ledger_settings()
    return {
        AmountKind.withdrawal: settings.max_withdrawal_fen,
        AmountKind.contribution: settings.max_contribution_fen,
        AmountKind.transfer: settings.max_transfer_fen,
        AmountKind.loan: settings.loan_max_fen,
        AmountKind.wage_base: settings.max_wage_base_fen,
    }[kind]


def within_ceiling(amount_fen: int, *, kind: AmountKind) -> int:
    """The amount if it is at most its kind's ceiling; otherwise Invalid naming the ceiling."""
    ceiling = ceiling_fen(kind)
    if amount_fen > ceiling:
        name, variable = _NAMES[kind]
        raise Invalid(
            f"{name} {yuan_str(amount_fen)} 元超过单笔上限 {yuan_str(ceiling)} 元，请核对金额"
            f"（上限由 {variable} 设定）"
        )
    return amount_fen


def ledger_month(text: str, *, what: str = "缴存月份", future: bool = False) -> str:
    """A month as YYYY-MM between HUIFANG_EARLIEST_MONTH and this month (later if `future`)."""
    month = parse_month(text, what=what)
    earliest = get_ledger_settings().earliest_month
    if month < earliest:
        raise Invalid(
            f"{what} {month} 早于本中心最早可办理的月份 {earliest}，请核对"
            "（HUIFANG_EARLIEST_MONTH）"
        )
    latest = shift(current_month(), FUTURE_MONTHS if future else 0)
    if month > latest:
        raise Invalid(f"不能为未来月份 {month} 办理（{what}最晚为 {latest}），请核对")
    return month


def base_floor_fen(month: str) -> int | None:
    """The contribution base floor for a month: the minimum wage in force on its first day."""
    return get_ledger_settings().minimum_wage_on(date(int(month[:4]), int(month[5:]), 1))


def floor_problem(base_fen: int, *, month: str) -> str | None:
    """Why a wage base is below the month's floor (the minimum wage), or None."""
    floor = base_floor_fen(month)
    if floor is None or base_fen >= floor:
        return None
    return (
        f"缴存基数 {yuan_str(base_fen)} 元低于 {month} 适用的最低工资标准 {yuan_str(floor)} 元，"
        "请按不低于最低工资标准调整缴存基数"
    )


def wage_base(base_fen: int, *, month: str | None = None) -> int:
    """A wage base to register: positive, under its ceiling, not below the month's floor."""
    if base_fen <= 0:
        raise Invalid(f"缴存基数必须大于 0 分，收到 {base_fen}")
    within_ceiling(base_fen, kind=AmountKind.wage_base)
    if problem := floor_problem(base_fen, month=month or current_month()):
        raise Invalid(problem)
    return base_fen
