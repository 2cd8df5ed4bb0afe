"""API shapes of the callback desk: phones masked unless an operator asks for the number."""

from datetime import datetime

from pydantic import BaseModel, Field

from callbacks.cases import CaseView
from callbacks.models import CallAttempt, CallbackTask, TaskEvent
from kernel.phone import mask
from scoring.exclusions.models import FINDING_LABELS, Finding


class CasePublic(BaseModel):
    id: int
    task_id: int
    reason: str
    label: str
    priority: int
    status: str
    opened_at: datetime
    sla_due_at: datetime
    breached: bool
    rectify_due_at: datetime | None
    rectify_breached: bool
    escalated: bool
    assignee: str | None
    note: str | None
    rectification: str | None
    finding: Finding | None
    finding_label: str | None = Field(description="核实结论：属实、不属实或非工作人员原因")
    found_by: str | None
    verified_at: datetime | None
    closed_at: datetime | None
    outlet_id: int
    outlet_name: str
    person_name: str
    phone_masked: str
    task_kind: str
    task_status: str

    @classmethod
    def of(cls, item: CaseView) -> "CasePublic":
        case, task = item.case, item.task
        return cls(
            id=case.id or 0,
            task_id=case.task_id,
            reason=case.reason,
            label=item.label,
            priority=case.priority,
            status=case.status,
            opened_at=case.opened_at,
            sla_due_at=case.sla_due_at,
            breached=item.breached,
            rectify_due_at=case.rectify_due_at,
            rectify_breached=item.rectify_breached,
            escalated=case.escalated,
            assignee=case.assignee,
            note=case.note,
            rectification=case.rectification,
            finding=case.finding,
            finding_label=FINDING_LABELS[Finding(case.finding)] if case.finding else None,
            found_by=case.found_by,
            verified_at=case.verified_at,
            closed_at=case.closed_at,
            outlet_id=task.outlet_id,
            outlet_name=task.outlet_name,
            person_name=task.person_name,
            phone_masked=mask(task.phone),
            task_kind=task.kind,
            task_status=task.status,
        )


class EventPublic(BaseModel):
    at: datetime
    actor: str
    from_status: str | None
    to_status: str
    note: str | None

    @classmethod
    def of(cls, event: TaskEvent) -> "EventPublic":
        return cls(
            at=event.at,
            actor=event.actor,
            from_status=event.from_status,
            to_status=event.to_status,
            note=event.note,
        )


class AttemptPublic(BaseModel):
    attempt_no: int
    channel: str
    status: str
    answered_by: str | None
    started_at: datetime
    ended_at: datetime | None

    @classmethod
    def of(cls, attempt: CallAttempt) -> "AttemptPublic":
        return cls(
            attempt_no=attempt.attempt_no,
            channel=attempt.channel,
            status=attempt.status,
            answered_by=attempt.answered_by,
            started_at=attempt.started_at,
            ended_at=attempt.ended_at,
        )


class TaskPublic(BaseModel):
    id: int
    kind: str
    audience: str
    status: str
    business_kind: str
    business_at: datetime
    outlet_name: str
    person_name: str
    phone_masked: str
    due_at: datetime | None
    completed_at: datetime | None
    close_reason: str | None
    suggestion: str | None
    parent_task_id: int | None
    # A project contact's monthly callback: its month, project, and the loans it covers.
    contact_month: str | None = None
    project_name: str | None = None
    loans_covered: int = 1
    answers: dict[str, str | None]
    attempts: list[AttemptPublic]
    history: list[EventPublic]

    @classmethod
    def of(
        cls,
        task: CallbackTask,
        *,
        answers: dict[str, str | None],
        attempts: list[CallAttempt],
        events: list[TaskEvent],
    ) -> "TaskPublic":
        return cls(
            id=task.id or 0,
            kind=task.kind,
            audience=task.audience,
            status=task.status,
            business_kind=task.business_kind,
            business_at=task.business_at,
            outlet_name=task.outlet_name,
            person_name=task.person_name,
            phone_masked=mask(task.phone),
            due_at=task.due_at,
            completed_at=task.completed_at,
            close_reason=task.close_reason,
            suggestion=task.suggestion,
            parent_task_id=task.parent_task_id,
            contact_month=task.contact_month,
            project_name=task.project_name,
            loans_covered=task.loans_covered,
            answers=answers,
            attempts=[AttemptPublic.of(a) for a in attempts],
            history=[EventPublic.of(e) for e in events],
        )


class ManualResultCreate(BaseModel):
    """The answers taken on a manual call; omit a question not answered, null for unclear."""

    answers: dict[str, str | None]
    suggestion: str | None = Field(default=None, max_length=2000)


class NoteCreate(BaseModel):
    note: str = Field(min_length=1, max_length=2000)


class ScheduleUpdate(BaseModel):
    at: datetime


class VerificationCreate(BaseModel):
    """The operator's finding (核实结论) on a 不满意, repeat-trip or favour-asking case."""

    finding: str = Field(description="true（属实）、untrue（不属实）或 not_staff（非工作人员原因）")
    note: str = Field(default="", max_length=2000, description="核实情况说明（必填）")


class RectificationCreate(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


class DoNotCallCreate(BaseModel):
    phone: str
    note: str | None = Field(default=None, max_length=500)
