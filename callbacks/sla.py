"""SLA clocks for the operators' exception queue, counted in office hours on working days."""

from collections.abc import Iterator
from datetime import datetime, timedelta

from callbacks.config import CallbackSettings
from callbacks.schedule import open_periods
from kernel.clock import as_utc, utcnow

# Exception reasons, most urgent first (a higher number is worked first).
PRIORITY: dict[str, int] = {
    "favour_asked": 80,  # 索拿卡要: a disciplinary matter
    "unsatisfied": 70,
    "repeat_trip": 60,  # 跑回头路
    "unclear": 50,
    "partial": 40,
    "wrong_person": 35,  # 非本人接听: the number may have changed hands
    "unreachable": 30,
    "invalid_number": 20,
    "opted_out": 10,
}


def _office_periods(
    after: datetime, *, settings: CallbackSettings
) -> Iterator[tuple[int, datetime, datetime]]:
    """Office hours on Chinese working days from `after` on, as (index, start, end)."""
    return open_periods(after, windows=settings.office_hours, days="workdays")


def working_day_length(*, settings: CallbackSettings) -> timedelta:
    """How many office hours make one working day (7 h with 09:00-12:00,13:30-17:30)."""
    return sum((w.length for w in settings.office_hours), timedelta())


def add_working_time(
    start: datetime,
    *,
    hours: float | None = None,
    days: float | None = None,
    settings: CallbackSettings,
) -> datetime:
    """The instant `hours` or `days` of office time after `start` (UTC).

    A working day is one day's office hours, so "1 working day" from Monday 10:00 is
    Tuesday 10:00 and from Friday 16:00 it is the next working day at 16:00. A deadline
    that uses up an office period exactly falls at its close (12:00), not the next opening.
    """
    if (hours is None) == (days is None):
        raise ValueError("give exactly one of hours or days")
    if days is not None:
        remaining = working_day_length(settings=settings) * days
    else:
        remaining = timedelta(hours=hours or 0)
    if remaining < timedelta():
        raise ValueError("working time to add cannot be negative")
    start = as_utc(start)
    if not remaining:
        return start
    for _, opens, closes in _office_periods(start, settings=settings):
        if closes - opens >= remaining:
            return opens + remaining
        remaining -= closes - opens
    raise AssertionError("office periods never run out")


def working_time_between(a: datetime, b: datetime, *, settings: CallbackSettings) -> timedelta:
    """Office time on working days from `a` to `b` (negative when `b` is before `a`)."""
    a, b = as_utc(a), as_utc(b)
    if b < a:
        return -working_time_between(b, a, settings=settings)
    total = timedelta()
    for _, opens, closes in _office_periods(a, settings=settings):
        if opens >= b:
            break
        total += min(closes, b) - opens
    return total


def sla_due_at(reason: str, opened_at: datetime, *, settings: CallbackSettings) -> datetime:
    """When an exception opened at `opened_at` for `reason` must have been verified."""
    if reason not in PRIORITY:
        raise ValueError(f"unknown exception reason {reason!r}; expected one of {list(PRIORITY)}")
    if reason == "favour_asked":
        return add_working_time(
            opened_at, hours=settings.sla_favour_working_hours, settings=settings
        )
    return add_working_time(opened_at, days=settings.sla_verify_working_days, settings=settings)


def rectify_due_at(opened_at: datetime, *, settings: CallbackSettings) -> datetime:
    """When the outlet's rectification (整改) of a confirmed complaint is due."""
    return add_working_time(opened_at, days=settings.sla_rectify_working_days, settings=settings)


def is_breached(due_at: datetime, now: datetime | None = None) -> bool:
    """Whether the deadline has passed (handling exactly at `due_at` is still in time)."""
    return as_utc(now or utcnow()) > as_utc(due_at)
