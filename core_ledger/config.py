"""Settings of the ledger's rules: wage cap, deposit interest, loan rates (env prefix HUIFANG_)."""

import re
from decimal import Decimal
from functools import lru_cache

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "HUIFANG_"

_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
# A year that has Feb 29, so any real month-day is accepted.
_LEAP_YEAR_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


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
