"""The SMS survey (短信回访): who is waiting for a reply, and what each reply does.

The ivr side parses a reply (``ivr.sms.reply.parse_reply``) and renders the texts; this module
keeps the state: answers, the one follow-up for a partial reply, the one clarification for an
unreadable one, the one re-ask of an in-between rating (一般), the confirmation of a grave
answer (索拿卡要 = 有), opt-outs, and delivery reports. Every verb is safe to repeat.
"""

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from callbacks.clarify import (
    confirm_answer,
    leave_unconfirmed,
    unconfirmed_answer,
    withdraw_answer,
)
from callbacks.history import note_event
from callbacks.models import (
    AttemptStatus,
    CallAttempt,
    CallbackTask,
    SmsReply,
    TaskStatus,
)
from callbacks.optout import add_do_not_call, remove_opt_out
from callbacks.service import (
    OPEN_STATUSES,
    RATING_KINDS,
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
from kernel.crypto import phone_index
from kernel.vocabulary import QUESTION_LABELS, Channel, Question

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
    # Every question answered, but a grave answer waits for its confirmation (reply 1).
    confirming: bool = False


@dataclass(frozen=True)
class ReplyOutcome:
    """What a reply did; `action` tells ivr which text to send back."""

    action: str
    missing: list[str] = field(default_factory=list)
    task_id: int | None = None
    words: str = ""  # choose_tier: the in-between words the person wrote (一般)


def _waiting(session: Session, *, phone: str) -> tuple[CallbackTask, CallAttempt] | None:
    """The newest task in SMS survey for a phone, with its latest SMS attempt."""
    query = (
        select(CallbackTask, CallAttempt)
        .join(CallAttempt, col(CallAttempt.task_id) == col(CallbackTask.id))
        .where(CallbackTask.phone_index == phone_index(phone))
        .where(CallbackTask.status == TaskStatus.sms_sent)
        .where(col(CallbackTask.kind).in_(RATING_KINDS), CallAttempt.channel == Channel.sms)
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
    expected = missing_questions(session, task=task)
    return SmsSurvey(
        task_id=task.id or 0,
        attempt_id=attempt.id or 0,
        expected=expected,
        follow_ups_sent=attempt.follow_ups_sent,
        clarifications_sent=attempt.clarifications_sent,
        confirming=not expected and unconfirmed_answer(session, task_id=task.id or 0) is not None,
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
    in_between: dict[str, str] | None = None,
    confirmation: str | None = None,
) -> ReplyOutcome:
    """Apply one inbound SMS; the same MessageSid a second time changes nothing ("ignored").

    `confirmation` is the reply to a grave answer's confirmation text: confirm, rechoose or
    other; `in_between` the rating questions answered 一般, with the person's words.
    """
    if session.exec(select(SmsReply.id).where(SmsReply.message_sid == message_sid)).first():
        return ReplyOutcome(action="ignored")
    found = _waiting(session, phone=phone)
    task, attempt = found if found is not None else (None, None)
    if kind == "opt_out":
        outcome = _opt_out(session, phone=phone, task=task)
    elif kind == "opt_in":
        outcome = _opt_in(session, phone=phone)
    elif task is None or attempt is None:
        outcome = ReplyOutcome(action="no_survey")
    elif kind == "empty":
        outcome = ReplyOutcome(action="ignored", task_id=task.id)
    elif confirmation is not None:
        outcome = _confirmation(session, task=task, attempt=attempt, choice=confirmation, raw=raw)
    else:
        reply = _Reply(answers=answers, in_between=in_between or {}, suggestion=suggestion, raw=raw)
        outcome = _answer(session, task=task, attempt=attempt, reply=reply)
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


@dataclass(frozen=True)
class _Reply:
    """What a reply said, as ivr read it."""

    answers: dict[str, str]
    in_between: dict[str, str]
    suggestion: str | None
    raw: str


def _answer(
    session: Session, *, task: CallbackTask, attempt: CallAttempt, reply: _Reply
) -> ReplyOutcome:
    """Keep the answers the survey still expects, then thank, ask again once, or escalate."""
    expected = missing_questions(session, task=task)
    between = {q: w for q, w in reply.in_between.items() if q in expected}
    kept = 0
    for question in expected:
        if question in reply.answers:
            value: str | None = reply.answers[question]
        elif question in between and _asked_to_choose(session, task=task):
            value = None  # still in-between after being asked once: unclear, words kept in raw
        else:
            continue
        kept += record_answer(
            session,
            attempt_id=attempt.id or 0,
            question=question,
            value=value,
            source=Channel.sms,
            raw=reply.raw[:2000],
        )
    record_suggestion(session, task=task, text=reply.suggestion)
    missing = missing_questions(session, task=task)
    open_between = [q for q in missing if q in between]
    if open_between:
        words = "、".join(dict.fromkeys(between[q] for q in open_between))
        for question in open_between:
            label = QUESTION_LABELS[Question(question)]
            note_event(
                session, task, actor="sms", note=f"{label}回复“{between[question]}”，请其重新选择"
            )
        return ReplyOutcome(
            action="choose_tier", missing=open_between, task_id=task.id, words=words
        )
    return _settle(session, task=task, attempt=attempt, missing=missing, kept=kept)


def _asked_to_choose(session: Session, *, task: CallbackTask) -> bool:
    """Whether this survey already asked the person to choose a tier after an in-between."""
    query = select(SmsReply.id).where(SmsReply.task_id == task.id, SmsReply.action == "choose_tier")
    return session.exec(query).first() is not None


def _settle(
    session: Session,
    *,
    task: CallbackTask,
    attempt: CallAttempt,
    missing: list[str],
    kept: int,
    confirm: bool = True,
) -> ReplyOutcome:
    """After a reply: confirm a grave answer, thank, ask again once, or hand to an operator."""
    if not missing and confirm and unconfirmed_answer(session, task_id=task.id or 0):
        note_event(session, task, actor="sms", note="短信反映索要财物，已请其回复确认")
        return ReplyOutcome(action="confirm_favour", task_id=task.id)
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


def _confirmation(
    session: Session, *, task: CallbackTask, attempt: CallAttempt, choice: str, raw: str
) -> ReplyOutcome:
    """The reply to a grave answer's confirmation text: 1 files it, 2 asks again (once)."""
    task_id = task.id or 0
    if choice == "confirm":
        confirm_answer(session, task_id=task_id, actor="sms")
    elif choice == "rechoose" and not _rechosen(session, task=task):
        question = withdraw_answer(session, task_id=task_id, actor="sms")
        return ReplyOutcome(action="rechoose", missing=[question or ""], task_id=task_id)
    else:  # no confirmation: unclear, for an operator; their words may say why
        leave_unconfirmed(session, task_id=task_id, actor="sms")
        if choice == "other":
            record_suggestion(session, task=task, text=raw)
    missing = missing_questions(session, task=task)
    return _settle(session, task=task, attempt=attempt, missing=missing, kept=1, confirm=False)


def _rechosen(session: Session, *, task: CallbackTask) -> bool:
    """Whether the person already chose again once in this survey."""
    query = select(SmsReply.id).where(SmsReply.task_id == task.id, SmsReply.action == "rechoose")
    return session.exec(query).first() is not None


def _opt_out(session: Session, *, phone: str, task: CallbackTask | None) -> ReplyOutcome:
    """退订: never call or text this number again; close its open tasks."""
    add_do_not_call(session, phone=phone, reason="opted_out", actor="sms", note="短信回复退订")
    closed = opt_out_phone(session, phone=phone, actor="sms")
    if task is not None:
        open_exception(session, task=task, reason="opted_out", actor="sms")
    return ReplyOutcome(
        action="opted_out", task_id=task.id if task else (closed[0] if closed else None)
    )


def _opt_in(session: Session, *, phone: str) -> ReplyOutcome:
    """START/UNSTOP: the person takes back an SMS opt-out (never an operator's or a complaint's
    do-not-call entry); no closed task reopens, later callbacks may reach them again."""
    remove_opt_out(session, phone=phone)
    return ReplyOutcome(action="opted_in")


def opt_out_phone(session: Session, *, phone: str, actor: str) -> list[int]:
    """Close every task still waiting to reach this number; return their ids."""
    statuses = [*OPEN_STATUSES, TaskStatus.exception]
    query = select(CallbackTask).where(
        CallbackTask.phone_index == phone_index(phone), col(CallbackTask.status).in_(statuses)
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
