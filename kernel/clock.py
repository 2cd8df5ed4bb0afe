"""Time: stored in UTC, shown and scheduled in the centre's zone (Asia/Shanghai)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

CENTRE_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """Treat naive datetimes (as SQLite returns them) as UTC; convert aware ones."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def local(moment: datetime, tz: ZoneInfo = CENTRE_TZ) -> datetime:
    """The same instant in the centre's local zone."""
    return as_utc(moment).astimezone(tz)


def local_date(moment: datetime, tz: ZoneInfo = CENTRE_TZ) -> date:
    """The local calendar date of an instant."""
    return local(moment, tz).date()


def month_key(moment: datetime, tz: ZoneInfo = CENTRE_TZ) -> str:
    """The local month of an instant as YYYY-MM."""
    return local(moment, tz).strftime("%Y-%m")
