"""Calling slots on real 2025/2026 dates, checked against chinese_calendar 1.11's tables.

2025 National Day: Oct 1-8 off, Sun Sep 28 and Sat Oct 11 worked (调休).
2026 Spring Festival: Feb 15-23 off, Sat Feb 14 and Sat Feb 28 worked.
Wed 2025-11-12 is an ordinary working day; Nov 15-16 an ordinary weekend.
"""

import logging
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from callbacks.config import CallbackSettings
from callbacks.schedule import (
    first_attempt_at,
    is_calling_day,
    next_slot,
    retry_at,
    sms_deadline,
)
from kernel import workdays
from kernel.clock import centre_tz, local
from kernel.workdays import is_working_day

DEFAULTS = CallbackSettings()


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Shanghai wall-clock instant."""
    return datetime(year, month, day, hour, minute, tzinfo=centre_tz())


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 11, 12), True),  # an ordinary Wednesday
        (date(2025, 11, 15), False),  # an ordinary Saturday
        (date(2025, 10, 1), False),  # National Day
        (date(2025, 10, 8), False),  # a Wednesday inside the Golden Week
        (date(2025, 9, 28), True),  # Sunday worked for National Day
        (date(2025, 10, 11), True),  # Saturday worked for National Day
        (date(2026, 2, 14), True),  # Saturday worked for Spring Festival
        (date(2026, 2, 23), False),  # Monday inside Spring Festival
        (date(2026, 2, 24), True),
    ],
)
def test_working_days_follow_the_statutory_calendar(day: date, working: bool) -> None:
    assert is_working_day(day) is working
    assert is_calling_day(day, days="workdays") is working
    assert is_calling_day(day, days="all") is True


def test_unknown_year_falls_back_to_monday_to_friday_and_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    workdays._warn_calendar_missing.cache_clear()

    with caplog.at_level(logging.WARNING, logger="kernel.workdays"):
        monday, saturday = date(2099, 3, 2), date(2099, 3, 7)
        assert is_calling_day(monday, days="workdays") is True
        assert is_calling_day(saturday, days="workdays") is False

    assert len([r for r in caplog.records if "2099" in r.getMessage()]) == 1


def test_unknown_calling_days_are_refused() -> None:
    with pytest.raises(ValueError, match="sometimes"):
        is_calling_day(date(2025, 11, 12), days="sometimes")


@pytest.mark.parametrize(
    ("after", "slot"),
    [
        (at(2025, 11, 12, 7, 30), at(2025, 11, 12, 9)),  # before the first window
        (at(2025, 11, 12, 10, 15), at(2025, 11, 12, 10, 15)),  # inside a window
        (at(2025, 11, 12, 12, 30), at(2025, 11, 12, 14)),  # between windows
        (at(2025, 11, 12, 12), at(2025, 11, 12, 14)),  # a window's close is outside it
        (at(2025, 11, 12, 20, 30), at(2025, 11, 13, 9)),  # after the last window
        (at(2025, 11, 12, 23, 59), at(2025, 11, 13, 9)),  # across midnight
        (at(2025, 11, 14, 20, 5), at(2025, 11, 17, 9)),  # Friday evening to Monday
        (at(2025, 9, 30, 21), at(2025, 10, 9, 9)),  # the whole Golden Week skipped
        (at(2025, 9, 27, 10), at(2025, 9, 28, 9)),  # Saturday off, worked Sunday on
        (at(2026, 2, 13, 20, 30), at(2026, 2, 14, 9)),  # worked Saturday before 春节
        (at(2026, 2, 14, 20, 30), at(2026, 2, 24, 9)),  # the Spring Festival skipped
    ],
)
def test_next_slot_on_working_days(after: datetime, slot: datetime) -> None:
    result = next_slot(after, settings=DEFAULTS)

    assert result == slot
    assert result.tzinfo is UTC


def test_next_slot_reads_utc_input_in_shanghai_time() -> None:
    # 16:30 UTC on Wednesday is 00:30 on Thursday in Shanghai.
    after = datetime(2025, 11, 12, 16, 30, tzinfo=UTC)

    assert next_slot(after, settings=DEFAULTS) == at(2025, 11, 13, 9)
    assert next_slot(after.replace(tzinfo=None), settings=DEFAULTS) == at(2025, 11, 13, 9)


def test_windows_meeting_at_midnight_call_through_the_night() -> None:
    night = CallbackSettings(calling_windows="00:00-02:00,20:00-24:00", calling_days="all")

    assert next_slot(at(2025, 10, 4, 23, 30), settings=night) == at(2025, 10, 4, 23, 30)
    assert next_slot(at(2025, 10, 5, 1), settings=night) == at(2025, 10, 5, 1)
    assert next_slot(at(2025, 10, 5, 2), settings=night) == at(2025, 10, 5, 20)


def test_all_day_every_day_calls_at_once() -> None:
    always = CallbackSettings(calling_windows="00:00-24:00", calling_days="all")

    assert next_slot(at(2025, 10, 1, 3, 17), settings=always) == at(2025, 10, 1, 3, 17)


@pytest.mark.parametrize(
    ("business_at", "first"),
    [
        (at(2025, 11, 12, 9), at(2025, 11, 12, 11)),
        (at(2025, 11, 12, 10, 30), at(2025, 11, 12, 14)),  # delay ends in the lunch gap
        (at(2025, 11, 12, 19), at(2025, 11, 13, 9)),  # delay ends after the last window
        (at(2025, 9, 30, 16), at(2025, 9, 30, 18)),
        (at(2025, 9, 30, 19), at(2025, 10, 9, 9)),  # delay runs into National Day
    ],
)
def test_first_attempt_waits_the_delay_then_a_slot(business_at: datetime, first: datetime) -> None:
    assert first_attempt_at(business_at, settings=DEFAULTS) == first


def test_retry_moves_to_a_window_not_yet_tried() -> None:
    hourly = CallbackSettings(retry_delays_minutes="60")

    # 10:00 is still the morning window, where the 09:00 call went unanswered.
    assert retry_at(previous_attempts=[at(2025, 11, 12, 9)], settings=hourly) == at(
        2025, 11, 12, 14
    )


def test_evening_miss_is_retried_next_morning() -> None:
    missed = [at(2025, 11, 12, 18, 30)]

    assert retry_at(previous_attempts=missed, settings=DEFAULTS) == at(2025, 11, 13, 9)


def test_three_attempts_spread_over_both_windows() -> None:
    first = at(2025, 11, 12, 10)
    second = retry_at(previous_attempts=[first], settings=DEFAULTS)
    assert second == at(2025, 11, 12, 14)

    # A day after the afternoon try is the afternoon again; the morning was tried longer ago.
    third = retry_at(previous_attempts=[second, first], settings=DEFAULTS)
    assert third == at(2025, 11, 14, 9)


def test_retry_does_not_wait_out_a_holiday_week_for_another_window() -> None:
    tried = [at(2025, 9, 29, 10), at(2025, 9, 29, 14)]

    # The morning window next opens on Oct 9, after the Golden Week: too stale.
    assert retry_at(previous_attempts=tried, settings=DEFAULTS) == at(2025, 9, 30, 14)


def test_retry_in_a_single_window_keeps_the_delay_exactly() -> None:
    always = CallbackSettings(calling_windows="00:00-24:00", calling_days="all")

    assert retry_at(previous_attempts=[at(2025, 10, 2, 10)], settings=always) == at(2025, 10, 2, 13)


def test_no_retry_once_voice_attempts_are_used_up() -> None:
    three = [at(2025, 11, 12, 10), at(2025, 11, 12, 14), at(2025, 11, 14, 9)]

    assert retry_at(previous_attempts=three, settings=DEFAULTS) is None
    assert (
        retry_at(previous_attempts=three[:1], settings=CallbackSettings(voice_attempts=1)) is None
    )


def test_retry_needs_a_first_attempt() -> None:
    with pytest.raises(ValueError, match="first_attempt_at"):
        retry_at(previous_attempts=[], settings=DEFAULTS)


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    last=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 20)),
    earlier=st.integers(min_value=0, max_value=1),
)
def test_retry_waits_the_delay_and_lands_in_a_calling_window(last: datetime, earlier: int) -> None:
    attempts = [last.replace(tzinfo=UTC) - timedelta(days=d) for d in range(earlier, -1, -1)]

    retry = retry_at(previous_attempts=attempts, settings=DEFAULTS)

    assert retry is not None
    assert retry >= attempts[-1] + DEFAULTS.retry_delay(attempt=len(attempts) + 1)
    moment = local(retry)
    assert is_working_day(moment.date())
    assert any(
        w.start_on(moment.date()) <= moment < w.end_on(moment.date())
        for w in DEFAULTS.calling_windows
    )


def test_sms_deadline_counts_wall_clock_hours() -> None:
    # An SMS can be answered on a holiday, so the clock does not stop for one.
    deadline = sms_deadline(at(2025, 9, 30, 21), settings=DEFAULTS)

    assert deadline == at(2025, 10, 1, 21)
    assert deadline.tzinfo is UTC
