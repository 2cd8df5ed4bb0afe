"""What the reconciler finds in the database: work that is due, lost, or overdue.

The database is the truth and Redis only carries work, so after a Redis flush or a killed
worker every one of these is found again on the next tick.
"""

from sqlmodel import Session, col, func, select

from callbacks.clarify import leave_unconfirmed
from callbacks.config import get_callback_settings
from callbacks.models import AttemptStatus, CallAttempt, CallbackTask, TaskStatus
from callbacks.service import (
    answers_for,
    complete_survey,
    due_tasks,
    get_task,
    missing_questions,
    stale_before,
)
from callbacks.triage import open_exception
from kernel.clock import utcnow
from kernel.vocabulary import Channel


def due_attempts(session: Session, *, limit: int = 1000) -> list[tuple[int, int]]:
    """(task id, next attempt number) of every scheduled task that is due now."""
    ids = due_tasks(session, limit=limit)
    if not ids:
        return []
    query = select(CallbackTask.id, CallbackTask.attempts_made).where(col(CallbackTask.id).in_(ids))
    return [(task_id or 0, made + 1) for task_id, made in session.exec(query)]


def lost_attempts(session: Session) -> list[tuple[int, int]]:
    """Attempts begun but never handed to the provider, older than the lease: their job died."""
    lease = get_callback_settings().attempt_lease_seconds
    query = (
        select(CallAttempt.task_id, CallAttempt.attempt_no)
        .join(CallbackTask, col(CallbackTask.id) == col(CallAttempt.task_id))
        .where(CallAttempt.status == AttemptStatus.placing)
        .where(col(CallAttempt.provider_sid).is_(None))
        .where(col(CallAttempt.started_at) < stale_before(seconds=lease))
        .where(col(CallbackTask.status).in_([TaskStatus.calling, TaskStatus.sms_sent]))
        .where(col(CallbackTask.attempts_made) == col(CallAttempt.attempt_no))
    )
    return [(task_id, attempt_no) for task_id, attempt_no in session.exec(query)]


def expire_sms_surveys(session: Session) -> int:
    """SMS surveys past their deadline without a complete, confirmed answer go to an operator."""
    latest = (
        select(CallAttempt.task_id, func.max(CallAttempt.attempt_no).label("no"))
        .where(CallAttempt.channel == Channel.sms)
        .group_by(col(CallAttempt.task_id))
        .subquery()
    )
    query = (
        select(CallbackTask.id)
        .join(latest, latest.c.task_id == col(CallbackTask.id))
        .join(
            CallAttempt,
            (col(CallAttempt.task_id) == latest.c.task_id)
            & (col(CallAttempt.attempt_no) == latest.c.no),
        )
        .where(CallbackTask.status == TaskStatus.sms_sent)
        .where(col(CallAttempt.deadline_at) < utcnow())
    )
    expired = [task_id for task_id in session.exec(query) if task_id is not None]
    for task_id in expired:
        task = get_task(session, task_id=task_id, for_update=True)
        if task.status != TaskStatus.sms_sent:
            continue
        if not missing_questions(session, task=task):
            # Only a grave answer's confirmation was missing: unclear, for an operator.
            leave_unconfirmed(session, task_id=task_id, actor="reconciler")
            complete_survey(session, task=task, actor="reconciler")
            continue
        reason = "partial" if answers_for(session, task_id=task_id) else "unreachable"
        note = "短信回访超时未完整回复"
        open_exception(session, task=task, reason=reason, actor="reconciler", note=note, hold=True)
    return len(expired)
