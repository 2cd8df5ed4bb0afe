"""Ratings from every source, stored once each, and what the engine raises about them."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    Date,
    Index,
    String,
    UniqueConstraint,
    and_,
    false,
    text,
)
from sqlmodel import Field, SQLModel, col

from kernel.clock import utcnow
from kernel.columns import utc_timestamp
from kernel.crypto import PHONE, blind_index_field, encrypted, keep_blind_index
from kernel.vocabulary import Answer


class CallbackRating(SQLModel, table=True):
    """One answered callback's ratings, attributed to the outlet and teller who served."""

    __tablename__ = "callback_rating"
    __table_args__ = (
        # The ranking reads one month's rows of one kind: these cover it without the heap.
        Index(
            "ix_callback_rating_period_outlet",
            "period",
            "outlet_id",
            postgresql_include=["attitude", "efficiency", "held", "excluded_reason", "audience"],
        ),
        Index(
            "ix_callback_rating_period_teller",
            "period",
            "teller_id",
            postgresql_include=["attitude", "efficiency", "held", "excluded_reason", "audience"],
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(unique=True)
    audience: str = Field(max_length=20)
    outlet_id: int = Field(foreign_key="outlet.id")
    teller_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    period: str = Field(max_length=7)  # business month in Asia/Shanghai, YYYY-MM
    business_at: datetime = utc_timestamp()
    attitude: Answer | None = Field(default=None, sa_type=String(16))
    efficiency: Answer | None = Field(default=None, sa_type=String(16))
    repeat_trip: bool | None = None
    favour_asked: bool | None = None
    phone: str | None = encrypted("callback_rating.phone", default=None)  # E.164, as called
    phone_index: str | None = blind_index_field(default=None)
    # Held out of every ranking while an anti-gaming flag on it is open or upheld.
    held: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    rated_at: datetime = utc_timestamp(default_factory=utcnow)
    # Left out of every score, with why, by whom and when: a 不满意 found untrue or not the
    # staff's doing, or an outlet's appeal upheld (scoring.exclusions).
    excluded_reason: str | None = Field(default=None, max_length=500)
    excluded_at: datetime | None = utc_timestamp(default=None)
    excluded_by: str | None = Field(default=None, max_length=64)
    # One report found untrue or not the staff's doing leaves the red flags; the rest still counts.
    repeat_trip_excluded: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    favour_excluded: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


keep_blind_index(CallbackRating, source="phone", target="phone_index", kind=PHONE)


def counted_rating() -> ColumnElement[bool]:
    """The ratings scores count: none held by an anti-gaming flag, none excluded."""
    return and_(col(CallbackRating.held).is_(False), col(CallbackRating.excluded_reason).is_(None))


class FlagReason(StrEnum):
    staff_phone = "staff_phone"  # the number called is a member of staff's
    shared_phone = "shared_phone"  # several depositors gave this number


class FlagState(StrEnum):
    open = "open"  # 待核实: held out until an operator decides
    cleared = "cleared"  # 已核实正常: counts again
    upheld = "upheld"  # 确认异常: stays out of the ranking


class RatingFlag(SQLModel, table=True):
    """An anti-gaming flag on a callback rating, and the operator's decision on it."""

    __tablename__ = "rating_flag"
    __table_args__ = (UniqueConstraint("rating_id", "reason"),)
    id: int | None = Field(default=None, primary_key=True)
    rating_id: int = Field(foreign_key="callback_rating.id", index=True)
    reason: FlagReason = Field(sa_type=String(16))
    detail: str = Field(max_length=200)
    state: FlagState = Field(default=FlagState.open, sa_type=String(8), index=True)
    created_at: datetime = utc_timestamp(default_factory=utcnow)
    resolved_at: datetime | None = utc_timestamp(default=None)
    resolved_by: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, max_length=500)


class RankingAlert(SQLModel, table=True):
    """约谈 alert: an outlet the alert rule flagged months running (see scoring.alerts)."""

    __tablename__ = "ranking_alert"
    __table_args__ = (UniqueConstraint("outlet_id", "period", "kind"),)
    id: int | None = Field(default=None, primary_key=True)
    outlet_id: int = Field(foreign_key="outlet.id", index=True)
    period: str = Field(max_length=7, index=True)  # the last of the months
    kind: str = Field(default="bottom_two_months", max_length=24)  # the AlertRule that raised it
    detail: str = Field(max_length=300)
    created_at: datetime = utc_timestamp(default_factory=utcnow)
    acknowledged_at: datetime | None = utc_timestamp(default=None)
    acknowledged_by: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, max_length=500)


class RaterKind(StrEnum):
    outlet = "outlet"  # 网点工作人员
    department = "department"  # 科室
    manager = "manager"  # 副科级以上管理人员


class Rater(SQLModel, table=True):
    """A person who casts evaluation ballots, and on whose behalf (outlet, department, own)."""

    __tablename__ = "evaluation_rater"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'outlet' AND outlet_id IS NOT NULL)"
            " OR (kind = 'department' AND department_id IS NOT NULL)"
            " OR (kind = 'manager' AND manager_id IS NOT NULL)",
            name="ck_evaluation_rater_seat",
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", unique=True)
    kind: RaterKind = Field(sa_type=String(12))
    outlet_id: int | None = Field(default=None, foreign_key="outlet.id")
    department_id: int | None = Field(default=None, foreign_key="department.id")
    manager_id: int | None = Field(default=None, foreign_key="manager.id")
    created_at: datetime = utc_timestamp(default_factory=utcnow)


class EvaluationRound(SQLModel, table=True):
    """One month's round of internal evaluations, open for ballots between two instants."""

    __tablename__ = "evaluation_round"
    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(max_length=7, unique=True)  # YYYY-MM
    opens_at: datetime = utc_timestamp()
    closes_at: datetime = utc_timestamp()
    created_at: datetime = utc_timestamp(default_factory=utcnow)


class SubjectKind(StrEnum):
    department = "department"  # 科室
    leader = "leader"  # 班子成员


class Criterion(StrEnum):
    attitude = "attitude"  # 服务态度
    work_quality = "work_quality"  # 工作质量
    efficiency = "efficiency"  # 办事效率


CRITERION_NAMES = {
    Criterion.attitude: "服务态度",
    Criterion.work_quality: "工作质量",
    Criterion.efficiency: "办事效率",
}


class EvaluationBallot(SQLModel, table=True):
    """One rater's ballot on one department or leader in one round."""

    __tablename__ = "evaluation_ballot"
    __table_args__ = (
        UniqueConstraint("round_id", "rater_id", "subject_kind", "subject_id"),
        Index("ix_evaluation_ballot_subject", "round_id", "subject_kind", "subject_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="evaluation_round.id")
    rater_id: int = Field(foreign_key="evaluation_rater.id", index=True)
    rater_kind: RaterKind = Field(sa_type=String(12))  # shown in aggregate; the rater never
    subject_kind: SubjectKind = Field(sa_type=String(12))
    subject_id: int  # department.id or leadership_member.id, by subject_kind
    cast_at: datetime = utc_timestamp(default_factory=utcnow)


class EvaluationAnswer(SQLModel, table=True):
    """One criterion of a ballot; 不满意 carries the matter or reason."""

    __tablename__ = "evaluation_answer"
    __table_args__ = (
        UniqueConstraint("ballot_id", "criterion"),
        CheckConstraint(
            "tier <> 'unsatisfied' OR length(trim(coalesce(reason, ''))) > 0",
            name="ck_evaluation_answer_reason",
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    ballot_id: int = Field(foreign_key="evaluation_ballot.id", index=True)
    criterion: Criterion = Field(sa_type=String(16))
    tier: Answer = Field(sa_type=String(16))
    reason: str | None = Field(default=None, max_length=500)


class InspectionMethod(StrEnum):
    """How the third party observed an outlet (§四)."""

    mystery_shopper = "mystery_shopper"  # 神秘客户体验调查
    doorstep_interview = "doorstep_interview"  # 门前客户访问
    on_site = "on_site"  # 现场检查


METHOD_NAMES = {
    InspectionMethod.mystery_shopper: "神秘客户体验调查",
    InspectionMethod.doorstep_interview: "门前客户访问",
    InspectionMethod.on_site: "现场检查",
}


class InspectionArea(StrEnum):
    """What the third party observes and scores (§四); a finding's category."""

    environment = "environment"  # 内外环境
    facilities = "facilities"  # 功能设置
    appearance = "appearance"  # 服务形象
    conduct = "conduct"  # 服务行为
    business = "business"  # 业务办理


AREA_NAMES = {
    InspectionArea.environment: "内外环境",
    InspectionArea.facilities: "功能设置",
    InspectionArea.appearance: "服务形象",
    InspectionArea.conduct: "服务行为",
    InspectionArea.business: "业务办理",
}


class Inspection(SQLModel, table=True):
    """A quarterly third-party inspection (第三方监督) of one outlet, with its score."""

    __table_args__ = (UniqueConstraint("outlet_id", "quarter"),)
    id: int | None = Field(default=None, primary_key=True)
    outlet_id: int = Field(foreign_key="outlet.id", index=True)
    quarter: str = Field(max_length=7, index=True)  # YYYY-Qn
    # With area scores, their mean (the seed weighs the five areas alike); else as reported.
    score: float = Field(ge=0, le=100)
    # The InspectionMethod values used, comma-separated in their declared order.
    methods: str = Field(default="", max_length=120, sa_column_kwargs={"server_default": ""})
    inspected_on: date = Field(sa_type=Date)
    firm: str = Field(max_length=100)
    summary: str = Field(default="", max_length=2000)
    recorded_by: str = Field(max_length=64)
    created_at: datetime = utc_timestamp(default_factory=utcnow)


class InspectionAreaScore(SQLModel, table=True):
    """An inspection's score on one of the five areas, 0..100."""

    __tablename__ = "inspection_area_score"
    __table_args__ = (UniqueConstraint("inspection_id", "area"),)
    id: int | None = Field(default=None, primary_key=True)
    inspection_id: int = Field(foreign_key="inspection.id", index=True)
    area: InspectionArea = Field(sa_type=String(16))
    score: float = Field(ge=0, le=100)


class FindingState(StrEnum):
    open = "open"  # 待整改
    rectified = "rectified"  # 已整改（复查确认）


FINDING_STATE_NAMES = {FindingState.open: "待整改", FindingState.rectified: "已整改"}


class InspectionFinding(SQLModel, table=True):
    """One problem the inspectors found, in words, tagged by area and method; photos attach."""

    __tablename__ = "inspection_finding"
    id: int | None = Field(default=None, primary_key=True)
    inspection_id: int = Field(foreign_key="inspection.id", index=True)
    text: str = Field(max_length=2000)
    staff_id: int | None = Field(default=None, foreign_key="staff.id")  # 直接责任人
    # Category (for 举一反三 across outlets) and how it was found; None on findings from before.
    area: InspectionArea | None = Field(default=None, sa_type=String(16), index=True)
    method: InspectionMethod | None = Field(default=None, sa_type=String(24))
    state: FindingState = Field(
        default=FindingState.open, sa_type=String(12), sa_column_kwargs={"server_default": "open"}
    )
    rectified_at: datetime | None = utc_timestamp(default=None)
    rectified_by: str | None = Field(default=None, max_length=64)
    rectification_note: str | None = Field(default=None, max_length=500)
    created_at: datetime = utc_timestamp(default_factory=utcnow)


class FindingPhoto(SQLModel, table=True):
    """A photograph taken during an inspection, stored as a file under the var dir."""

    __tablename__ = "finding_photo"
    __table_args__ = (UniqueConstraint("finding_id", "sha256"),)
    id: int | None = Field(default=None, primary_key=True)
    finding_id: int = Field(foreign_key="inspection_finding.id", index=True)
    filename: str = Field(max_length=200)
    stored_name: str = Field(max_length=100)
    content_type: str = Field(max_length=50)
    size_bytes: int
    sha256: str = Field(max_length=64)
    created_at: datetime = utc_timestamp(default_factory=utcnow)


class StepKind(StrEnum):
    issue_letter = "issue_letter"  # 问题交办函: the outlet confirms receipt
    rectification_report = "rectification_report"  # 问题整改报告
    personal_statement = "personal_statement"  # 个人检查


STEP_NAMES = {
    StepKind.issue_letter: "问题交办函（签收）",
    StepKind.rectification_report: "问题整改报告",
    StepKind.personal_statement: "个人检查",
}
STEP_ORDER = (StepKind.issue_letter, StepKind.rectification_report, StepKind.personal_statement)


class StepState(StrEnum):
    pending = "pending"  # 待提交
    submitted = "submitted"  # 已提交，待审核
    returned = "returned"  # 退回重写
    accepted = "accepted"  # 已通过


STEP_STATE_NAMES = {
    StepState.pending: "待提交",
    StepState.submitted: "已提交待审核",
    StepState.returned: "已退回",
    StepState.accepted: "已通过",
}


class IssueLetter(SQLModel, table=True):
    """问题交办函 — the centre's letter to an outlet about an inspection's findings."""

    __tablename__ = "issue_letter"
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=40, unique=True)
    inspection_id: int = Field(foreign_key="inspection.id", unique=True)
    outlet_id: int = Field(foreign_key="outlet.id", index=True)
    issued_on: date = Field(sa_type=Date)
    issued_by: str = Field(max_length=64)
    closed_at: datetime | None = utc_timestamp(default=None)


class RectificationStep(SQLModel, table=True):
    """One step of a letter's workflow, with its due date and state."""

    __tablename__ = "rectification_step"
    __table_args__ = (
        Index(
            "uq_rectification_step",
            "letter_id",
            "kind",
            text("coalesce(staff_id, 0)"),
            unique=True,
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    letter_id: int = Field(foreign_key="issue_letter.id", index=True)
    kind: StepKind = Field(sa_type=String(24))
    staff_id: int | None = Field(default=None, foreign_key="staff.id")  # who writes 个人检查
    due_on: date = Field(sa_type=Date)
    state: StepState = Field(default=StepState.pending, sa_type=String(12))
    content: str | None = Field(default=None, max_length=5000)
    submitted_at: datetime | None = utc_timestamp(default=None)
    submitted_by: str | None = Field(default=None, max_length=64)
    reviewed_at: datetime | None = utc_timestamp(default=None)
    reviewed_by: str | None = Field(default=None, max_length=64)
    review_note: str | None = Field(default=None, max_length=500)
