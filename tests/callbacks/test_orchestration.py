"""Who is called and when: polite hours on Chinese working days, retries, project contacts."""

from collections.abc import Iterator
from datetime import datetime

import pytest
import time_machine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from callbacks.models import CallbackTask, SurveyAnswer, TaskKind, TaskStatus
from callbacks.relay import relay_outbox
from callbacks.service import (
    begin_attempt,
    questions_for,
    record_answer,
    record_call_status,
    reschedule_by_person,
)
from huifang.settings import clear_caches
from kernel.clock import centre_tz, local
from kernel.crypto import phone_index
from kernel.vocabulary import Question
from scoring.models import CallbackRating
from tests.callbacks.factories import business, make_outlet, ring_out, start

ANSWERS = {
    "attitude": "satisfied",
    "efficiency": "satisfied",
    "repeat_trip": "no",
    "favour_asked": "no",
}


def at(text: str) -> datetime:
    """A Shanghai wall-clock time, e.g. '2026-02-13 19:00'."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=centre_tz())


def shown(moment: datetime | None) -> str:
    assert moment is not None
    return f"{local(moment):%Y-%m-%d %H:%M}"


@pytest.fixture
def polite_hours(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The production defaults: 09:00-12:00 and 14:00-20:00 on working days, 2 hours after."""
    for name in ("CALLING_WINDOWS", "CALLING_DAYS", "CALLBACK_DELAY_MINUTES"):
        monkeypatch.delenv(f"HUIFANG_{name}", raising=False)
    clear_caches()
    yield
    monkeypatch.undo()
    clear_caches()


@pytest.mark.usefixtures("polite_hours")
@pytest.mark.parametrize(
    ("done_at", "first_call"),
    [
        ("2026-03-03 08:00", "2026-03-03 10:00"),  # two hours later, inside the morning window
        ("2026-03-03 10:30", "2026-03-03 14:00"),  # 12:30 is lunch: the afternoon window
        ("2026-03-03 19:00", "2026-03-04 09:00"),  # 21:00 is too late: next morning
        ("2026-03-06 19:00", "2026-03-09 09:00"),  # Friday evening: Monday, not the weekend
        ("2026-02-13 19:00", "2026-02-14 09:00"),  # Saturday 14 Feb 2026 is a 调休 working day
        ("2026-02-14 19:00", "2026-02-24 09:00"),  # Spring Festival: after the holiday
        ("2026-09-30 19:00", "2026-10-08 09:00"),  # National Day week
    ],
)
def test_first_call_waits_two_hours_then_the_next_polite_slot(
    session: Session, done_at: str, first_call: str
) -> None:
    with time_machine.travel(at(done_at), tick=False):
        (task,) = business(session, at=at(done_at))
        assert shown(task.due_at) == first_call
        assert begin_attempt(session, task_id=task.id or 0, attempt_no=1) is not None


@pytest.mark.usefixtures("polite_hours")
def test_a_task_is_not_called_before_it_is_due(session: Session) -> None:
    with time_machine.travel(at("2026-03-03 19:00"), tick=False) as traveller:
        (task,) = business(session, at=at("2026-03-03 19:00"))
        from callbacks.service import due_tasks

        assert due_tasks(session) == []
        traveller.move_to(at("2026-03-04 08:59"))
        assert due_tasks(session) == []
        traveller.move_to(at("2026-03-04 09:00"))
        assert due_tasks(session) == [task.id]


@pytest.mark.usefixtures("polite_hours")
def test_retries_come_at_other_times_of_day_then_the_sms_survey(session: Session) -> None:
    with time_machine.travel(at("2026-02-24 12:00"), tick=False) as traveller:
        (task,) = business(session, at=at("2026-02-24 12:00"))
        tried = []
        for status in ("no-answer", "busy", "no-answer"):
            traveller.move_to(task.due_at)
            tried.append(shown(task.due_at))
            ring_out(session, task, status=status)
        assert tried == ["2026-02-24 14:00", "2026-02-25 09:00", "2026-02-26 14:00"]
        assert task.status == TaskStatus.scheduled
        traveller.move_to(task.due_at)
        assert start(session, task).channel == "sms"


def test_asking_for_another_day_does_not_use_up_a_call_but_cannot_go_on_for_ever(
    session: Session,
) -> None:
    with time_machine.travel(at("2026-02-24 12:00"), tick=False) as traveller:
        (task,) = business(session, at=at("2026-02-24 12:00"))
        channels = []
        # Pressed 9 three times: the first two are free, the third counts as a call.
        for _ in range(3):
            traveller.move_to(task.due_at)
            attempt = start(session, task)
            reschedule_by_person(
                session, task=task, attempt=attempt, at=at("2026-03-10 00:00"), actor="twilio"
            )
            channels.append(attempt.channel)
        for _ in range(2):  # then two unanswered calls: three counted, the allowance
            traveller.move_to(task.due_at)
            channels.append(ring_out(session, task).channel)
        traveller.move_to(task.due_at)
        channels.append(start(session, task).channel)
    assert channels == ["voice"] * 5 + ["sms"]


def test_an_answering_machine_counts_as_an_attempt(session: Session) -> None:
    with time_machine.travel(at("2026-03-03 10:00"), tick=False):
        (task,) = business(session, at=at("2026-03-03 10:00"))
        attempt = start(session, task)
        record_call_status(
            session,
            attempt_id=attempt.id or 0,
            status="completed",
            sequence=3,
            answered_by="machine",
        )
        assert (task.status, task.attempts_made) == (TaskStatus.scheduled, 1)


def test_a_loan_calls_back_the_borrower_and_the_project_contact(session: Session) -> None:
    with time_machine.travel(at("2026-03-03 10:00"), tick=False):
        tasks = business(
            session, at=at("2026-03-03 10:00"), kind="loan", contact_phone="+8613911112222"
        )
        assert [(t.audience, t.phone) for t in tasks] == [
            ("depositor", "+8613812345678"),
            ("project_contact", "+8613911112222"),
        ]
        for task in tasks:
            attempt = start(session, task)
            for question, value in ANSWERS.items():
                record_answer(
                    session,
                    attempt_id=attempt.id or 0,
                    question=question,
                    value=value,
                    source="dtmf",
                )
            record_call_status(session, attempt_id=attempt.id or 0, status="completed", sequence=5)
        assert [t.status for t in tasks] == [TaskStatus.completed] * 2
        ratings = session.exec(
            select(CallbackRating.audience).order_by(col(CallbackRating.task_id))
        ).all()
        assert ratings == ["depositor", "project_contact"]


def test_the_same_event_relayed_twice_opens_its_tasks_once(session: Session) -> None:
    from callbacks.service import open_tasks

    with time_machine.travel(at("2026-03-03 10:00"), tick=False):
        tasks = business(
            session, at=at("2026-03-03 10:00"), kind="loan", contact_phone="+8613911112222"
        )
        payload = {
            "business_kind": "loan",
            "business_id": tasks[0].business_id,
            "occurred_at": at("2026-03-03 10:00").isoformat(),
            "outlet_id": tasks[0].outlet_id,
            "outlet_name": "城东网点",
            "person": {"name": "王芳", "phone": "+8613812345678"},
            "project_contact": {"name": "张经理", "phone": "+8613911112222"},
        }
        again = open_tasks(session, event_id=tasks[0].event_id, payload=payload)
        assert [t.id for t in again] == [t.id for t in tasks]
        assert len(session.exec(select(CallbackTask)).all()) == 2


def test_suppression_window_caps_callbacks_per_phone(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUIFANG_SUPPRESSION_DAYS", "30")
    clear_caches()
    try:
        with time_machine.travel(at("2026-03-03 10:00"), tick=False) as traveller:
            (first,) = business(session, at=at("2026-03-03 10:00"))
            traveller.move_to(at("2026-03-20 10:00"))
            (second,) = business(session, at=at("2026-03-20 10:00"))
            traveller.move_to(at("2026-04-03 10:01"))
            (third,) = business(session, at=at("2026-04-03 10:01"))
        assert first.status == TaskStatus.scheduled
        assert (second.status, second.close_reason) == (TaskStatus.closed, "suppressed")
        assert third.status == TaskStatus.scheduled
    finally:
        monkeypatch.delenv("HUIFANG_SUPPRESSION_DAYS")
        clear_caches()


def test_off_by_default_every_business_is_called_back(session: Session) -> None:
    with time_machine.travel(at("2026-03-03 10:00"), tick=False):
        first = business(session, at=at("2026-03-03 10:00"))
        second = business(session, at=at("2026-03-03 10:05"))
    assert [t.status for t in first + second] == [TaskStatus.scheduled] * 2


def test_a_retried_job_does_not_place_a_second_call(session: Session) -> None:
    with time_machine.travel(at("2026-03-03 10:00"), tick=False):
        (task,) = business(session, at=at("2026-03-03 10:00"))
        start(session, task)
        assert begin_attempt(session, task_id=task.id or 0, attempt_no=1) is None
        assert begin_attempt(session, task_id=task.id or 0, attempt_no=2) is None
        assert session.exec(select(SurveyAnswer)).all() == []


def test_a_project_contact_gets_one_call_per_outlet_and_month_covering_its_loans(
    session: Session,
) -> None:
    contact = "+8613911112222"
    with time_machine.travel(at("2026-03-03 10:00"), tick=False):
        first = business(session, at=at("2026-03-03 10:00"), kind="loan", contact_phone=contact)
        business(session, at=at("2026-03-10 10:00"), kind="loan", contact_phone=contact)
        business(session, at=at("2026-03-31 23:30"), kind="loan", contact_phone=contact)
        relay_outbox(session)  # a second relay run changes nothing
        other = make_outlet(session, code="WD02", name="城西网点")
        business(
            session, at=at("2026-03-12 10:00"), kind="loan", contact_phone=contact, outlet=other
        )
        business(session, at=at("2026-04-01 09:00"), kind="loan", contact_phone=contact)
    tasks = session.exec(
        select(CallbackTask)
        .where(CallbackTask.phone_index == phone_index(contact))
        .order_by(col(CallbackTask.id))
    ).all()
    assert [(t.outlet_name, t.contact_month, t.loans_covered) for t in tasks] == [
        ("城东网点", "2026-03", 3),
        ("城西网点", "2026-03", 1),
        ("城东网点", "2026-04", 1),
    ]
    march = tasks[0]
    assert march.id == first[1].id
    assert (march.kind, march.audience, march.teller_id) == (
        TaskKind.project_contact,
        "project_contact",
        None,
    )
    assert questions_for(march) == (Question.attitude, Question.efficiency)
    # Depositors are still called once per loan.
    depositors = session.exec(
        select(CallbackTask).where(CallbackTask.audience == "depositor")
    ).all()
    assert len(depositors) == 5


def test_the_database_refuses_a_second_contact_task_for_the_same_outlet_and_month(
    session: Session,
) -> None:
    with time_machine.travel(at("2026-03-03 10:00"), tick=False):
        (_, task) = business(
            session, at=at("2026-03-03 10:00"), kind="loan", contact_phone="+8613911112222"
        )
        copy = CallbackTask(
            event_id=task.event_id,
            audience="rectify_project",  # past the (event, audience) key: only ours is left
            business_kind="loan",
            business_id=task.business_id,
            business_at=task.business_at,
            outlet_id=task.outlet_id,
            outlet_name=task.outlet_name,
            person_name=task.person_name,
            phone=task.phone,
            contact_month=task.contact_month,
        )
        with pytest.raises(IntegrityError), session.begin_nested():
            session.add(copy)
            session.flush()
