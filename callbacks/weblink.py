"""The web survey link (网页问卷, H5): one signed link per SMS survey attempt, answered once.

An SMS invitation can carry `https://<public host>/s/<token>`; the person opens it in their
phone's browser and answers the same questions, by the same rules, as on the phone: the
favourable option first, a reason after 不满意, the grave answer (索拿卡要 = 有) confirmed before
it is filed. The answers go through the same verbs as phone and SMS answers (source "web").

The token is 12 URL-safe characters (72 bits): HMAC-SHA256 of the attempt id under a secret, so
a retried send carries the same link and nothing but its hash is stored. A link opens the survey
of its own task only, until the SMS survey's deadline, and only while that survey is waiting:
answered on the web, by phone or by SMS, closed by an operator, or expired, it changes nothing.
"""

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from callbacks.clarify import confirm_answer
from callbacks.config import get_callback_settings
from callbacks.history import note_event
from callbacks.models import (
    AttemptStatus,
    CallAttempt,
    CallbackTask,
    TaskKind,
    TaskStatus,
    WebSurveyLink,
)
from callbacks.schedule import sms_deadline
from callbacks.service import (
    complete_survey,
    get_task,
    missing_questions,
    record_answer,
    record_suggestion,
)
from kernel.clock import as_utc, utcnow
from kernel.periods import parse_period
from kernel.vocabulary import (
    QUESTION_LABELS,
    Answer,
    Channel,
    Question,
    answers_to,
    is_grave,
)

TOKEN_LENGTH = 12  # characters: 9 bytes of the HMAC, base64url
REASON_MAX = 500
SUGGESTION_MAX = 1000


def link_token(secret: str, *, attempt_id: int) -> str:
    """The link token of an attempt: unguessable without the secret, the same every time."""
    digest = hmac.new(secret.encode(), f"web-survey:{attempt_id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:9]).decode()


def _hashed(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def well_formed(token: str) -> bool:
    """Whether a string could be a token at all (checked before any database work)."""
    return len(token) == TOKEN_LENGTH and all(
        ch.isascii() and (ch.isalnum() or ch in "-_") for ch in token
    )


def issue_link(session: Session, *, attempt: CallAttempt, secret: str) -> str:
    """The token of an SMS attempt's link, created once; a second call returns the same."""
    token = link_token(secret, attempt_id=attempt.id or 0)
    existing = session.exec(
        select(WebSurveyLink).where(WebSurveyLink.attempt_id == attempt.id)
    ).first()
    if existing is not None:
        return token
    link = WebSurveyLink(
        attempt_id=attempt.id or 0,
        task_id=attempt.task_id,
        token_hash=_hashed(token),
        expires_at=sms_deadline(utcnow(), settings=get_callback_settings()),
    )
    try:
        with session.begin_nested():
            session.add(link)
    except IntegrityError:  # another process issued it a moment ago
        pass
    return token


class LinkState(StrEnum):
    open = "open"  # waiting for its answers
    unknown = "unknown"  # no such link (mistyped, forged)
    answered = "answered"  # answered through this link
    answered_elsewhere = "answered_elsewhere"  # by phone or SMS, or closed by an operator
    expired = "expired"


@dataclass(frozen=True)
class WebSurvey:
    """What the survey page shows: the business (never an amount or an ID), the questions."""

    state: LinkState
    business_kind: str = ""
    outlet_name: str = ""
    business_at: datetime | None = None
    questions: list[Question] = field(default_factory=list)
    project_name: str | None = None
    project_contact: bool = False  # a project contact's monthly callback (签约楼盘负责人)
    expires_at: datetime | None = None


def _find(session: Session, token: str) -> WebSurveyLink | None:
    if not well_formed(token):
        return None
    return session.exec(
        select(WebSurveyLink).where(WebSurveyLink.token_hash == _hashed(token))
    ).first()


def _state(session: Session, link: WebSurveyLink, task: CallbackTask) -> LinkState:
    if link.answered_at is not None:
        return LinkState.answered
    attempt = session.get(CallAttempt, link.attempt_id)
    if task.status != TaskStatus.sms_sent or attempt is None:
        return LinkState.answered_elsewhere
    deadline = min(
        as_utc(link.expires_at),
        as_utc(attempt.deadline_at) if attempt.deadline_at else as_utc(link.expires_at),
    )
    if utcnow() >= deadline:
        return LinkState.expired
    return LinkState.open


def open_link(session: Session, *, token: str, count: bool = True) -> WebSurvey:
    """The survey behind a link; with `count`, counts the opening (the funnel's 已打开)."""
    link = _find(session, token)
    if link is None:
        return WebSurvey(state=LinkState.unknown)
    task = get_task(session, task_id=link.task_id)
    state = _state(session, link, task)
    if state != LinkState.open:
        return WebSurvey(state=state)
    if count:
        if link.opened_at is None:
            link.opened_at = utcnow()
            note_event(session, task, actor="web", note="已打开网页问卷链接")
        link.open_count += 1
        session.add(link)
    return WebSurvey(
        state=state,
        business_kind=task.business_kind,
        outlet_name=task.outlet_name,
        business_at=task.business_at,
        questions=[Question(q) for q in missing_questions(session, task=task)],
        project_name=task.project_name,
        project_contact=task.kind == TaskKind.project_contact,
        expires_at=link.expires_at,
    )


@dataclass(frozen=True)
class WebAnswers:
    """A submitted form, as the page read it (values are Answer values or absent)."""

    answers: Mapping[str, str]
    reasons: Mapping[str, str] = field(default_factory=dict)  # question → reason for 不满意
    suggestion: str = ""
    confirmed: bool = False  # the person confirmed a grave answer on the confirmation page


@dataclass(frozen=True)
class WebOutcome:
    """What a submission did. `problems` (question → message) means nothing was written."""

    state: LinkState
    done: bool = False
    confirm: bool = False  # a grave answer awaits its confirmation: show the confirmation page
    problems: dict[str, str] = field(default_factory=dict)
    follow_up: bool = False  # an operator will be in touch (不满意, a repeat trip, a favour)


def check_answers(questions: list[Question], form: WebAnswers) -> dict[str, str]:
    """What is missing or wrong in a submission, per question ("" key: the suggestion)."""
    problems: dict[str, str] = {}
    for question in questions:
        value = form.answers.get(question)
        label = QUESTION_LABELS[question]
        if not value:
            problems[question] = f"请选择“{label}”的答案"
        elif value not in {a.value for a in answers_to(question)}:
            problems[question] = f"“{label}”的答案无效，请重新选择"
        elif value == Answer.unsatisfied and not form.reasons.get(question, "").strip():
            problems[question] = f"您对“{label}”不满意，请简单写一下原因，便于我们改进"
        elif len(form.reasons.get(question, "")) > REASON_MAX:
            problems[question] = f"原因请控制在 {REASON_MAX} 字以内"
    if len(form.suggestion) > SUGGESTION_MAX:
        problems[""] = f"意见建议请控制在 {SUGGESTION_MAX} 字以内"
    return problems


def needs_confirmation(questions: list[Question], form: WebAnswers) -> bool:
    """Whether the submission holds a grave answer not yet confirmed."""
    return not form.confirmed and any(is_grave(q, form.answers.get(q)) for q in questions)


def answer_by_web(session: Session, *, token: str, form: WebAnswers) -> WebOutcome:
    """Record a web submission once: all questions or nothing, through the same verbs as SMS."""
    link = _find(session, token)
    if link is None:
        return WebOutcome(state=LinkState.unknown)
    task = get_task(session, task_id=link.task_id, for_update=True)  # one submit at a time
    session.refresh(link)
    state = _state(session, link, task)
    if state != LinkState.open:
        return WebOutcome(state=state)
    questions = [Question(q) for q in missing_questions(session, task=task)]
    problems = check_answers(questions, form)
    if problems:
        return WebOutcome(state=state, problems=problems)
    if needs_confirmation(questions, form):
        return WebOutcome(state=state, confirm=True)
    raw = "网页：" + ",".join(f"{q}={form.answers[q]}" for q in questions)
    for question in questions:
        record_answer(
            session,
            attempt_id=link.attempt_id,
            question=question,
            value=form.answers[question],
            source=Channel.web,
            raw=raw,
        )
        reason = form.reasons.get(question, "").strip()
        if form.answers[question] == Answer.unsatisfied and reason:
            label = f"{QUESTION_LABELS[question]}不满意的原因"
            record_suggestion(session, task=task, text=f"【{label}】{reason}")
    if any(is_grave(q, form.answers[q]) for q in questions):
        confirm_answer(session, task_id=task.id or 0, actor="web")
    record_suggestion(session, task=task, text=form.suggestion)
    attempt = session.get(CallAttempt, link.attempt_id)
    if attempt is not None:
        attempt.status = AttemptStatus.completed
        session.add(attempt)
    link.answered_at = utcnow()
    session.add(link)
    note_event(session, task, actor="web", note="通过网页问卷作答")
    reasons = complete_survey(session, task=task, actor="web")
    return WebOutcome(state=LinkState.answered, done=True, follow_up=bool(reasons))


@dataclass(frozen=True)
class LinkFunnel:
    """The web links of a month's business: sent, opened, answered, expired unanswered."""

    sent: int = 0
    opened: int = 0
    answered: int = 0
    expired: int = 0

    def as_dict(self) -> dict[str, int]:
        """The figures as the API shows them."""
        return {
            "sent": self.sent,
            "opened": self.opened,
            "answered": self.answered,
            "expired": self.expired,
        }


def link_funnel(session: Session, *, period: str) -> LinkFunnel:
    """Links sent for the month's business and what became of them."""
    start, end = parse_period(period).utc_bounds()
    now = utcnow()
    in_month = (
        select(WebSurveyLink)
        .join(CallbackTask, col(CallbackTask.id) == col(WebSurveyLink.task_id))
        .where(col(CallbackTask.business_at) >= start, col(CallbackTask.business_at) < end)
    )
    sent = opened = answered = expired = 0
    for link in session.exec(in_month):
        sent += 1
        opened += link.opened_at is not None
        answered += link.answered_at is not None
        expired += link.answered_at is None and as_utc(link.expires_at) <= now
    return LinkFunnel(sent=sent, opened=opened, answered=answered, expired=expired)
