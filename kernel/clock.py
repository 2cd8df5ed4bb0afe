"""Time: stored in UTC, shown and scheduled in the centre's zone (Asia/Shanghai)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kernel.config import get_kernel_settings


def _centre_zone() -> ZoneInfo:
    name = get_kernel_settings().timezone
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise SystemExit(
            f"配置错误 / bad setting: HUIFANG_TIMEZONE: unknown zone {name!r}"
        ) from error


# Read once per process: the zone a centre schedules calls in does not change while it runs.
CENTRE_TZ = _centre_zone()


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
