"""Callback verbs: open tasks from business events, run attempts, keep answers, close surveys."""

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from callbacks.config import get_callback_settings
from callbacks.models import (
    AttemptStatus,
    CallAttempt,
    CallbackTask,
    SurveyAnswer,
    TaskEvent,
    TaskStatus,
)
from callbacks.schedule import first_attempt_at, retry_at
from kernel.clock import as_utc, utcnow
from kernel.errors import NotFound
from scoring.service import record_callback_rating

QUESTIONS = ("attitude", "efficiency", "repeat_trip", "favour_asked")
TERMINAL_CALL = {"completed", "busy", "no-answer", "failed", "canceled"}
UNANSWERED_CALL = {"busy", "no-answer", "failed", "canceled"}


def transition(
    session: Session, task: CallbackTask, *, to: TaskStatus, actor: str, note: str | None = None
) -> None:
    """Change a task's status and write the change into its history."""
    if task.status == to and note is None:
        return
    session.add(
        TaskEvent(
            task_id=task.id or 0, actor=actor, from_status=task.status, to_status=to, note=note
        )
    )
    task.status = to
    session.add(task)


def open_tasks(session: Session, *, event_id: int, payload: dict[str, Any]) -> list[CallbackTask]:
    """One task for the person who did the business, and one for a loan's project contact."""
    people = [("depositor", payload["person"])]
    if payload.get("project_contact"):
        people.append(("project_contact", payload["project_contact"]))
    settings = get_callback_settings()
    business_at = datetime.fromisoformat(payload["occurred_at"])
    tasks = []
    for audience, person in people:
        existing = session.exec(
            select(CallbackTask).where(
                CallbackTask.event_id == event_id, CallbackTask.audience == audience
            )
        ).first()
        if existing is not None:
            tasks.append(existing)
            continue
        task = CallbackTask(
            event_id=event_id,
            audience=audience,
            business_kind=payload["business_kind"],
            business_id=payload["business_id"],
            business_at=business_at,
            outlet_id=payload["outlet_id"],
            teller_id=payload.get("teller_id"),
            outlet_name=payload["outlet_name"],
            person_name=person["name"],
            phone=person["phone"],
            due_at=first_attempt_at(business_at, settings=settings),
        )
        session.add(task)
        session.flush()
        session.add(TaskEvent(task_id=task.id or 0, actor="system", to_status=task.status))
        tasks.append(task)
    return tasks


def due_tasks(session: Session, *, now: datetime | None = None, limit: int = 1000) -> list[int]:
    """Ids of scheduled tasks whose next attempt is due."""
    query = (
        select(CallbackTask.id)
        .where(CallbackTask.status == TaskStatus.scheduled)
        .where(col(CallbackTask.due_at) <= (now or utcnow()))
        .order_by(col(CallbackTask.due_at))
        .limit(limit)
    )
    return [task_id for task_id in session.exec(query) if task_id is not None]


def get_task(session: Session, *, task_id: int, for_update: bool = False) -> CallbackTask:
    """A task by id."""
    query = select(CallbackTask).where(CallbackTask.id == task_id)
    task = session.exec(query.with_for_update() if for_update else query).first()
    if task is None:
        raise NotFound(f"找不到回访任务 {task_id}")
    return task


def begin_attempt(session: Session, *, task_id: int, attempt_no: int) -> CallAttempt | None:
    """Claim attempt N of a due task; None when it is not due (already done, or not yet)."""
    task = get_task(session, task_id=task_id, for_update=True)
    existing = session.exec(
        select(CallAttempt).where(
            CallAttempt.task_id == task_id, CallAttempt.attempt_no == attempt_no
        )
    ).first()
    if existing is not None:
        # A retried job: place the call only if the first run died before the provider took it.
        return existing if existing.provider_sid is None else None
    if task.status != TaskStatus.scheduled or task.attempts_made + 1 != attempt_no:
        return None
    attempt = CallAttempt(task_id=task_id, attempt_no=attempt_no)
    session.add(attempt)
    task.attempts_made = attempt_no
    transition(session, task, to=TaskStatus.calling, actor="worker", note=f"第{attempt_no}次呼叫")
    session.flush()
    return attempt


def attempt_placed(session: Session, *, attempt_id: int, provider_sid: str) -> None:
    """Record the provider's id for a placed call."""
    attempt = session.get(CallAttempt, attempt_id)
    assert attempt is not None
    attempt.provider_sid = provider_sid
    if attempt.status == AttemptStatus.placing:
        attempt.status = AttemptStatus.queued
    session.add(attempt)


def get_attempt(session: Session, *, attempt_id: int) -> CallAttempt:
    """An attempt by id."""
    attempt = session.get(CallAttempt, attempt_id)
    if attempt is None:
        raise NotFound(f"找不到呼叫记录 {attempt_id}")
    return attempt


def record_call_status(
    session: Session,
    *,
    attempt_id: int,
    status: str,
    sequence: int | None,
    answered_by: str | None = None,
) -> bool:
    """Apply a provider status callback; stale or repeated ones change nothing. True if applied."""
    attempt = get_attempt(session, attempt_id=attempt_id)
    seq = sequence if sequence is not None else attempt.last_sequence + 1
    if seq <= attempt.last_sequence or attempt.status in TERMINAL_CALL:
        return False
    attempt.last_sequence = seq
    attempt.status = status
    if answered_by:
        attempt.answered_by = answered_by
    session.add(attempt)
    if status in TERMINAL_CALL:
        attempt.ended_at = utcnow()
        _after_call(session, attempt=attempt)
    return True


def _after_call(session: Session, *, attempt: CallAttempt) -> None:
    """Decide what a finished call means for its task: done, partial, retry, or an exception."""
    task = get_task(session, task_id=attempt.task_id, for_update=True)
    if task.status != TaskStatus.calling:
        return
    answered = answers_for(session, task_id=task.id or 0)
    if answered and attempt.status == AttemptStatus.completed:
        if all(q in answered for q in QUESTIONS):
            complete_survey(session, task=task)
        else:
            transition(session, task, to=TaskStatus.exception, actor="twilio", note="partial")
        return
    schedule_retry(session, task=task, reason=attempt.status)


def schedule_retry(session: Session, *, task: CallbackTask, reason: str) -> None:
    """Plan the next attempt, or hand the task to an operator when attempts are used up."""
    settings = get_callback_settings()
    started = session.exec(
        select(CallAttempt.started_at).where(CallAttempt.task_id == task.id)
    ).all()
    when = retry_at(previous_attempts=[as_utc(s) for s in started], settings=settings)
    if when is None:
        transition(session, task, to=TaskStatus.exception, actor="system", note="unreachable")
        return
    task.due_at = when
    transition(session, task, to=TaskStatus.scheduled, actor="system", note=f"未接通（{reason}）")


def record_answer(
    session: Session,
    *,
    attempt_id: int,
    question: str,
    value: str | None,
    source: str,
    raw: str | None = None,
) -> bool:
    """Keep the first answer to a question; a repeat (a retried webhook) changes nothing."""
    attempt = get_attempt(session, attempt_id=attempt_id)
    exists = session.exec(
        select(SurveyAnswer.id).where(
            SurveyAnswer.task_id == attempt.task_id, SurveyAnswer.question == question
        )
    ).first()
    if exists is not None:
        return False
    session.add(
        SurveyAnswer(
            task_id=attempt.task_id,
            attempt_id=attempt_id,
            question=question,
            value=value,
            source=source,
            raw=raw,
        )
    )
    session.flush()
    return True


def answers_for(session: Session, *, task_id: int) -> dict[str, str | None]:
    """The answers a task has so far, question → value (None: unclear)."""
    rows = session.exec(select(SurveyAnswer).where(SurveyAnswer.task_id == task_id))
    return {row.question: row.value for row in rows}


def complete_survey(session: Session, *, task: CallbackTask) -> None:
    """Close a task whose survey is answered and hand the ratings to scoring."""
    if task.status == TaskStatus.completed:
        return
    answers = answers_for(session, task_id=task.id or 0)
    record_callback_rating(
        session,
        task_id=task.id or 0,
        audience=task.audience,
        outlet_id=task.outlet_id,
        teller_id=task.teller_id,
        business_at=task.business_at,
        answers={q: v for q, v in answers.items() if v is not None},
    )
    task.completed_at = utcnow()
    transition(session, task, to=TaskStatus.completed, actor="system")
