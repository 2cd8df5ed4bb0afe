"""Web survey test support: an SMS survey attempt with its link, as the invitation issues it."""

from datetime import timedelta

from sqlmodel import Session, select

from callbacks.models import CallAttempt, CallbackTask, SurveyAnswer, WebSurveyLink
from callbacks.service import attempt_placed, begin_attempt
from callbacks.weblink import issue_link
from ivr.config import get_ivr_settings
from kernel.clock import utcnow
from tests.conftest import Bind
from tests.ivr.sms.support import PHONE, unanswered_task

EVERYTHING_FINE = {
    "attitude": "very_satisfied",
    "efficiency": "very_satisfied",
    "repeat_trip": "no",
    "favour_asked": "no",
}


def linked_task(engine: Bind, *, phone: str = PHONE) -> tuple[int, str]:
    """A task waiting for its SMS survey answers, and the token of the link its text carried."""
    task_id = unanswered_task(engine, phone=phone)
    with Session(engine, expire_on_commit=False) as session:
        attempt = begin_attempt(session, task_id=task_id, attempt_no=2)
        assert attempt is not None and attempt.channel == "sms", "set HUIFANG_VOICE_ATTEMPTS=1"
        token = issue_link(session, attempt=attempt, secret=get_ivr_settings().link_secret)
        sid = "SM" + f"{task_id:032d}"
        attempt_placed(session, attempt_id=attempt.id or 0, provider_sid=sid)
        session.commit()
    return task_id, token


def expire(engine: Bind, token_task: int) -> None:
    """Move a task's link and SMS deadline into the past."""
    with Session(engine) as session:
        link = session.exec(select(WebSurveyLink).where(WebSurveyLink.task_id == token_task)).one()
        link.expires_at = utcnow() - timedelta(minutes=1)
        attempt = session.get(CallAttempt, link.attempt_id)
        assert attempt is not None
        attempt.deadline_at = utcnow() - timedelta(minutes=1)
        session.add_all([link, attempt])
        session.commit()


def answers(engine: Bind, task_id: int) -> dict[str, tuple[str | None, str]]:
    """question → (value, source) of a task's stored answers."""
    with Session(engine) as session:
        rows = session.exec(select(SurveyAnswer).where(SurveyAnswer.task_id == task_id))
        return {row.question: (row.value, row.source) for row in rows}


def task(engine: Bind, task_id: int) -> CallbackTask:
    """A task as stored now."""
    with Session(engine) as session:
        found = session.get(CallbackTask, task_id)
        assert found is not None
        return found


def link_row(engine: Bind, task_id: int) -> WebSurveyLink:
    """A task's link row."""
    with Session(engine) as session:
        return session.exec(select(WebSurveyLink).where(WebSurveyLink.task_id == task_id)).one()
