"""Callback settings: when people may be called, how often, and the SLA clocks (HUIFANG_*)."""

import re
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from kernel.clock import centre_tz

ENV_PREFIX = "HUIFANG_"
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
_MIDNIGHT = time(0)


class SettingsError(ValueError):
    """A HUIFANG_* variable holds a value the callback service cannot start with."""


class DailyWindow(NamedTuple):
    """A local time range repeated every day; `end == 00:00` stands for 24:00."""

    start: time
    end: time

    @property
    def label(self) -> str:
        """The range as written in settings, e.g. 09:00-12:00."""
        end = "24:00" if self.end == _MIDNIGHT else self.end.strftime("%H:%M")
        return f"{self.start:%H:%M}-{end}"

    def start_on(self, day: date) -> datetime:
        """The local instant the window opens on `day`."""
        return datetime.combine(day, self.start, tzinfo=centre_tz())

    def end_on(self, day: date) -> datetime:
        """The local instant the window closes on `day` (next midnight for 24:00)."""
        if self.end == _MIDNIGHT:
            return datetime.combine(day + timedelta(days=1), _MIDNIGHT, tzinfo=centre_tz())
        return datetime.combine(day, self.end, tzinfo=centre_tz())

    @property
    def length(self) -> timedelta:
        """How long the window stays open each day."""
        end = timedelta(hours=24) if self.end == _MIDNIGHT else _since_midnight(self.end)
        return end - _since_midnight(self.start)


def _since_midnight(moment: time) -> timedelta:
    """A time of day as the span since midnight."""
    return timedelta(hours=moment.hour, minutes=moment.minute)


def _parse_range(part: str) -> DailyWindow:
    """One `HH:MM-HH:MM` range; 24:00 is allowed only as an end."""
    bad = ValueError(f"{part!r} is not a time range like 09:00-12:00")
    match = _RANGE.match(part.replace(" ", ""))
    if match is None:
        raise bad
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2 != 0):
        raise bad
    start, end = time(h1, m1), time(h2 % 24, m2)
    if h2 != 24 and end <= start:
        raise ValueError(
            f"{part!r} does not end after it starts (split a range across midnight in two: "
            "00:00-02:00,22:00-24:00)"
        )
    return DailyWindow(start, end)


def parse_windows(raw: str) -> tuple[DailyWindow, ...]:
    """Parse `09:00-12:00,14:00-20:00` into ordered, non-overlapping daily windows."""
    parts = [p.strip() for p in raw.split(",")]
    if not any(parts):
        raise ValueError(f"{raw!r} names no time range; give one like 09:00-12:00")
    windows = sorted(_parse_range(p) for p in parts)
    for earlier, later in zip(windows, windows[1:], strict=False):
        if later.start < earlier.end or earlier.end == _MIDNIGHT:
            raise ValueError(f"{earlier.label!r} overlaps {later.label!r}")
    return tuple(windows)


def parse_minutes(raw: str) -> tuple[int, ...]:
    """Parse `180,1440` into whole, non-negative minutes."""
    minutes = []
    for part in (p.strip() for p in raw.split(",")):
        if not part.isdigit():
            raise ValueError(f"{part!r} is not a whole number of minutes (0 or more)")
        minutes.append(int(part))
    return tuple(minutes)


class CallbackSettings(BaseSettings):
    """Everything that decides when a callback may ring, retry, and must be handled."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_ignore_empty=True)

    callback_delay_minutes: int = Field(120, ge=0)
    calling_windows: Annotated[tuple[DailyWindow, ...], NoDecode] = parse_windows(
        "09:00-12:00,14:00-20:00"
    )
    calling_days: Literal["workdays", "all"] = "workdays"
    voice_attempts: int = Field(3, ge=1)
    # Delay before attempt 2, 3, …; the last one repeats when attempts outnumber it.
    retry_delays_minutes: Annotated[tuple[int, ...], NoDecode] = (180, 1440)
    sms_answer_hours: int = Field(24, ge=1)
    # Unset: no cap. N: at most one callback per phone number per N days.
    suppression_days: int | None = Field(None, ge=1)
    # An attempt still "placing" this long after it began lost its job (worker killed, Redis
    # flushed) and is placed again; jobs time out well before it, so no live job is doubled.
    attempt_lease_seconds: int = Field(180, ge=2)
    # A call the provider never reported finished is given up (counted unanswered) after this.
    call_timeout_minutes: int = Field(60, ge=1)
    # A placed call with no final status this long after it began is looked up at the provider
    # (its status callback may have been lost: Twilio never retries one).
    call_check_seconds: int = Field(600, ge=1)
    # The provider account's calls per second, shared by every worker (a Redis token bucket):
    # a provider queues excess calls for hours, and a queued call could ring at night.
    calls_per_second: float = Field(1.0, gt=0, le=100)
    # A rate-limited request (too many requests) waits this long, not counted as an attempt.
    rate_limit_backoff_seconds: int = Field(30, ge=1)
    # A channel paused for an account or configuration error tries again after this long.
    channel_pause_minutes: int = Field(30, ge=1)
    office_hours: Annotated[tuple[DailyWindow, ...], NoDecode] = parse_windows(
        "09:00-12:00,13:30-17:30"
    )
    sla_verify_working_days: int = Field(1, ge=1)
    sla_rectify_working_days: int = Field(5, ge=1)
    # Favour-asking (索拿卡要) is a disciplinary matter: verified within hours, not days.
    sla_favour_working_hours: int = Field(4, ge=1)

    @field_validator("calling_windows", "office_hours", mode="before")
    @classmethod
    def _windows_from_text(cls, value: Any) -> Any:
        """Accept the env form `09:00-12:00,14:00-20:00` as well as parsed windows."""
        return parse_windows(value) if isinstance(value, str) else value

    @field_validator("retry_delays_minutes", mode="before")
    @classmethod
    def _minutes_from_text(cls, value: Any) -> Any:
        """Accept the env form `180,1440` as well as a sequence of minutes."""
        return parse_minutes(value) if isinstance(value, str) else value

    @field_validator("retry_delays_minutes")
    @classmethod
    def _minutes_non_negative(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        """A retry cannot come before the attempt it follows."""
        if not value:
            raise ValueError("'' names no delay; give minutes like 180,1440")
        for minutes in value:
            if minutes < 0:
                raise ValueError(f"'{minutes}' is not a whole number of minutes (0 or more)")
        return value

    def retry_delay(self, *, attempt: int) -> timedelta:
        """The wait before voice attempt `attempt` (2 for the first retry)."""
        if attempt < 2:
            raise ValueError(f"attempt {attempt} is not a retry")
        delays = self.retry_delays_minutes
        return timedelta(minutes=delays[min(attempt - 2, len(delays) - 1)])


def _describe(error: Any) -> str:
    """One validation error as `HUIFANG_NAME: message` naming the bad value."""
    env = ENV_PREFIX + str(error["loc"][0]).upper()
    if error["type"] == "value_error":
        return f"{env}: {error['ctx']['error']}"
    return f"{env}: {error['input']!r}: {error['msg']}"


def load_callback_settings() -> CallbackSettings:
    """Read the callback settings from the environment; a bad value stops start-up."""
    try:
        return CallbackSettings()
    except ValidationError as err:
        raise SettingsError("; ".join(_describe(e) for e in err.errors())) from err


@lru_cache(maxsize=1)
def get_callback_settings() -> CallbackSettings:
    """The process-wide callback settings; tests call `get_callback_settings.cache_clear()`."""
    return load_callback_settings()
