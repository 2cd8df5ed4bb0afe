"""When a callback may ring: calling windows on Chinese working days, first attempt, retries."""

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta

from callbacks.config import CallbackSettings, DailyWindow
from kernel.clock import as_utc, local
from kernel.workdays import is_working_day

# A retry may wait this much past its earliest slot to reach another part of the day; no
# longer, so a weekend or a holiday week does not leave the business stale before we ask.
_LONGEST_DETOUR = timedelta(hours=24)


def is_calling_day(day: date, *, days: str) -> bool:
    """Whether callbacks may ring on `day` under HUIFANG_CALLING_DAYS (`workdays` | `all`)."""
    if days == "all":
        return True
    if days == "workdays":
        return is_working_day(day)
    raise ValueError(f"calling days must be 'workdays' or 'all', not {days!r}")


def open_periods(
    after: datetime, *, windows: Sequence[DailyWindow], days: str
) -> Iterator[tuple[int, datetime, datetime]]:
    """Yield (window index, start, end) in UTC, in time order, clipped to start at `after`.

    Endless: callers stop when they have what they need. Settings guarantee at least one
    window, and every week has a weekday, so each step comes within days.
    """
    after = as_utc(after)
    day = local(after).date()
    while True:
        if is_calling_day(day, days=days):
            for index, window in enumerate(windows):
                end = window.end_on(day).astimezone(UTC)
                if after < end:
                    yield index, max(after, window.start_on(day).astimezone(UTC)), end
        day += timedelta(days=1)


def _calling_periods(
    after: datetime, *, settings: CallbackSettings
) -> Iterator[tuple[int, datetime, datetime]]:
    """The calling windows on calling days from `after` on."""
    return open_periods(after, windows=settings.calling_windows, days=settings.calling_days)


def next_slot(after: datetime, *, settings: CallbackSettings) -> datetime:
    """The first instant ≥ `after` inside a calling window on a calling day (UTC)."""
    _, start, _ = next(_calling_periods(after, settings=settings))
    return start


def first_attempt_at(business_at: datetime, *, settings: CallbackSettings) -> datetime:
    """When to place the first call: the configured delay after the business, then a slot."""
    delay = timedelta(minutes=settings.callback_delay_minutes)
    return next_slot(as_utc(business_at) + delay, settings=settings)


def _window_of(moment: datetime, *, settings: CallbackSettings) -> int | None:
    """The index of the calling window `moment` fell in, or None if outside all of them."""
    day = local(moment).date()
    for index, window in enumerate(settings.calling_windows):
        if window.start_on(day) <= moment < window.end_on(day):
            return index
    return None


def retry_at(*, previous_attempts: list[datetime], settings: CallbackSettings) -> datetime | None:
    """When to place the next voice attempt, or None when voice attempts are used up.

    The retry waits at least the configured delay after the last attempt; the first calling
    slot after that is the earliest choice. Among the calling windows ("parts of the day")
    opening within 24 hours of that slot, it takes the one tried longest ago — a window never
    tried first — so someone who missed a 10:00 call is next rung at, say, 14:00 or 18:30
    rather than at 10:00 again. Ties, and a single window, go to the earliest slot.
    """
    if not previous_attempts:
        raise ValueError("no attempt yet: schedule the first one with first_attempt_at")
    if len(previous_attempts) >= settings.voice_attempts:
        return None
    attempts = sorted(as_utc(a) for a in previous_attempts)
    earliest = attempts[-1] + settings.retry_delay(attempt=len(attempts) + 1)
    last_tried = {
        index: order
        for order, attempt in enumerate(attempts)
        if (index := _window_of(attempt, settings=settings)) is not None
    }
    candidates: dict[int, datetime] = {}
    for index, start, _ in _calling_periods(earliest, settings=settings):
        if candidates and start - min(candidates.values()) > _LONGEST_DETOUR:
            break
        candidates.setdefault(index, start)
    # Never-tried windows rank -1, then the one tried longest ago; ties go to the earliest.
    _, chosen = min(candidates.items(), key=lambda c: (last_tried.get(c[0], -1), c[1]))
    return chosen


def sms_deadline(sent_at: datetime, *, settings: CallbackSettings) -> datetime:
    """When an unanswered SMS survey stops waiting for a reply (wall-clock hours, UTC)."""
    return as_utc(sent_at) + timedelta(hours=settings.sms_answer_hours)
