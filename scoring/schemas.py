"""API shapes of the ranking engine."""

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from scoring.drilldown import RatingLine
from scoring.rankings import RankedSubject
from scoring.redflags import FavourReport
from scoring.stats import TierCounts


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


class CountsPublic(BaseModel):
    very_satisfied: int
    satisfied: int
    unsatisfied: int


class RankPublic(BaseModel):
    """One subject's line in a ranking; every count is in people (人次), not answers."""

    rank: int | None
    kind: str
    code: str
    name: str
    group: str = Field(description="the teller's outlet, the leader's title")
    score: float | None = Field(
        description="mean person score: each callback (or ballot) scores the mean of its ratings"
    )
    rank_score: float | None = Field(description="what the rank uses: shrunk toward the centre")
    satisfaction_rate: float | None = Field(description="满意率: share of people with no 不满意")
    interval_low: float | None
    interval_high: float | None
    interval_level: float
    people: int = Field(description="人次: callbacks rated, or ballots cast")
    answers: int = Field(description="the same as people (the skeleton's name, kept)")
    tier_answers: int = Field(
        description="valid tier answers (up to two per callback, three per ballot)"
    )
    very_satisfied: int = Field(description="people 非常满意 on every rating")
    satisfied: int = Field(description="people with no 不满意, not all 非常满意")
    unsatisfied: int = Field(description="people with at least one 不满意")
    small_sample: bool
    centre_score: float | None

    @classmethod
    def of(cls, row: RankedSubject) -> "RankPublic":
        s = row.summary
        return cls(
            rank=row.rank,
            kind=row.subject.kind,
            code=row.subject.code,
            name=row.subject.name,
            group=row.subject.group,
            score=_r(s.score),
            rank_score=_r(s.rank_score),
            satisfaction_rate=_r(s.satisfaction_rate, 4),
            interval_low=_r(s.interval[0]) if s.interval else None,
            interval_high=_r(s.interval[1]) if s.interval else None,
            interval_level=s.interval_level,
            people=s.people,
            answers=s.people,
            tier_answers=s.sample.answers.total,
            very_satisfied=s.counts.very_satisfied,
            satisfied=s.counts.satisfied,
            unsatisfied=s.counts.unsatisfied,
            small_sample=s.small_sample,
            centre_score=_r(row.centre_score),
        )


class OutletRankPublic(RankPublic):
    """An outlet's line; outlet_code is the skeleton's public name for its code."""

    outlet_code: str

    @classmethod
    def of_outlet(cls, row: RankedSubject) -> "OutletRankPublic":
        return cls(outlet_code=row.subject.code, **RankPublic.of(row).model_dump())


def counts_public(counts: TierCounts) -> CountsPublic:
    return CountsPublic(
        very_satisfied=counts.very_satisfied,
        satisfied=counts.satisfied,
        unsatisfied=counts.unsatisfied,
    )


class CallbackDrilldownPublic(BaseModel):
    subject: RankPublic
    total: int
    ratings: list[RatingLine] = Field(
        description="answered callbacks; `held`: kept out of the ranking by an anti-gaming flag"
    )


class ReasonPublic(BaseModel):
    period: str
    criterion: str
    reason: str


class EvaluationDrilldownPublic(BaseModel):
    subject: RankPublic
    by_criterion: dict[str, CountsPublic]
    reasons: list[ReasonPublic] = Field(description="every reason given; raters are never shown")


class RepeatTripsPublic(BaseModel):
    kind: str
    code: str
    name: str
    group: str
    asked: int
    repeat_trips: int
    rate: float | None
    interval_low: float | None
    interval_high: float | None
    favour_reports: int


class RedFlagsPublic(BaseModel):
    period: str
    repeat_trips: list[RepeatTripsPublic]
    favour_reports: list[FavourReport]


class AlertPublic(BaseModel):
    id: int
    outlet_code: str
    outlet_name: str
    period: str
    kind: str
    detail: str
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    note: str | None


class NoteCreate(BaseModel):
    note: str = ""


class FlagPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    rating_id: int
    reason: str
    detail: str
    state: str
    created_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    note: str | None


class PartPublic(BaseModel):
    name: str
    label: str
    score: float | None
    weight: float
    effective_weight: float
    contribution: float | None
    reason: str | None = Field(description="why a part without a score was left out")


class AppraisalPublic(BaseModel):
    rank: int | None
    outlet_code: str
    name: str
    composite: float | None
    parts: list[PartPublic]
    missing: list[str]
    note: str | None
    callback_people: int
    callback_small_sample: bool
    inspection_quarters: list[str]
    rectification_letters: int
    rectification_on_time: int


class RoundCreate(BaseModel):
    period: str
    opens_at: datetime
    closes_at: datetime


class RoundPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    period: str
    opens_at: datetime
    closes_at: datetime


class RaterCreate(BaseModel):
    username: str
    kind: str = Field(description="outlet, department or manager")
    code: str = Field(description="the outlet's, department's or manager's code")


class AnswerCreate(BaseModel):
    tier: str = Field(description="very_satisfied, satisfied or unsatisfied")
    reason: str | None = Field(default=None, description="required with unsatisfied")


class BallotCreate(BaseModel):
    period: str
    subject_kind: str = Field(description="department or leader")
    subject_code: str
    answers: dict[str, AnswerCreate] = Field(description="attitude, work_quality, efficiency")


class BallotPublic(BaseModel):
    """What a rater gets back: never an id that could tie the ballot to them later."""

    period: str
    subject_kind: str
    subject_code: str
    cast_at: datetime


class SheetLinePublic(BaseModel):
    subject_kind: str
    code: str
    name: str
    note: str
    done: bool


class DepartmentCreate(BaseModel):
    code: str
    name: str


class LeaderCreate(BaseModel):
    code: str
    name: str
    title: str
    portfolio: str = ""


class ManagerCreate(BaseModel):
    code: str
    name: str
    grade: str = Field(description="deputy_section, section, deputy_division or division")
    department_code: str | None = None
    outlet_code: str | None = None
    leader_code: str | None = Field(
        default=None, description="the leadership member (班子成员) this manager is, if any"
    )


class OrgPublic(BaseModel):
    id: int
    code: str
    name: str


class FindingCreate(BaseModel):
    text: str
    staff_code: str | None = None
    area: str | None = Field(default=None, description="category: environment, facilities, …")
    method: str | None = Field(default=None, description="mystery_shopper, … or on_site")


class InspectionCreate(BaseModel):
    outlet_code: str
    quarter: str = Field(description="YYYY-Qn")
    score: float | None = Field(default=None, description="the whole score, without area_scores")
    area_scores: dict[str, float] | None = Field(
        default=None, description="0..100 for each of the five areas; the score is their mean"
    )
    methods: list[str] = []
    inspected_on: date
    firm: str
    summary: str = ""
    findings: list[FindingCreate] = []


class PhotoPublic(BaseModel):
    id: int
    filename: str
    content_type: str
    size_bytes: int
    url: str


class FindingPublic(BaseModel):
    id: int
    text: str
    staff_id: int | None
    area: str | None = None
    method: str | None = None
    state: str = "open"
    photos: list[PhotoPublic]


class InspectionPublic(BaseModel):
    id: int
    outlet_code: str
    quarter: str
    score: float
    area_scores: dict[str, float] = {}
    methods: list[str] = []
    inspected_on: date
    firm: str
    summary: str
    findings: list[FindingPublic]
    letter_id: int | None


class LetterCreate(BaseModel):
    issued_on: date


class StepPublic(BaseModel):
    id: int
    kind: str
    staff: str | None
    due_on: date
    state: str
    overdue: bool
    on_time: bool | None
    content: str | None
    submitted_at: datetime | None
    reviewed_at: datetime | None
    review_note: str | None


class LetterPublic(BaseModel):
    id: int
    number: str
    inspection_id: int
    outlet_code: str
    issued_on: date
    closed_at: datetime | None
    steps: list[StepPublic]


class StepSubmissionCreate(BaseModel):
    content: str = ""


class StepReviewCreate(BaseModel):
    accept: bool
    note: str | None = None
