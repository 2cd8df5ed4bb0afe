"""Contribution months (缴存月份) as 'YYYY-MM' strings, in the centre's local calendar."""

import re
from datetime import date

from kernel.clock import local_date, utcnow
from kernel.errors import Invalid

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(text: str) -> str:
    """A month as YYYY-MM, or Invalid saying how to write it."""
    value = (text or "").strip().replace("/", "-").replace(".", "-")
    if len(value) == 6 and value.isdecimal():
        value = f"{value[:4]}-{value[4:]}"
    if not _MONTH.match(value):
        raise Invalid(f"缴存月份格式不正确：{text!r}（应为 年-月，如 2026-05）")
    return value


def current_month(today: date | None = None) -> str:
    """This month in the centre's calendar."""
    return f"{today or local_date(utcnow()):%Y-%m}"


def shift(month: str, months: int) -> str:
    """The month `months` after (or before, if negative) a month."""
    index = int(month[:4]) * 12 + int(month[5:]) - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(first: str, last: str) -> list[str]:
    """Every month from first to last, inclusive; empty if last is before first."""
    months = []
    month = first
    while month <= last:
        months.append(month)
        month = shift(month, 1)
    return months
