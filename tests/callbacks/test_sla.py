"""SLA clocks on real dates: office hours 09:00-12:00 and 13:30-17:30 (7 h a working day).

2025 National Day: Oct 1-8 off, Sun Sep 28 worked. 2026 Spring Festival: Feb 15-23 off,
Sat Feb 14 worked. Wed 2025-11-12 is an ordinary working day.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from callbacks.config import CallbackSettings
from callbacks.sla import (
    PRIORITY,
    add_working_time,
    is_breached,
    rectify_due_at,
    sla_due_at,
    working_day_length,
    working_time_between,
)
from kernel.clock import centre_tz

DEFAULTS = CallbackSettings()
REASONS = [
    "unreachable",
    "invalid_number",
    "partial",
    "unclear",
    "wrong_person",
    "unsatisfied",
    "repeat_trip",
    "favour_asked",
    "opted_out",
]


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Shanghai wall-clock instant."""
    return datetime(year, month, day, hour, minute, tzinfo=centre_tz())


def test_a_working_day_is_one_days_office_hours() -> None:
    assert working_day_length(settings=DEFAULTS) == timedelta(hours=7)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (at(2025, 11, 12, 11), 2, at(2025, 11, 12, 14, 30)),  # across the lunch break
        (at(2025, 11, 12, 11), 1, at(2025, 11, 12, 12)),  # uses the morning up exactly
        (at(2025, 11, 12, 12, 45), 0.5, at(2025, 11, 12, 14)),  # opened during lunch
        (at(2025, 11, 12, 16, 30), 2, at(2025, 11, 13, 10)),  # across the night
        (at(2025, 11, 12, 19), 1, at(2025, 11, 13, 10)),  # opened after hours
        (at(2025, 11, 14, 17), 1, at(2025, 11, 17, 9, 30)),  # across the weekend
        (at(2025, 9, 30, 17), 1, at(2025, 10, 9, 9, 30)),  # across the Golden Week
    ],
)
def test_add_working_hours(start: datetime, hours: float, due: datetime) -> None:
    result = add_working_time(start, hours=hours, settings=DEFAULTS)

    assert result == due
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (at(2025, 11, 12, 10), 1, at(2025, 11, 13, 10)),
        (at(2025, 11, 14, 16), 1, at(2025, 11, 17, 16)),  # Friday to Monday
        (at(2025, 9, 26, 16), 1, at(2025, 9, 28, 16)),  # onto the worked Sunday
        (at(2025, 9, 30, 10), 1, at(2025, 10, 9, 10)),  # over National Day
        (at(2025, 9, 26, 10), 5, at(2025, 10, 10, 10)),  # Sep 28, 29, 30, Oct 9, 10
        (at(2026, 2, 13, 10), 5, at(2026, 2, 27, 10)),  # Feb 14, 24, 25, 26, 27
        (at(2025, 11, 12, 9), 0.5, at(2025, 11, 12, 14)),  # half a day is 3.5 h
    ],
)
def test_add_working_days(start: datetime, days: float, due: datetime) -> None:
    assert add_working_time(start, days=days, settings=DEFAULTS) == due


def test_adding_nothing_keeps_the_start() -> None:
    evening = at(2025, 11, 12, 19)

    assert add_working_time(evening, hours=0, settings=DEFAULTS) == evening


@pytest.mark.parametrize(
    "amount",
    [{}, {"hours": 1, "days": 1}, {"hours": -1}, {"days": -0.5}],
)
def test_add_working_time_refuses_unclear_amounts(amount: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        add_working_time(at(2025, 11, 12, 10), settings=DEFAULTS, **amount)


@pytest.mark.parametrize(
    ("a", "b", "between"),
    [
        (at(2025, 11, 12, 11), at(2025, 11, 12, 14, 30), timedelta(hours=2)),
        (at(2025, 11, 12, 10), at(2025, 11, 13, 10), timedelta(hours=7)),
        (at(2025, 11, 12, 12, 10), at(2025, 11, 12, 13, 20), timedelta()),  # lunch only
        (at(2025, 9, 30, 17), at(2025, 10, 9, 9, 30), timedelta(hours=1)),
        (at(2025, 11, 13, 10), at(2025, 11, 12, 10), -timedelta(hours=7)),
    ],
)
def test_working_time_between(a: datetime, b: datetime, between: timedelta) -> None:
    assert working_time_between(a, b, settings=DEFAULTS) == between


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 11, 30)),
    minutes=st.integers(min_value=0, max_value=5 * 7 * 60),
)
def test_working_time_between_undoes_add_working_time(start: datetime, minutes: int) -> None:
    start = start.replace(tzinfo=UTC)

    due = add_working_time(start, hours=minutes / 60, settings=DEFAULTS)

    assert due >= start
    assert working_time_between(start, due, settings=DEFAULTS) == timedelta(minutes=minutes)


@pytest.mark.parametrize("reason", [r for r in REASONS if r != "favour_asked"])
def test_exceptions_are_verified_within_one_working_day(reason: str) -> None:
    assert sla_due_at(reason, at(2025, 9, 30, 10), settings=DEFAULTS) == at(2025, 10, 9, 10)


def test_favour_asking_is_verified_within_working_hours() -> None:
    opened = at(2025, 11, 12, 16)

    due = sla_due_at("favour_asked", opened, settings=DEFAULTS)

    # 1.5 h before closing, 2.5 h the next morning.
    assert due == at(2025, 11, 13, 11, 30)
    assert due < sla_due_at("unsatisfied", opened, settings=DEFAULTS)


def test_sla_follows_the_settings() -> None:
    strict = CallbackSettings(sla_verify_working_days=2, sla_favour_working_hours=1)
    opened = at(2025, 11, 12, 10)

    assert sla_due_at("unclear", opened, settings=strict) == at(2025, 11, 14, 10)
    assert sla_due_at("favour_asked", opened, settings=strict) == at(2025, 11, 12, 11)


def test_unknown_reason_is_refused() -> None:
    with pytest.raises(ValueError, match="'rude'"):
        sla_due_at("rude", at(2025, 11, 12, 10), settings=DEFAULTS)


def test_rectification_is_due_in_five_working_days() -> None:
    assert rectify_due_at(at(2026, 2, 13, 10), settings=DEFAULTS) == at(2026, 2, 27, 10)


def test_every_reason_has_a_distinct_priority_and_favour_asking_comes_first() -> None:
    assert sorted(PRIORITY) == sorted(REASONS)
    assert len(set(PRIORITY.values())) == len(PRIORITY)
    assert max(PRIORITY, key=PRIORITY.__getitem__) == "favour_asked"
    assert PRIORITY["unsatisfied"] > PRIORITY["unreachable"] > PRIORITY["opted_out"]


def test_breach_is_judged_against_an_explicit_now() -> None:
    due = at(2025, 11, 13, 10)

    assert not is_breached(due, at(2025, 11, 13, 9, 59))
    assert not is_breached(due, due)
    assert is_breached(due, at(2025, 11, 13, 10, 1))


def test_breach_defaults_to_the_current_time() -> None:
    due = sla_due_at("unsatisfied", at(2025, 11, 12, 10), settings=DEFAULTS)

    with time_machine.travel(at(2025, 11, 13, 10), tick=False):
        assert not is_breached(due)
    with time_machine.travel(at(2025, 11, 13, 10, 0) + timedelta(seconds=1), tick=False):
        assert is_breached(due)
