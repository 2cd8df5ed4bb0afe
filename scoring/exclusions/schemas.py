"""API shapes of findings' history and appeals (申诉与复核)."""

from datetime import date, datetime

from pydantic import BaseModel, Field

from scoring.exclusions.appeals import AppealLine
from scoring.exclusions.models import APPEAL_STATE_LABELS, AppealState


class AppealCreate(BaseModel):
    """An outlet's appeal of one rating; outlet_code only when the account is not seated at one."""

    rating_id: int
    outlet_code: str | None = Field(default=None, max_length=32)
    evidence: str = Field(max_length=2000, description="申诉理由和证据")


class AppealDecisionCreate(BaseModel):
    """A manager's review (复核): upheld leaves the rating out of every score."""

    upheld: bool
    note: str = Field(max_length=2000, description="复核意见")


class AppealPublic(BaseModel):
    id: int
    rating_id: int
    outlet_code: str
    outlet_name: str
    teller_code: str | None
    state: AppealState
    state_label: str
    evidence: str
    due_on: date
    filed_by: str
    filed_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    rating_excluded_reason: str | None

    @classmethod
    def of(cls, line: AppealLine) -> "AppealPublic":
        appeal = line.appeal
        return cls(
            id=appeal.id or 0,
            rating_id=appeal.rating_id,
            outlet_code=line.outlet.code,
            outlet_name=line.outlet.name,
            teller_code=line.teller.code if line.teller else None,
            state=appeal.state,
            state_label=APPEAL_STATE_LABELS[AppealState(appeal.state)],
            evidence=appeal.evidence,
            due_on=appeal.due_on,
            filed_by=appeal.filed_by,
            filed_at=appeal.filed_at,
            decided_by=appeal.decided_by,
            decided_at=appeal.decided_at,
            decision_note=appeal.decision_note,
            rating_excluded_reason=line.rating.excluded_reason,
        )
