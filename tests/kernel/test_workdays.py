"""Counting Chinese working days forward, across weekends, holidays and 调休 Saturdays."""

from datetime import date

import pytest

from kernel.workdays import working_days_after


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 3, 6), 0, date(2026, 3, 6)),  # nothing to add
        (date(2026, 3, 6), 1, date(2026, 3, 9)),  # Friday → Monday
        (date(2026, 3, 6), 5, date(2026, 3, 13)),  # an ordinary week
        (date(2026, 3, 7), 1, date(2026, 3, 9)),  # from a Saturday
        # Spring Festival 2026: Saturday 02-14 is worked, 02-15..02-23 are off.
        (date(2026, 2, 12), 2, date(2026, 2, 14)),
        (date(2026, 2, 12), 5, date(2026, 2, 26)),
    ],
)
def test_working_days_after_follow_the_statutory_calendar(
    start: date, days: int, expected: date
) -> None:
    assert working_days_after(start, days=days) == expected


def test_negative_working_days_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        working_days_after(date(2026, 3, 6), days=-1)
