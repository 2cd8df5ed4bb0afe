"""Callback verbs: open tasks from business events, run attempts, keep answers, close surveys."""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from callbacks.config import get_callback_settings
from callbacks.events import FINAL_STATES, Answerer, CallEvent, CallState
from callbacks.history import transition
from callbacks.labels import ATTEMPT_STATUS_LABELS, CLOSE_REASON_LABELS, label
from callbacks.models import (
    AttemptStatus,
    CallAttempt,
    CallbackTask,
    SurveyAnswer,
    TaskEvent,
    TaskKind,
    TaskStatus,
)
from callbacks.optout import close_reason_for
from callbacks.schedule import first_attempt_at, next_slot, retry_at, sms_deadline
from callbacks.triage import open_exception, reasons_in, settle_rectification
from kernel.clock import as_utc, utcnow
from kernel.crypto import phone_index
from kernel.errors import NotFound
from kernel.periods import month_of
from kernel.vocabulary import (
    PROJECT_CONTACT_QUESTIONS,
    RECTIFICATION_QUESTIONS,
    SURVEY_QUESTIONS,
    Channel,
    Question,
    is_grave,
)
from scoring.service import record_callback_rating

TERMINAL_CALL = {str(state) for state in FINAL_STATES}
OPEN_STATUSES = (TaskStatus.scheduled, TaskStatus.calling, TaskStatus.sms_sent)


# A call the person answered only to ask for another day (pressed 9) is marked so, and the first
# FREE_RESCHEDULES of them do not count against HUIFANG_VOICE_ATTEMPTS.
PERSON_RESCHEDULED = "rescheduled"
FREE_RESCHEDULES = 2


def questions_for(task: CallbackTask) -> tuple[Question, ...]:
    """The questions a task's survey asks, in order."""
    if task.kind == TaskKind.rectification:
        return RECTIFICATION_QUESTIONS
    if task.kind == TaskKind.project_contact:
        return PROJECT_CONTACT_QUESTIONS
    return SURVEY_QUESTIONS


# The surveys that rate an outlet and may fall back to SMS (a 整改回访 does neither).
RATING_KINDS = (TaskKind.survey, TaskKind.project_contact)


def close_task(session: Session, task: CallbackTask, *, reason: str, actor: str, note: str) -> None:
    """End a task without a survey (opted out, do-not-call, suppressed, closed by an operator)."""
    task.close_reason = reason
    task.due_at = None
    transition(session, task, to=TaskStatus.closed, actor=actor, note=note)


def open_tasks(session: Session, *, event_id: int, payload: dict[str, Any]) -> list[CallbackTask]:
    """One task for the person who did the business; a loan's project contact gets one task per
    outlet and local month, which the month's later loans join (see `project_contact_task`)."""
    business_at = datetime.fromisoformat(payload["occurred_at"])
    tasks = []
    existing = session.exec(
        select(CallbackTask).where(
            CallbackTask.event_id == event_id, CallbackTask.audience == "depositor"
        )
    ).first()
    if existing is not None:
        tasks.append(existing)
    else:
        tasks.append(
            _new_task(
                session,
                _task_for(event_id, payload, payload["person"], business_at=business_at),
            )
        )
    if payload.get("project_contact"):
        tasks.append(project_contact_task(session, event_id=event_id, payload=payload))
    return tasks


def _task_for(
    event_id: int, payload: dict[str, Any], person: dict[str, Any], *, business_at: datetime
) -> CallbackTask:
    return CallbackTask(
        event_id=event_id,
        audience="depositor",
        business_kind=payload["business_kind"],
        business_id=payload["business_id"],
        business_at=business_at,
        outlet_id=payload["outlet_id"],
        teller_id=payload.get("teller_id"),
        outlet_name=payload["outlet_name"],
        person_name=person["name"],
        person_gender=person.get("gender"),
        phone=person["phone"],
        due_at=first_attempt_at(business_at, settings=get_callback_settings()),
    )


def _new_task(session: Session, task: CallbackTask) -> CallbackTask:
    session.add(task)
    session.flush()
    session.add(TaskEvent(task_id=task.id or 0, actor="system", to_status=task.status))
    _screen(session, task=task)
    return task


def _contact_task(
    session: Session, *, phone: str, outlet_id: int, month: str
) -> CallbackTask | None:
    return session.exec(
        select(CallbackTask)
        .where(
            CallbackTask.phone_index == phone_index(phone),
            CallbackTask.outlet_id == outlet_id,
            CallbackTask.contact_month == month,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def project_contact_task(
    session: Session, *, event_id: int, payload: dict[str, Any]
) -> CallbackTask:
    """The project contact's one callback for this outlet and local month.

    The month's first loan opens it; later loans only add to `loans_covered`. A unique key on
    (phone, outlet, month) backs the lookup, so two relays racing on two loans still make one.
    The relay publishes each event once, in the same transaction, so a loan is counted once.
    """
    opened = session.exec(
        select(CallbackTask).where(
            CallbackTask.event_id == event_id, CallbackTask.audience == "project_contact"
        )
    ).first()
    if opened is not None:  # this event opened it: relayed again
        return opened
    contact = payload["project_contact"]
    business_at = datetime.fromisoformat(payload["occurred_at"])
    month = month_of(business_at)
    key = {"phone": contact["phone"], "outlet_id": payload["outlet_id"], "month": month}
    task = _contact_task(session, **key)
    if task is None:
        task = _task_for(event_id, payload, contact, business_at=business_at)
        task.audience = "project_contact"
        task.kind = TaskKind.project_contact
        task.teller_id = None  # it covers the month's loans, whoever served them
        task.contact_month = month
        task.project_name = (payload.get("project") or {}).get("name")
        try:
            with session.begin_nested():
                session.add(task)
                session.flush()
        except IntegrityError:  # another relay opened it a moment ago
            task = _contact_task(session, **key)
            if task is None:
                raise
        else:
            session.add(TaskEvent(task_id=task.id or 0, actor="system", to_status=task.status))
            _screen(session, task=task)
            return task
    task.loans_covered += 1
    session.add(task)
    session.flush()
    return task


def _screen(session: Session, *, task: CallbackTask) -> None:
    """Close a new task at once when its number may not be called (退订, suppression window)."""
    reason = close_reason_for(session, task=task, settings=get_callback_settings())
    if reason is not None:
        note = label(CLOSE_REASON_LABELS, reason)
        close_task(session, task, reason=reason, actor="system", note=note)


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
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    task = session.exec(query).first()
    if task is None:
        raise NotFound(f"找不到回访任务 {task_id}")
    return task


def attempts_of(
    session: Session, *, task_id: int, channel: Channel | None = None
) -> list[CallAttempt]:
    """A task's attempts in order, optionally of one channel (voice | sms)."""
    query = select(CallAttempt).where(CallAttempt.task_id == task_id)
    if channel is not None:
        query = query.where(CallAttempt.channel == channel)
    return list(session.exec(query.order_by(col(CallAttempt.attempt_no))))


def begin_attempt(session: Session, *, task_id: int, attempt_no: int) -> CallAttempt | None:
    """Claim attempt N of a due task; None when it is not due (already done, or not yet)."""
    task = get_task(session, task_id=task_id, for_update=True)
    existing = session.exec(
        select(CallAttempt).where(
            CallAttempt.task_id == task_id, CallAttempt.attempt_no == attempt_no
        )
    ).first()
    if existing is not None:
        # A retried job: go on only if the first run died before the provider took it.
        live = existing.provider_sid is None and existing.status == AttemptStatus.placing
        return (
            existing if live and task.status in (TaskStatus.calling, TaskStatus.sms_sent) else None
        )
    if task.status != TaskStatus.scheduled or task.attempts_made + 1 != attempt_no:
        return None
    reason = close_reason_for(session, task=task, settings=get_callback_settings(), new=False)
    if reason is not None:
        note = f"不再联系：{label(CLOSE_REASON_LABELS, reason)}"
        close_task(session, task, reason=reason, actor="worker", note=note)
        return None
    sms = _sms_next(session, task=task)
    attempt = CallAttempt(
        task_id=task_id, attempt_no=attempt_no, channel=Channel.sms if sms else Channel.voice
    )
    session.add(attempt)
    task.attempts_made = attempt_no
    if sms:
        transition(session, task, to=TaskStatus.sms_sent, actor="worker", note="发送短信回访")
    else:
        transition(
            session, task, to=TaskStatus.calling, actor="worker", note=f"第{attempt_no}次呼叫"
        )
    session.flush()
    return attempt


def _sms_next(session: Session, *, task: CallbackTask) -> bool:
    """Whether the next attempt is the SMS survey: voice used up, no SMS sent yet, a survey."""
    if task.kind not in RATING_KINDS or placed_sms(session, task_id=task.id or 0):
        return False
    voice = len(counted_voice_attempts(session, task_id=task.id or 0))
    return voice >= get_callback_settings().voice_attempts


def placed_sms(session: Session, *, task_id: int) -> list[CallAttempt]:
    """The task's SMS attempts that the provider took (one not placed never reached the phone)."""
    attempts = attempts_of(session, task_id=task_id, channel=Channel.sms)
    return [a for a in attempts if a.status != AttemptStatus.not_placed]


def next_channel(session: Session, *, task_id: int) -> Channel:
    """The channel the task's next attempt will use (voice, or SMS once voice is used up)."""
    return (
        Channel.sms
        if _sms_next(session, task=get_task(session, task_id=task_id))
        else Channel.voice
    )


def attempt_placed(session: Session, *, attempt_id: int, provider_sid: str) -> None:
    """Record the provider's id for a placed call or a sent message."""
    attempt = get_attempt(session, attempt_id=attempt_id)
    attempt.provider_sid = provider_sid
    if attempt.status == AttemptStatus.placing:
        attempt.status = AttemptStatus.queued
    if attempt.channel == Channel.sms:
        attempt.deadline_at = sms_deadline(utcnow(), settings=get_callback_settings())
    session.add(attempt)


def not_placed(
    session: Session, *, attempt: CallAttempt, at: datetime, code: str | None, note: str
) -> None:
    """An attempt that never reached the phone: it is not counted and the task waits for `at`."""
    attempt.status = AttemptStatus.not_placed
    attempt.error_code = code[:16] if code else None
    attempt.ended_at = utcnow()
    session.add(attempt)
    task = get_task(session, task_id=attempt.task_id, for_update=True)
    if task.status in (TaskStatus.calling, TaskStatus.sms_sent):
        task.due_at = next_slot(as_utc(at), settings=get_callback_settings())
        transition(session, task, to=TaskStatus.scheduled, actor="worker", note=note[:500])


def hold_task(session: Session, *, task_id: int, at: datetime, note: str) -> None:
    """A due task whose attempt cannot start now (channel paused, window closing): wait for `at`."""
    task = get_task(session, task_id=task_id, for_update=True)
    if task.status != TaskStatus.scheduled:
        return
    task.due_at = next_slot(as_utc(at), settings=get_callback_settings())
    transition(session, task, to=TaskStatus.scheduled, actor="worker", note=note[:500])


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
    """A call event given by its parts (tests and operators' tools); see `record_call_event`."""
    answerer = Answerer(answered_by) if answered_by in set(Answerer) else None
    event = CallEvent(state=CallState(status), order=sequence, answerer=answerer)
    return record_call_event(session, attempt_id=attempt_id, event=event)


def record_call_event(session: Session, *, attempt_id: int, event: CallEvent) -> bool:
    """Apply a provider's call event; stale or repeated ones change nothing. True if applied."""
    attempt = get_attempt(session, attempt_id=attempt_id)
    order = event.order if event.order is not None else attempt.last_sequence + 1
    if attempt.status in TERMINAL_CALL or attempt.status == AttemptStatus.not_placed:
        return False
    if order <= attempt.last_sequence and event.state not in FINAL_STATES:
        return False  # an older event arriving late: the call is already past it
    attempt.last_sequence = max(order, attempt.last_sequence)
    attempt.status = event.state
    if event.answerer is not None:
        attempt.answered_by = event.answerer
    if event.duration_s is not None:
        attempt.duration_s = event.duration_s
    session.add(attempt)
    if event.state in FINAL_STATES:
        attempt.ended_at = utcnow()
        after_call(session, attempt=attempt, actor="provider")
    return True


def _machine(attempt: CallAttempt) -> bool:
    return attempt.answered_by == Answerer.machine


def after_call(session: Session, *, attempt: CallAttempt, actor: str) -> None:
    """Decide what a finished call means for its task: done, partial, retry, or an exception."""
    task = get_task(session, task_id=attempt.task_id, for_update=True)
    if task.status != TaskStatus.calling:
        return
    answered = answers_for(session, task_id=task.id or 0)
    if answered and attempt.status == AttemptStatus.completed:
        if all(q in answered for q in questions_for(task)):
            complete_survey(session, task=task)
        else:
            open_exception(session, task=task, reason="partial", actor=actor, hold=True)
        return
    # In words, for the task's history an operator reads.
    reason = "答录机接听" if _machine(attempt) else label(ATTEMPT_STATUS_LABELS, attempt.status)
    schedule_retry(session, task=task, reason=reason)


def schedule_retry(session: Session, *, task: CallbackTask, reason: str) -> None:
    """Plan the next voice attempt, then the SMS survey, then hand the task to an operator."""
    settings = get_callback_settings()
    voice = [as_utc(a.started_at) for a in counted_voice_attempts(session, task_id=task.id or 0)]
    when = (
        retry_at(previous_attempts=voice, settings=settings)
        if voice
        else next_slot(utcnow(), settings=settings)
    )
    sms_sent = bool(placed_sms(session, task_id=task.id or 0))
    if when is None and task.kind in RATING_KINDS and not sms_sent:
        task.due_at = next_slot(utcnow(), settings=settings)
        note = f"未接通（{reason}），电话次数已用完，改发短信"
        transition(session, task, to=TaskStatus.scheduled, actor="system", note=note)
        return
    if when is None:
        open_exception(session, task=task, reason="unreachable", actor="system", hold=True)
        return
    task.due_at = when
    transition(session, task, to=TaskStatus.scheduled, actor="system", note=f"未接通（{reason}）")


def reschedule(session: Session, *, task: CallbackTask, at: datetime, actor: str) -> None:
    """Put a task back in the calling plan at `at` (moved into the next calling slot)."""
    task.due_at = next_slot(as_utc(at), settings=get_callback_settings())
    transition(session, task, to=TaskStatus.scheduled, actor=actor, note="重新安排回访")


def reschedule_by_person(
    session: Session, *, task: CallbackTask, attempt: CallAttempt, at: datetime, actor: str
) -> None:
    """The person picked up and asked to be called another day (pressed 9).

    They were reached, so the call does not count against the voice attempts — up to
    FREE_RESCHEDULES times, so that asking again and again still ends with an SMS or an operator.
    """
    attempt.error_code = PERSON_RESCHEDULED
    session.add(attempt)
    reschedule(session, task=task, at=at, actor=actor)


def counted_voice_attempts(session: Session, *, task_id: int) -> list[CallAttempt]:
    """The voice attempts that use up the allowance: all but the first few the person put off."""
    counted, free = [], FREE_RESCHEDULES
    for attempt in attempts_of(session, task_id=task_id, channel=Channel.voice):
        if attempt.status == AttemptStatus.not_placed:
            continue  # it never rang: our account, the provider's rate limit, a closed window
        if attempt.error_code == PERSON_RESCHEDULED and free > 0:
            free -= 1
            continue
        counted.append(attempt)
    return counted


def record_answer(
    session: Session,
    *,
    attempt_id: int,
    question: str,
    value: str | None,
    source: str,
    raw: str | None = None,
) -> bool:
    """Keep the first answer to a question; a repeat (a retried webhook) changes nothing.

    A grave answer (索拿卡要 = 有) is kept unconfirmed: unclear until `confirm_answer`.
    """
    attempt = get_attempt(session, attempt_id=attempt_id)
    grave = is_grave(question, value)
    return _keep_answer(
        session,
        task_id=attempt.task_id,
        attempt_id=attempt_id,
        question=question,
        value=None if grave else value,
        unconfirmed=value if grave else None,
        source=source,
        raw=raw,
    )


def _keep_answer(session: Session, *, task_id: int, attempt_id: int | None, **fields: Any) -> bool:
    exists = session.exec(
        select(SurveyAnswer.id).where(
            SurveyAnswer.task_id == task_id, SurveyAnswer.question == fields["question"]
        )
    ).first()
    if exists is not None:
        return False
    session.add(SurveyAnswer(task_id=task_id, attempt_id=attempt_id, **fields))
    session.flush()
    return True


def mark_wrong_person(session: Session, *, attempt_id: int, actor: str) -> CallbackTask:
    """Someone else answered (the number may have changed hands): an operator checks it."""
    attempt = get_attempt(session, attempt_id=attempt_id)
    task = get_task(session, task_id=attempt.task_id, for_update=True)
    if task.status == TaskStatus.calling:
        open_exception(session, task=task, reason="wrong_person", actor=actor, hold=True)
    return task


def record_operator_answer(
    session: Session, *, task: CallbackTask, question: str, value: str | None, actor: str
) -> bool:
    """An answer an operator took on a manual call; the first answer to a question stands."""
    return _keep_answer(
        session,
        task_id=task.id or 0,
        attempt_id=None,
        question=question,
        value=value,
        source="operator",
        raw=actor,
    )


def record_suggestion(session: Session, *, task: CallbackTask, text: str | None) -> None:
    """Keep the person's own words (意见建议); later words are added, never lost."""
    text = (text or "").strip()
    if not text:
        return
    joined = f"{task.suggestion}\n{text}" if task.suggestion else text
    task.suggestion = joined[:2000]
    session.add(task)


def answers_for(session: Session, *, task_id: int) -> dict[str, str | None]:
    """The answers a task has so far, question → value (None: unclear)."""
    rows = session.exec(select(SurveyAnswer).where(SurveyAnswer.task_id == task_id))
    return {row.question: row.value for row in rows}


def missing_questions(session: Session, *, task: CallbackTask) -> list[str]:
    """The task's questions with no answer yet, in survey order."""
    answered = answers_for(session, task_id=task.id or 0)
    return [q for q in questions_for(task) if q not in answered]


def complete_survey(session: Session, *, task: CallbackTask, actor: str = "system") -> list[str]:
    """Close an answered survey, hand the ratings to scoring, open the exceptions it calls for.

    Returns the exception reasons opened (不满意, repeat trips, favours asked, unclear answers,
    answers still missing). A rectification callback is kept apart from the ratings.
    """
    if task.status == TaskStatus.completed:
        return []
    answers = answers_for(session, task_id=task.id or 0)
    if task.kind in RATING_KINDS:
        record_callback_rating(
            session,
            task_id=task.id or 0,
            audience=task.audience,
            outlet_id=task.outlet_id,
            teller_id=task.teller_id,
            business_at=task.business_at,
            answers={q: v for q, v in answers.items() if v is not None},
            phone=task.phone,  # scoring's anti-gaming checks look for repeated numbers
        )
    task.completed_at = utcnow()
    task.due_at = None
    transition(session, task, to=TaskStatus.completed, actor=actor)
    reasons = reasons_in(answers, questions=questions_for(task))
    for reason in reasons:
        case = open_exception(session, task=task, reason=reason, actor=actor)
        if task.kind == TaskKind.rectification:
            case.escalated = True  # still unsatisfied after the outlet's rectification
    if task.kind == TaskKind.rectification:
        settle_rectification(
            session, task=task, answer=answers.get(Question.resolution), actor=actor
        )
    return reasons


def stale_before(*, seconds: int) -> datetime:
    """The instant before which something should have happened `seconds` ago."""
    return utcnow() - timedelta(seconds=seconds)
