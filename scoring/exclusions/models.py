"""What is left out of scores and why: operators' findings, outlets' appeals, their history."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Index, String, text
from sqlmodel import Field, SQLModel

from kernel.clock import utcnow
from kernel.columns import calendar_day, utc_timestamp


class Finding(StrEnum):
    """核实结论 — what an operator found when checking a report with the person."""

    true = "true"  # 属实
    untrue = "untrue"  # 不属实
    not_staff = "not_staff"  # 非工作人员原因: a bank delay, a policy the person dislikes


FINDING_LABELS = {
    Finding.true: "属实",
    Finding.untrue: "不属实",
    Finding.not_staff: "非工作人员原因",
}


class Concern(StrEnum):
    """What in a callback a finding is about; it decides what an exclusion leaves out."""

    rating = "rating"  # 不满意: the callback's ratings, hence its place in every score
    repeat_trip = "repeat_trip"  # 跑回头路: that report in the red flags
    favour_asked = "favour_asked"  # 索拿卡要: that report in the red flags


CONCERN_LABELS = {
    Concern.rating: "不满意",
    Concern.repeat_trip: "跑回头路",
    Concern.favour_asked: "索拿卡要",
}


class RatingAction(StrEnum):
    """A step in a rating's history after it was recorded."""

    finding = "finding"  # 核实结论
    appeal_filed = "appeal_filed"  # 提出申诉
    appeal_upheld = "appeal_upheld"  # 复核：申诉成立
    appeal_rejected = "appeal_rejected"  # 复核：维持原评价


ACTION_LABELS = {
    RatingAction.finding: "坐席核实",
    RatingAction.appeal_filed: "网点申诉",
    RatingAction.appeal_upheld: "复核：申诉成立",
    RatingAction.appeal_rejected: "复核：维持原评价",
}


class RatingEvent(SQLModel, table=True):
    """One step in a rating's history — who did what, when — shown behind every score."""

    __tablename__ = "rating_event"
    id: int | None = Field(default=None, primary_key=True)
    rating_id: int = Field(foreign_key="callback_rating.id", index=True)
    at: datetime = utc_timestamp(default_factory=utcnow)
    actor: str = Field(max_length=64)
    action: RatingAction = Field(sa_type=String(16))
    note: str = Field(max_length=2500)


class AppealState(StrEnum):
    open = "open"  # 待复核
    upheld = "upheld"  # 申诉成立: the rating leaves every score
    rejected = "rejected"  # 维持原评价: the rating stays


APPEAL_STATE_LABELS = {
    AppealState.open: "待复核",
    AppealState.upheld: "申诉成立",
    AppealState.rejected: "维持原评价",
}


class Appeal(SQLModel, table=True):
    """申诉 — an outlet asks that a counted rating be left out; a manager decides (复核)."""

    __tablename__ = "rating_appeal"
    __table_args__ = (
        # One open appeal per rating, whoever files it at the same moment.
        Index(
            "uq_rating_appeal_open",
            "rating_id",
            unique=True,
            postgresql_where=text("state = 'open'"),
            sqlite_where=text("state = 'open'"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    rating_id: int = Field(foreign_key="callback_rating.id", index=True)
    outlet_id: int = Field(foreign_key="outlet.id", index=True)
    state: AppealState = Field(default=AppealState.open, sa_type=String(8), index=True)
    evidence: str = Field(max_length=2000)  # the outlet's reasons and evidence, in its words
    due_on: date = calendar_day()  # the last day it could be filed (Asia/Shanghai)
    filed_by: str = Field(max_length=64)
    filed_at: datetime = utc_timestamp(default_factory=utcnow)
    decided_by: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = utc_timestamp(default=None)
    decision_note: str | None = Field(default=None, max_length=2000)
