"""The SMS survey (短信回访): who is waiting for a reply, and what each reply does.

The ivr side parses a reply (``ivr.sms.reply.parse_reply``) and renders the texts; this module
keeps the state: answers, the one follow-up for a partial reply, the one clarification for an
unreadable one, opt-outs, and delivery reports. Every verb is safe to repeat.
"""

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from callbacks.history import note_event
from callbacks.models import (
    AttemptStatus,
    CallAttempt,
    CallbackTask,
    SmsReply,
    TaskKind,
    TaskStatus,
)
from callbacks.optout import add_do_not_call
from callbacks.service import (
    OPEN_STATUSES,
    close_task,
    complete_survey,
    get_attempt,
    get_task,
    missing_questions,
    record_answer,
    record_suggestion,
)
from callbacks.triage import open_exception
from kernel.clock import utcnow
from kernel.vocabulary import Channel

# Twilio error codes on a failed message that mean the number itself is wrong.
INVALID_NUMBER_CODES = {"21211", "21614", "30005", "30006"}
# The carrier says the person unsubscribed from our sender (they texted 退订/STOP to it).
UNSUBSCRIBED_CODES = {"21610"}
_DELIVERY_ORDER = {"accepted": 0, "queued": 1, "sending": 2, "sent": 3}
_DELIVERY_FINAL = {"delivered", "undelivered", "failed", "read"}


@dataclass(frozen=True)
class SmsSurvey:
    """A task waiting for an SMS answer from a phone."""

    task_id: int
    attempt_id: int
    expected: list[str]
    follow_ups_sent: int
    clarifications_sent: int


@dataclass(frozen=True)
class ReplyOutcome:
    """What a reply did; `action` tells ivr which text to send back."""

    action: str
    missing: list[str] = field(default_factory=list)
    task_id: int | None = None


def _waiting(session: Session, *, phone: str) -> tuple[CallbackTask, CallAttempt] | None:
    """The newest task in SMS survey for a phone, with its latest SMS attempt."""
    query = (
        select(CallbackTask, CallAttempt)
        .join(CallAttempt, col(CallAttempt.task_id) == col(CallbackTask.id))
        .where(CallbackTask.phone == phone, CallbackTask.status == TaskStatus.sms_sent)
        .where(CallbackTask.kind == TaskKind.survey, CallAttempt.channel == Channel.sms)
        .order_by(col(CallbackTask.created_at).desc(), col(CallAttempt.attempt_no).desc())
    )
    row = session.exec(query).first()
    return (row[0], row[1]) if row is not None else None


def open_sms_survey(session: Session, *, phone: str) -> SmsSurvey | None:
    """The newest task waiting for an SMS answer from this phone, or None."""
    found = _waiting(session, phone=phone)
    if found is None:
        return None
    task, attempt = found
    return SmsSurvey(
        task_id=task.id or 0,
        attempt_id=attempt.id or 0,
        expected=missing_questions(session, task=task),
        follow_ups_sent=attempt.follow_ups_sent,
        clarifications_sent=attempt.clarifications_sent,
    )


def handle_reply(
    session: Session,
    *,
    phone: str,
    message_sid: str,
    answers: dict[str, str],
    suggestion: str | None,
    kind: str,
    raw: str,
) -> ReplyOutcome:
    """Apply one inbound SMS; the same MessageSid a second time changes nothing ("ignored")."""
    if session.exec(select(SmsReply.id).where(SmsReply.message_sid == message_sid)).first():
        return ReplyOutcome(action="ignored")
    found = _waiting(session, phone=phone)
    task, attempt = found if found is not None else (None, None)
    if kind == "opt_out":
        outcome = _opt_out(session, phone=phone, task=task)
    elif task is None or attempt is None:
        outcome = ReplyOutcome(action="no_survey")
    elif kind == "empty":
        outcome = ReplyOutcome(action="ignored", task_id=task.id)
    else:
        outcome = _answer(
            session, task=task, attempt=attempt, answers=answers, suggestion=suggestion, raw=raw
        )
    session.add(
        SmsReply(
            message_sid=message_sid,
            phone=phone,
            task_id=task.id if task else None,
            attempt_id=attempt.id if attempt else None,
            kind=kind,
            action=outcome.action,
            missing=",".join(outcome.missing),
            raw=raw[:2000],
        )
    )
    session.flush()
    return outcome


def _answer(
    session: Session,
    *,
    task: CallbackTask,
    attempt: CallAttempt,
    answers: dict[str, str],
    suggestion: str | None,
    raw: str,
) -> ReplyOutcome:
    """Keep the answers the survey still expects, then thank, ask again once, or escalate."""
    expected = missing_questions(session, task=task)
    kept = 0
    for question in expected:
        if question in answers:
            kept += record_answer(
                session,
                attempt_id=attempt.id or 0,
                question=question,
                value=answers[question],
                source=Channel.sms,
                raw=raw[:2000],
            )
    record_suggestion(session, task=task, text=suggestion)
    missing = missing_questions(session, task=task)
    if not missing:
        attempt.status = AttemptStatus.completed
        session.add(attempt)
        reasons = complete_survey(session, task=task, actor="sms")
        return ReplyOutcome(action="thanks_follow_up" if reasons else "thanks", task_id=task.id)
    if kept == 0:
        if attempt.clarifications_sent == 0:
            attempt.clarifications_sent += 1
            session.add(attempt)
            note_event(session, task, actor="sms", note="短信回复无法识别，已请其按格式回复")
            return ReplyOutcome(action="clarify", missing=missing, task_id=task.id)
        open_exception(session, task=task, reason="unclear", actor="sms", hold=True)
        return ReplyOutcome(action="thanks_follow_up", missing=missing, task_id=task.id)
    if attempt.follow_ups_sent == 0:
        attempt.follow_ups_sent += 1
        session.add(attempt)
        note_event(session, task, actor="sms", note=f"短信部分回答，追问：{','.join(missing)}")
        return ReplyOutcome(action="follow_up", missing=missing, task_id=task.id)
    open_exception(session, task=task, reason="partial", actor="sms", hold=True)
    return ReplyOutcome(action="thanks_follow_up", missing=missing, task_id=task.id)


def _opt_out(session: Session, *, phone: str, task: CallbackTask | None) -> ReplyOutcome:
    """退订: never call or text this number again; close its open tasks."""
    add_do_not_call(session, phone=phone, reason="opted_out", actor="sms", note="短信回复退订")
    closed = opt_out_phone(session, phone=phone, actor="sms")
    if task is not None:
        open_exception(session, task=task, reason="opted_out", actor="sms")
    return ReplyOutcome(
        action="opted_out", task_id=task.id if task else (closed[0] if closed else None)
    )


def opt_out_phone(session: Session, *, phone: str, actor: str) -> list[int]:
    """Close every task still waiting to reach this number; return their ids."""
    statuses = [*OPEN_STATUSES, TaskStatus.exception]
    query = select(CallbackTask).where(
        CallbackTask.phone == phone, col(CallbackTask.status).in_(statuses)
    )
    closed = []
    for task in session.exec(query.with_for_update()).all():
        close_task(session, task, reason="opted_out", actor=actor, note="本人退订")
        closed.append(task.id or 0)
    return closed


def record_delivery(
    session: Session, *, attempt_id: int, status: str, error_code: str | None
) -> None:
    """Apply an SMS delivery report; repeats and reports arriving late change nothing."""
    attempt = get_attempt(session, attempt_id=attempt_id)
    current = attempt.status
    if current in _DELIVERY_FINAL or current == AttemptStatus.completed:
        return
    if status not in _DELIVERY_FINAL and _DELIVERY_ORDER.get(status, -1) <= _DELIVERY_ORDER.get(
        current, -1
    ):
        return
    attempt.status = status
    if error_code:
        attempt.error_code = str(error_code)[:16]
    session.add(attempt)
    if status in ("undelivered", "failed"):
        attempt.ended_at = utcnow()
        _undelivered(session, attempt=attempt, code=str(error_code or ""))


def _undelivered(session: Session, *, attempt: CallAttempt, code: str) -> None:
    """A survey message that never arrived: the number is wrong, opted out, or unreachable."""
    task = get_task(session, task_id=attempt.task_id, for_update=True)
    if task.status != TaskStatus.sms_sent:
        return
    if code in UNSUBSCRIBED_CODES:
        add_do_not_call(session, phone=task.phone, reason="opted_out", actor="twilio")
        open_exception(session, task=task, reason="opted_out", actor="twilio")
        opt_out_phone(session, phone=task.phone, actor="twilio")
        return
    reason = "invalid_number" if code in INVALID_NUMBER_CODES else "unreachable"
    open_exception(
        session, task=task, reason=reason, actor="twilio", note=f"短信未送达（{code}）", hold=True
    )
