"""Ratings from every source, stored once each."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, Index, String
from sqlmodel import Field, SQLModel

from kernel.clock import utcnow


class Tier(StrEnum):
    very_satisfied = "very_satisfied"  # 非常满意
    satisfied = "satisfied"  # 满意
    unsatisfied = "unsatisfied"  # 不满意


class CallbackRating(SQLModel, table=True):
    """One answered callback's ratings, attributed to the outlet and teller who served."""

    __tablename__ = "callback_rating"
    __table_args__ = (Index("ix_callback_rating_period_outlet", "period", "outlet_id"),)
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(unique=True)
    audience: str = Field(max_length=20)
    outlet_id: int = Field(foreign_key="outlet.id")
    teller_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    period: str = Field(max_length=7)  # business month in Asia/Shanghai, YYYY-MM
    business_at: datetime = Field(sa_type=DateTime(timezone=True))
    attitude: Tier | None = Field(default=None, sa_type=String(16))
    efficiency: Tier | None = Field(default=None, sa_type=String(16))
    repeat_trip: bool | None = None
    favour_asked: bool | None = None
    rated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
