"""Chinese working days (工作日): statutory holidays off, 调休 weekends on."""

import logging
from datetime import date, timedelta
from functools import cache

import chinese_calendar

_log = logging.getLogger(__name__)


@cache
def _warn_calendar_missing(year: int) -> None:
    """Say once per year that the statutory holiday table does not cover it."""
    _log.warning(
        "chinese_calendar has no holiday data for %s; treating Mon-Fri as working days "
        "(upgrade chinese-calendar once the State Council publishes the year's schedule)",
        year,
    )


def is_working_day(day: date) -> bool:
    """A Chinese working day (工作日): statutory holidays off, 调休 weekends on."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        # The library only knows published years; calling on a holiday beats not calling.
        _warn_calendar_missing(day.year)
        return day.weekday() < 5


def working_days_after(day: date, *, days: int) -> date:
    """The `days`-th working day after `day` (`day` itself not counted; 0 gives `day`)."""
    if days < 0:
        raise ValueError("working days to add cannot be negative")
    found = day
    for _ in range(days):
        found += timedelta(days=1)
        while not is_working_day(found):
            found += timedelta(days=1)
    return found
