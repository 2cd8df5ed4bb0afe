"""Where every exception is opened, whatever the channel: one case per task and reason."""

from collections.abc import Sequence

from sqlmodel import Session, select

from callbacks.config import get_callback_settings
from callbacks.history import note_event, transition
from callbacks.models import CallbackException, CallbackTask, ExceptionStatus, TaskStatus
from callbacks.sla import PRIORITY, rectify_due_at, sla_due_at
from kernel.clock import utcnow
from kernel.vocabulary import Answer, Question, answer_label

REASON_LABELS = {
    "favour_asked": "反映索拿卡要",
    "unsatisfied": "不满意",
    "repeat_trip": "跑回头路",
    "unclear": "回答不清",
    "partial": "回答不完整",
    "wrong_person": "非本人接听（号码可能已易主）",
    "unreachable": "联系不上",
    "invalid_number": "号码无效",
    "opted_out": "已退订",
}


def reasons_in(answers: dict[str, str | None], *, questions: Sequence[str]) -> list[str]:
    """The exception reasons a set of answers calls for, most urgent first."""
    reasons = set()
    if answers.get(Question.favour_asked) == Answer.yes:
        reasons.add("favour_asked")
    if Answer.unsatisfied in (answers.get(Question.attitude), answers.get(Question.efficiency)):
        reasons.add("unsatisfied")
    if answers.get(Question.resolution) == Answer.unsatisfied:
        reasons.add("unsatisfied")
    if answers.get(Question.repeat_trip) == Answer.yes:
        reasons.add("repeat_trip")
    if any(q in answers and answers[q] is None for q in questions):
        reasons.add("unclear")
    if any(q not in answers for q in questions):
        reasons.add("partial")
    return sorted(reasons, key=lambda r: -PRIORITY[r])


def open_exception(
    session: Session,
    *,
    task: CallbackTask,
    reason: str,
    actor: str,
    note: str | None = None,
    hold: bool = False,
) -> CallbackException:
    """Open (once) an operator case for a task; `hold` also stops the task waiting on its own.

    A case already open for the same task and reason is returned as it is, so repeated
    webhooks and jobs never open two.
    """
    if reason not in PRIORITY:
        raise ValueError(f"unknown exception reason {reason!r}")
    if hold and task.status != TaskStatus.exception:
        task.due_at = None
        transition(session, task, to=TaskStatus.exception, actor=actor, note=REASON_LABELS[reason])
    existing = session.exec(
        select(CallbackException).where(
            CallbackException.task_id == task.id, CallbackException.reason == reason
        )
    ).first()
    if existing is not None and existing.status != ExceptionStatus.closed:
        return existing
    settings = get_callback_settings()
    now = utcnow()
    # A case closed earlier (say, rescheduled) and needed again is reopened with a new clock.
    case = existing or CallbackException(task_id=task.id or 0, reason=reason, priority=0)
    case.priority = PRIORITY[reason]
    case.status = ExceptionStatus.open
    case.opened_at = now
    case.sla_due_at = sla_due_at(reason, now, settings=settings)
    case.rectify_due_at = (
        rectify_due_at(now, settings=settings) if reason == "unsatisfied" else None
    )
    case.closed_at = case.closed_by = case.assignee = None
    case.note = note
    session.add(case)
    session.flush()
    if not hold:
        note_event(session, task, actor=actor, note=f"转人工：{REASON_LABELS[reason]}")
    return case


def open_cases(session: Session, *, task_id: int) -> list[CallbackException]:
    """A task's cases that are not closed."""
    query = select(CallbackException).where(
        CallbackException.task_id == task_id, CallbackException.status != ExceptionStatus.closed
    )
    return list(session.exec(query))


def settle_rectification(
    session: Session, *, task: CallbackTask, answer: str | None, actor: str
) -> None:
    """The second callback is answered: close the 不满意 case it followed up, with the answer."""
    query = select(CallbackException).where(
        CallbackException.task_id == task.parent_task_id,
        CallbackException.reason == "unsatisfied",
        CallbackException.status == ExceptionStatus.rectified,
    )
    case = session.exec(query).first()
    if case is None:
        return
    label = answer_label(answer, unknown="回答不清")
    case.status = ExceptionStatus.closed
    case.closed_at = utcnow()
    case.closed_by = actor
    case.note = f"{case.note or ''}\n整改回访：{label}".strip()
    session.add(case)
