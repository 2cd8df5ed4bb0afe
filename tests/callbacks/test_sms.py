"""The SMS survey contract: fallback after the calls, replies, opt-out, delivery, deadline."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlmodel import Session, func, select

from callbacks.models import (
    CallbackException,
    CallbackTask,
    DoNotCall,
    SmsReply,
    SurveyAnswer,
    TaskStatus,
)
from callbacks.reconcile import expire_sms_surveys
from callbacks.service import begin_attempt, get_task
from callbacks.sms import handle_reply, open_sms_survey, record_delivery
from scoring.models import CallbackRating
from tests.callbacks.factories import business, ring_out, start

PHONE = "+8613812345678"
MONDAY = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
ALL_FOUR = {
    "attitude": "very_satisfied",
    "efficiency": "satisfied",
    "repeat_trip": "no",
    "favour_asked": "no",
}


@pytest.fixture
def traveller():  # type: ignore[no-untyped-def]
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def _in_sms_survey(session: Session, traveller: time_machine.Traveller) -> CallbackTask:
    """A withdrawal whose three calls all went unanswered, now waiting for an SMS answer."""
    (task,) = business(session, at=MONDAY)
    for status in ("no-answer", "busy", "failed"):
        traveller.move_to(task.due_at)
        ring_out(session, task, status=status)
    assert task.status == TaskStatus.scheduled
    traveller.move_to(task.due_at)
    attempt = start(session, task)
    assert (attempt.channel, attempt.attempt_no, task.status) == ("sms", 4, TaskStatus.sms_sent)
    return task


def _reply(session: Session, sid: str, kind: str, answers: dict[str, str] | None = None, **kw):  # type: ignore[no-untyped-def]
    return handle_reply(
        session,
        phone=PHONE,
        message_sid=sid,
        answers=answers or {},
        suggestion=kw.get("suggestion"),
        kind=kind,
        raw=kw.get("raw", "reply"),
    )


def _reasons(session: Session, task: CallbackTask) -> list[str]:
    cases = session.exec(select(CallbackException).where(CallbackException.task_id == task.id))
    return sorted(c.reason for c in cases)


def test_after_three_unanswered_calls_an_sms_survey_waits_for_all_four_answers(
    session: Session, traveller: time_machine.Traveller
) -> None:
    task = _in_sms_survey(session, traveller)
    survey = open_sms_survey(session, phone=PHONE)
    assert survey is not None
    assert survey.task_id == task.id
    assert survey.expected == ["attitude", "efficiency", "repeat_trip", "favour_asked"]
    assert (survey.follow_ups_sent, survey.clarifications_sent) == (0, 0)
    assert open_sms_survey(session, phone="+8613900000000") is None


def test_a_complete_reply_is_thanked_scored_and_kept_with_its_suggestion(
    session: Session, traveller: time_machine.Traveller
) -> None:
    task = _in_sms_survey(session, traveller)
    outcome = _reply(session, "SM1", "complete", ALL_FOUR, suggestion="希望多开窗口")
    assert (outcome.action, outcome.missing) == ("thanks", [])
    assert task.status == TaskStatus.completed
    assert task.suggestion == "希望多开窗口"
    sources = session.exec(select(SurveyAnswer.source)).all()
    assert sources == ["sms"] * 4
    assert session.exec(select(func.count()).select_from(CallbackRating)).one() == 1
    assert open_sms_survey(session, phone=PHONE) is None
    assert _reply(session, "SM2", "complete", ALL_FOUR).action == "no_survey"


def test_the_same_message_twice_changes_nothing_the_second_time(
    session: Session, traveller: time_machine.Traveller
) -> None:
    _in_sms_survey(session, traveller)
    first = _reply(session, "SM1", "partial", {"attitude": "satisfied"})
    again = _reply(session, "SM1", "partial", {"attitude": "satisfied"})
    assert (first.action, again.action) == ("follow_up", "ignored")
    survey = open_sms_survey(session, phone=PHONE)
    assert survey is not None and survey.follow_ups_sent == 1
    assert session.exec(select(func.count()).select_from(SmsReply)).one() == 1


def test_a_partial_reply_gets_one_follow_up_then_goes_to_an_operator(
    session: Session, traveller: time_machine.Traveller
) -> None:
    task = _in_sms_survey(session, traveller)
    first = _reply(session, "SM1", "partial", {"attitude": "satisfied", "efficiency": "satisfied"})
    assert (first.action, first.missing) == ("follow_up", ["repeat_trip", "favour_asked"])
    survey = open_sms_survey(session, phone=PHONE)
    assert survey is not None and survey.expected == ["repeat_trip", "favour_asked"]
    second = _reply(session, "SM2", "partial", {"repeat_trip": "no"})
    assert (second.action, second.missing) == ("thanks_follow_up", ["favour_asked"])
    assert task.status == TaskStatus.exception
    assert _reasons(session, task) == ["partial"]


def test_a_follow_up_answered_in_full_completes_the_survey(
    session: Session, traveller: time_machine.Traveller
) -> None:
    task = _in_sms_survey(session, traveller)
    _reply(session, "SM1", "partial", {"attitude": "satisfied", "efficiency": "satisfied"})
    done = _reply(session, "SM2", "complete", {"repeat_trip": "no", "favour_asked": "no"})
    assert done.action == "thanks"
    assert task.status == TaskStatus.completed


def test_nonsense_gets_one_clarification_then_an_unclear_exception(
    session: Session, traveller: time_machine.Traveller
) -> None:
    task = _in_sms_survey(session, traveller)
    assert _reply(session, "SM1", "nonsense", raw="好的").action == "clarify"
    survey = open_sms_survey(session, phone=PHONE)
    assert survey is not None and survey.clarifications_sent == 1
    assert _reply(session, "SM2", "nonsense", raw="？").action == "thanks_follow_up"
    assert task.status == TaskStatus.exception
    assert _reasons(session, task) == ["unclear"]


def test_unsatisfied_and_favour_answers_thank_and_open_exceptions(
    session: Session, traveller: time_machine.Traveller
) -> None:
    task = _in_sms_survey(session, traveller)
    answers = {**ALL_FOUR, "attitude": "unsatisfied", "favour_asked": "yes"}
    assert _reply(session, "SM1", "complete", answers).action == "confirm_favour"
    assert task.status == TaskStatus.sms_sent and _reasons(session, task) == []
    survey = open_sms_survey(session, phone=PHONE)
    assert survey is not None and survey.confirming and survey.expected == []
    confirmed = handle_reply(
        session,
        phone=PHONE,
        message_sid="SM2",
        answers={},
        suggestion=None,
        kind="confirm",
        raw="1",
        confirmation="confirm",
    )
    assert confirmed.action == "thanks_follow_up"
    assert task.status == TaskStatus.completed
    assert _reasons(session, task) == ["favour_asked", "unsatisfied"]


def test_an_in_between_rating_is_asked_once_then_unclear(
    session: Session, traveller: time_machine.Traveller
) -> None:
    task = _in_sms_survey(session, traveller)
    rest = {q: v for q, v in ALL_FOUR.items() if q != "efficiency"}
    first = handle_reply(
        session,
        phone=PHONE,
        message_sid="SM1",
        answers=rest,
        suggestion=None,
        kind="complete",
        raw="1 还行 1 1",
        in_between={"efficiency": "还行"},
    )
    assert (first.action, first.missing, first.words) == ("choose_tier", ["efficiency"], "还行")
    again = handle_reply(
        session,
        phone=PHONE,
        message_sid="SM2",
        answers={},
        suggestion=None,
        kind="complete",
        raw="一般",
        in_between={"efficiency": "一般"},
    )
    assert again.action == "thanks_follow_up" and task.status == TaskStatus.completed
    assert _reasons(session, task) == ["unclear"]
    rating = session.exec(select(CallbackRating)).one()
    assert (rating.attitude, rating.efficiency) == ("very_satisfied", None)


def test_opt_out_closes_every_open_task_of_the_phone_and_stops_calls(
    session: Session, traveller: time_machine.Traveller
) -> None:
    task = _in_sms_survey(session, traveller)
    (other,) = business(session, at=MONDAY + timedelta(days=1), phone=PHONE)
    outcome = _reply(session, "SM1", "opt_out", raw="TD")
    assert outcome.action == "opted_out"
    assert (task.status, task.close_reason) == (TaskStatus.closed, "opted_out")
    assert (other.status, other.close_reason) == (TaskStatus.closed, "opted_out")
    assert session.exec(select(DoNotCall.phone)).all() == [PHONE]
    assert _reasons(session, task) == ["opted_out"]
    # A new business for the same person is never called.
    (later,) = business(session, at=MONDAY + timedelta(days=2), phone=PHONE)
    assert (later.status, later.close_reason) == (TaskStatus.closed, "do_not_call")
    assert begin_attempt(session, task_id=later.id or 0, attempt_no=1) is None


def test_a_reply_from_a_phone_with_no_survey_is_answered_politely(session: Session) -> None:
    assert _reply(session, "SM9", "complete", ALL_FOUR).action == "no_survey"


@pytest.mark.parametrize(
    ("code", "reason"), [("30005", "invalid_number"), ("30003", "unreachable")]
)
def test_an_undelivered_survey_goes_to_an_operator_once(
    session: Session, traveller: time_machine.Traveller, code: str, reason: str
) -> None:
    task = _in_sms_survey(session, traveller)
    survey = open_sms_survey(session, phone=PHONE)
    assert survey is not None
    record_delivery(session, attempt_id=survey.attempt_id, status="sent", error_code=None)
    record_delivery(session, attempt_id=survey.attempt_id, status="undelivered", error_code=code)
    record_delivery(session, attempt_id=survey.attempt_id, status="undelivered", error_code=code)
    record_delivery(session, attempt_id=survey.attempt_id, status="sent", error_code=None)
    assert task.status == TaskStatus.exception
    assert _reasons(session, task) == [reason]


def test_a_delivered_survey_keeps_waiting(
    session: Session, traveller: time_machine.Traveller
) -> None:
    task = _in_sms_survey(session, traveller)
    survey = open_sms_survey(session, phone=PHONE)
    assert survey is not None
    record_delivery(session, attempt_id=survey.attempt_id, status="delivered", error_code=None)
    record_delivery(session, attempt_id=survey.attempt_id, status="sent", error_code=None)
    assert task.status == TaskStatus.sms_sent
    assert _reasons(session, task) == []


def test_no_answer_by_the_deadline_is_unreachable(
    session: Session, traveller: time_machine.Traveller
) -> None:
    task = _in_sms_survey(session, traveller)
    traveller.shift(timedelta(hours=23, minutes=59))
    assert expire_sms_surveys(session) == 0
    traveller.shift(timedelta(minutes=2))
    assert expire_sms_surveys(session) == 1
    assert get_task(session, task_id=task.id or 0).status == TaskStatus.exception
    assert _reasons(session, task) == ["unreachable"]
    assert expire_sms_surveys(session) == 0


def test_part_answers_by_the_deadline_are_partial(
    session: Session, traveller: time_machine.Traveller
) -> None:
    task = _in_sms_survey(session, traveller)
    _reply(session, "SM1", "partial", {"attitude": "satisfied"})
    traveller.shift(timedelta(hours=25))
    expire_sms_surveys(session)
    assert _reasons(session, task) == ["partial"]


def test_a_project_contact_unreached_by_phone_answers_their_two_questions_by_sms(
    session: Session, traveller: time_machine.Traveller
) -> None:
    contact = "+8613911112222"
    (_, task) = business(session, at=MONDAY, kind="loan", contact_phone=contact)
    for status in ("no-answer", "busy", "failed"):
        traveller.move_to(task.due_at)
        ring_out(session, task, status=status)
    traveller.move_to(task.due_at)
    attempt = start(session, task)
    assert (attempt.channel, task.status) == ("sms", TaskStatus.sms_sent)
    survey = open_sms_survey(session, phone=contact)
    assert survey is not None and survey.expected == ["attitude", "efficiency"]
    outcome = handle_reply(
        session,
        phone=contact,
        message_sid="SMP1",
        answers={"attitude": "very_satisfied", "efficiency": "satisfied"},
        suggestion=None,
        kind="complete",
        raw="12",
    )
    assert (outcome.action, task.status) == ("thanks", TaskStatus.completed)
    rating = session.exec(select(CallbackRating)).one()
    assert (rating.audience, rating.attitude, rating.efficiency) == (
        "project_contact",
        "very_satisfied",
        "satisfied",
    )
