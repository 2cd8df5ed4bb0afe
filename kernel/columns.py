"""Column and table helpers every models module shares (SQLModel leaves these untyped)."""

from typing import Any, cast

from sqlalchemy import Date, DateTime, Table
from sqlalchemy.engine import CursorResult, Result
from sqlmodel import Field


def utc_timestamp(**kwargs: Any) -> Any:
    """A timezone-aware timestamp column (times are stored in UTC: name it `..._at`)."""
    return Field(sa_type=DateTime(timezone=True), **kwargs)


def calendar_day(**kwargs: Any) -> Any:
    """A date column (a local calendar day: name it `..._on`)."""
    return Field(sa_type=Date, **kwargs)


def table_of(model: type[Any]) -> Table:
    """The SQLAlchemy Table behind a SQLModel table class, typed."""
    return cast(Table, model.__table__)


def rowcount(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE touched."""
    return cast(CursorResult[Any], result).rowcount
