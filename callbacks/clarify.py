"""Answers that need one more word from the person before they are filed (澄清).

A grave answer (索拿卡要 = 有) is confirmed. `service.record_answer` keeps it with its value
None (unclear) and the heard value in `unconfirmed`. The person then confirms it (the report
stands and opens its case), chooses again (it is forgotten and the question asked again), or
says nothing: it stays unclear, so a call or text that ends there reaches an operator as
回答不清, never as a favour-asking report.

An in-between rating (一般, 还行) is not guessed as 满意: its words are noted and the person is
asked once to choose among the three tiers (the channels do the asking).
"""

from sqlmodel import Session, col, select

from callbacks.history import note_event
from callbacks.models import SurveyAnswer
from callbacks.service import get_attempt, get_task
from kernel.vocabulary import QUESTION_LABELS, Question


def unconfirmed_answer(session: Session, *, task_id: int) -> SurveyAnswer | None:
    """The grave answer of a task still waiting for the person's confirmation, if any."""
    query = select(SurveyAnswer).where(
        SurveyAnswer.task_id == task_id, col(SurveyAnswer.unconfirmed).is_not(None)
    )
    return session.exec(query.with_for_update()).first()


def confirm_answer(session: Session, *, task_id: int, actor: str) -> SurveyAnswer | None:
    """The person confirmed their grave answer: it now stands (and opens its case)."""
    answer = unconfirmed_answer(session, task_id=task_id)
    if answer is None:
        return None
    answer.value, answer.unconfirmed = answer.unconfirmed, None
    session.add(answer)
    note_event(session, get_task(session, task_id=task_id), actor=actor, note=_CONFIRMED)
    return answer


def withdraw_answer(session: Session, *, task_id: int, actor: str) -> str | None:
    """The person chose again instead of confirming: forget the grave answer, ask again."""
    answer = unconfirmed_answer(session, task_id=task_id)
    if answer is None:
        return None
    session.delete(answer)
    session.flush()
    note_event(session, get_task(session, task_id=task_id), actor=actor, note=_WITHDRAWN)
    return answer.question


def leave_unconfirmed(session: Session, *, task_id: int, actor: str) -> None:
    """No confirmation came: the grave answer stays unclear, for an operator to ask about."""
    if unconfirmed_answer(session, task_id=task_id) is not None:
        note_event(session, get_task(session, task_id=task_id), actor=actor, note=_UNCONFIRMED)


_CONFIRMED = "本人确认：反映工作人员索要财物"
_WITHDRAWN = "本人未确认索要财物，重新选择"
_UNCONFIRMED = "反映索要财物但未确认，按回答不清转人工"


def note_in_between(
    session: Session, *, attempt_id: int, question: str, words: str, actor: str
) -> None:
    """An in-between answer (一般): keep the person's words; they are asked to choose a tier."""
    task = get_task(session, task_id=get_attempt(session, attempt_id=attempt_id).task_id)
    note_event(
        session,
        task,
        actor=actor,
        note=f"{QUESTION_LABELS[Question(question)]}回答“{words}”，不是三档之一",
    )
