"""Settings of the ledger's rules: wage cap, deposit interest, loan rates (env prefix HUIFANG_)."""

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from typing import TypeVar

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "HUIFANG_"

_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
# A year that has Feb 29, so any real month-day is accepted.
_LEAP_YEAR_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
V = TypeVar("V")


class InterestConvention(StrEnum):
    """How a year's deposit interest is worked out (see docs/ledger-rules.md)."""

    daily_balance = "daily_balance"  # Σ daily closing balance × rate / 360
    carry_split = "split"  # 上年结转余额 × 年利率 + 当年缴存积数 × 年利率 ÷ 360


def parse_dated(text: str, value: Callable[[str], V]) -> tuple[tuple[date, V], ...]:
    """'2024-01-01:190000,2025-07-01:210000' → ((date, value), ...) sorted by date.

    Each value applies from its date until the next one; an empty text is an empty table.
    """
    table: dict[date, V] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        day, sep, raw = item.partition(":")
        if not sep:
            raise ValueError(f"{item!r}: expected YYYY-MM-DD:value")
        try:
            on = date.fromisoformat(day.strip())
        except ValueError:
            raise ValueError(f"{day!r} is not a date (YYYY-MM-DD)") from None
        if on in table:
            raise ValueError(f"{on} is given twice")
        table[on] = value(raw.strip())
    return tuple(sorted(table.items()))


def _fen(raw: str) -> int:
    if not raw.isdecimal() or int(raw) <= 0:
        raise ValueError(f"{raw!r} is not a positive amount of fen")
    return int(raw)


def _rate(raw: str) -> Decimal:
    try:
        rate = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"{raw!r} is not a rate such as 0.015") from None
    if not rate.is_finite() or not 0 <= rate < 1:
        raise ValueError(f"{raw!r} is not a rate between 0 and 1")
    return rate


def on_day(table: tuple[tuple[date, V], ...], day: date) -> V | None:
    """The value of a dated table that applies on a day (None before its first date)."""
    found = None
    for since, value in table:
        if since > day:
            break
        found = value
    return found


class LedgerSettingsError(ValueError):
    """A HUIFANG_ ledger variable is set to something the rules cannot use."""


class LedgerSettings(BaseSettings):
    """The city's parameters for contributions, deposit interest and loans."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    # 上年度职工月平均工资, in fen; the contribution base is capped at a multiple of it.
    average_monthly_wage_fen: int = Field(default=750_000, gt=0)
    base_cap_multiple: int = Field(default=3, gt=0)
    deposit_interest_rate: Decimal = Field(default=Decimal("0.015"), ge=0, lt=1)
    # MM-DD; the interest year ends on this day (结息日).
    interest_settlement_date: str = "06-30"
    # ≤ 5 years is "short"; rates are annual.
    loan_rate_first_home_short: Decimal = Field(default=Decimal("0.021"), ge=0, lt=1)
    loan_rate_first_home_long: Decimal = Field(default=Decimal("0.026"), ge=0, lt=1)
    loan_rate_second_home_short: Decimal = Field(default=Decimal("0.02525"), ge=0, lt=1)
    loan_rate_second_home_long: Decimal = Field(default=Decimal("0.03075"), ge=0, lt=1)
    # 最低工资标准 by the date it applies from (YYYY-MM-DD:fen, comma separated): the floor of
    # the contribution base. Months before the first date have no floor.
    minimum_wage: str = "2024-01-01:190000"
    # Deposit rate changes after the base rate above (YYYY-MM-DD:rate, comma separated); each
    # applies from its day, so a mid-year change is split by days.
    deposit_interest_rates: str = ""
    interest_convention: InterestConvention = InterestConvention.daily_balance
    # Loans: months of continuous contribution, the ceiling (a multiple of the balance, and an
    # absolute maximum), and the statutory retirement ages the term must end by.
    loan_min_contribution_months: int = Field(default=6, ge=0, le=120)
    loan_balance_multiple: int = Field(default=15, gt=0, le=100)
    loan_max_fen: int = Field(default=100_000_000, gt=0)  # 100 万元
    retirement_age_men: int = Field(default=60, ge=40, le=80)
    retirement_age_women: int = Field(default=55, ge=40, le=80)
    # Sane ceilings of a single amount, per kind: anything above is a typing error.
    max_withdrawal_fen: int = Field(default=500_000_000, gt=0)  # 500 万元
    max_contribution_fen: int = Field(default=10_000_000, gt=0)  # 10 万元: one month, one person
    max_transfer_fen: int = Field(default=100_000_000_000, gt=0)  # 10 亿元: a unit's transfer
    max_wage_base_fen: int = Field(default=100_000_000, gt=0)  # 100 万元 a month
    # The earliest contribution month the ledger takes (YYYY-MM).
    earliest_month: str = "1990-01"

    @field_validator("interest_settlement_date")
    @classmethod
    def _is_month_day(cls, value: str) -> str:
        match = _MONTH_DAY.match(value.strip())
        if not match:
            raise ValueError("expected MM-DD, e.g. 06-30")
        month, day = int(match[1]), int(match[2])
        if not 1 <= month <= 12 or not 1 <= day <= _LEAP_YEAR_DAYS[month - 1]:
            raise ValueError("not a day of the year")
        return value.strip()

    @field_validator("minimum_wage")
    @classmethod
    def _is_wage_table(cls, value: str) -> str:
        parse_dated(value, _fen)
        return value

    @field_validator("deposit_interest_rates")
    @classmethod
    def _is_rate_table(cls, value: str) -> str:
        parse_dated(value, _rate)
        return value

    @field_validator("earliest_month")
    @classmethod
    def _is_month(cls, value: str) -> str:
        if not _MONTH.match(value.strip()):
            raise ValueError("expected YYYY-MM, e.g. 1990-01")
        return value.strip()

    def minimum_wage_on(self, day: date) -> int | None:
        """The minimum monthly wage in fen that applies on a day, if any."""
        return on_day(parse_dated(self.minimum_wage, _fen), day)

    @property
    def deposit_rate_table(self) -> tuple[tuple[date, Decimal], ...]:
        """The deposit rate by the day it applies from, the base rate first (from date.min)."""
        return (
            (date.min, self.deposit_interest_rate),
            *parse_dated(self.deposit_interest_rates, _rate),
        )

    @property
    def settlement_month_day(self) -> tuple[int, int]:
        """The settlement date as (month, day)."""
        month, day = self.interest_settlement_date.split("-")
        return int(month), int(day)

    @property
    def base_cap_fen(self) -> int:
        """The highest monthly contribution base: the multiple × the average monthly wage."""
        return self.average_monthly_wage_fen * self.base_cap_multiple


def load_ledger_settings() -> LedgerSettings:
    """Read the settings from the environment; name the variable when one is bad."""
    try:
        return LedgerSettings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{ENV_PREFIX}{'.'.join(map(str, err['loc'])).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        raise LedgerSettingsError(f"公积金账务参数配置有误 — {problems}") from exc


@lru_cache
def get_ledger_settings() -> LedgerSettings:
    """The process-wide settings; tests call get_ledger_settings.cache_clear() after patching."""
    return load_ledger_settings()
