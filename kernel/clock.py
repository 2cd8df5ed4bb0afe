"""Time: stored in UTC, shown and scheduled in the centre's zone (Asia/Shanghai)."""

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from kernel.config import get_kernel_settings


@lru_cache
def centre_tz() -> ZoneInfo:
    """The centre's zone (HUIFANG_TIMEZONE, checked with the settings), read on first use."""
    return ZoneInfo(get_kernel_settings().timezone)


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """Treat naive datetimes (as SQLite returns them) as UTC; convert aware ones."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def local(moment: datetime, tz: ZoneInfo | None = None) -> datetime:
    """The same instant in the centre's local zone (or in `tz`)."""
    return as_utc(moment).astimezone(tz or centre_tz())


def local_date(moment: datetime, tz: ZoneInfo | None = None) -> date:
    """The local calendar date of an instant."""
    return local(moment, tz).date()
