"""Periods of the centre's calendar: a month (2026-11), a quarter (2026-Q4) or a year (2026).

The one place months are read, named and counted: contribution months (缴存月份) in the ledger,
ranking periods in scoring, the 回访统计 month in callbacks. Months are local (Asia/Shanghai).
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from kernel.clock import centre_tz, local, local_date, utcnow
from kernel.errors import Invalid

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


class PeriodKind(StrEnum):
    month = "month"  # 月度
    quarter = "quarter"  # 季度
    year = "year"  # 年度


KIND_NAMES = {PeriodKind.month: "月度", PeriodKind.quarter: "季度", PeriodKind.year: "年度"}


@dataclass(frozen=True)
class Period:
    """A span of whole local months, named the way the centre writes it."""

    kind: PeriodKind
    key: str
    year: int
    first_month: int
    last_month: int

    @property
    def months(self) -> tuple[str, ...]:
        """Every month in the period as YYYY-MM (how ratings are keyed)."""
        return tuple(f"{self.year}-{m:02d}" for m in range(self.first_month, self.last_month + 1))

    @property
    def first_day(self) -> date:
        """The first local day of the period."""
        return date(self.year, self.first_month, 1)

    @property
    def last_day(self) -> date:
        """The last local day of the period."""
        if self.last_month == 12:
            return date(self.year, 12, 31)
        return date(self.year, self.last_month + 1, 1) - timedelta(days=1)

    @property
    def starts_at(self) -> datetime:
        """The first instant of the period in the centre's zone."""
        return datetime.combine(self.first_day, datetime.min.time(), centre_tz())

    @property
    def ends_at(self) -> datetime:
        """The first instant after the period in the centre's zone."""
        return datetime.combine(self.last_day + timedelta(days=1), datetime.min.time(), centre_tz())

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """The UTC instants the period starts and ends (end exclusive), for queries."""
        return self.starts_at.astimezone(UTC), self.ends_at.astimezone(UTC)

    @property
    def label(self) -> str:
        """How a page names the period: 2026年11月, 2026年第4季度, 2026年度."""
        if self.kind is PeriodKind.month:
            return f"{self.year}年{self.first_month}月"
        if self.kind is PeriodKind.quarter:
            return f"{self.year}年第{self.last_month // 3}季度"
        return f"{self.year}年度"

    def previous(self) -> "Period":
        """The period of the same kind just before this one."""
        if self.kind is PeriodKind.year:
            return year(self.year - 1)
        if self.kind is PeriodKind.quarter:
            q = self.last_month // 3
            return quarter(self.year - 1, 4) if q == 1 else quarter(self.year, q - 1)
        if self.first_month == 1:
            return month(self.year - 1, 12)
        return month(self.year, self.first_month - 1)

    def contains(self, day: date) -> bool:
        """Whether a local date falls in the period."""
        return self.first_day <= day <= self.last_day


def month(y: int, m: int) -> Period:
    """The period of one month."""
    return Period(PeriodKind.month, f"{y}-{m:02d}", y, m, m)


def quarter(y: int, q: int) -> Period:
    """The period of one quarter (1..4)."""
    return Period(PeriodKind.quarter, f"{y}-Q{q}", y, 3 * q - 2, 3 * q)


def year(y: int) -> Period:
    """The period of one calendar year."""
    return Period(PeriodKind.year, f"{y}", y, 1, 12)


def quarter_of(period: Period) -> Period:
    """The quarter a month belongs to (a quarter is its own quarter)."""
    if period.kind is PeriodKind.year:
        raise Invalid(f"{period.label}不属于单一季度")
    return quarter(period.year, (period.first_month - 1) // 3 + 1)


# The years any period of the fund can name (the first centres opened in 1991); outside them a
# period is a typo (0001-01, 9999-12), refused before it reaches a date calculation.
FIRST_YEAR, LAST_YEAR = 1990, 2099


def _in_range(year_text: str, text: str) -> None:
    if not FIRST_YEAR <= int(year_text) <= LAST_YEAR:
        raise Invalid(f"期间超出范围：年份应在 {FIRST_YEAR}–{LAST_YEAR} 年之间，收到 {text!r}")


def parse_period(text: str) -> Period:
    """Read 2026-11, 2026-Q4 or 2026; raise Invalid with an example otherwise."""
    value = (text or "").strip()
    if found := _MONTH.match(value) or _QUARTER.match(value) or _YEAR.match(value):
        _in_range(found[1], text)
    if found := _MONTH.match(value):
        return month(int(found[1]), int(found[2]))
    if found := _QUARTER.match(value):
        return quarter(int(found[1]), int(found[2]))
    if found := _YEAR.match(value):
        return year(int(found[1]))
    raise Invalid(
        f"期间格式应为 YYYY-MM（月，如 2026-11）、YYYY-Qn（季度，如 2026-Q4）"
        f"或 YYYY（年，如 2026），收到 {text!r}"
    )


def parse_quarter(text: str) -> Period:
    """Read a quarter such as 2026-Q4; anything else is refused."""
    period = parse_period(text)
    if period.kind is not PeriodKind.quarter:
        raise Invalid(f"第三方检查按季度进行，期间应写作 YYYY-Qn（如 2026-Q4），收到 {text!r}")
    return period


# Months as 'YYYY-MM' strings: how the ledger keys contributions and scoring keys ratings.


def parse_month(text: str, *, what: str = "月份") -> str:
    """A month as YYYY-MM (also read from 2026/05, 2026.05 or 202605), or Invalid saying how."""
    value = (text or "").strip().replace("/", "-").replace(".", "-")
    if len(value) == 6 and value.isdecimal():
        value = f"{value[:4]}-{value[4:]}"
    if not (found := _MONTH.match(value)):
        raise Invalid(f"{what}格式不正确：{text!r}（应为 年-月，如 2026-05）")
    _in_range(found[1], text)
    return value


def month_of(moment: datetime) -> str:
    """The local month of an instant as YYYY-MM."""
    return local(moment).strftime("%Y-%m")


def current_month(today: date | None = None) -> str:
    """This month in the centre's calendar."""
    return f"{today or local_date(utcnow()):%Y-%m}"


def shift(month_key: str, months: int) -> str:
    """The month `months` after (or before, if negative) a month."""
    index = int(month_key[:4]) * 12 + int(month_key[5:]) - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(first: str, last: str) -> list[str]:
    """Every month from first to last, inclusive; empty if last is before first."""
    months = []
    key = first
    while key <= last:
        months.append(key)
        key = shift(key, 1)
    return months
