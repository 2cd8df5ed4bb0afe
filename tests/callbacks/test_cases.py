"""Every exception reason lands in the operators' queue once, with its SLA clock and breach."""

from collections.abc import Mapping
from datetime import datetime

import pytest
import time_machine
from sqlmodel import Session, func, select

from callbacks import cases
from callbacks.clarify import confirm_answer
from callbacks.metrics import outlet_metrics, rectification_results
from callbacks.models import (
    CallbackException,
    CallbackTask,
    ExceptionStatus,
    SurveyAnswer,
    TaskKind,
    TaskStatus,
)
from callbacks.service import answers_for, mark_wrong_person, record_answer, record_call_status
from kernel.clock import centre_tz, local
from kernel.errors import Conflict, Invalid
from scoring.models import CallbackRating
from tests.callbacks.factories import business, ring_out, start

GOOD = {
    "attitude": "satisfied",
    "efficiency": "satisfied",
    "repeat_trip": "no",
    "favour_asked": "no",
}


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=centre_tz())


def answer_call(
    session: Session,
    task: CallbackTask,
    answers: Mapping[str, str | None],
    *,
    confirmed: bool = True,
) -> None:
    """One voice attempt answered by a person, who gives these answers (confirming a grave
    one when asked, unless told not to), then the call ends."""
    attempt = start(session, task)
    for question, value in answers.items():
        record_answer(
            session, attempt_id=attempt.id or 0, question=question, value=value, source="dtmf"
        )
    if confirmed:
        confirm_answer(session, task_id=task.id or 0, actor="twilio")
    record_call_status(session, attempt_id=attempt.id or 0, status="completed", sequence=9)


def reasons(session: Session, task: CallbackTask) -> list[str]:
    rows = session.exec(select(CallbackException).where(CallbackException.task_id == task.id))
    return sorted(r.reason for r in rows)


@pytest.fixture
def friday():  # type: ignore[no-untyped-def]
    with time_machine.travel(at("2026-03-06 16:00"), tick=False) as traveller:
        yield traveller


@pytest.mark.parametrize(
    ("answers", "expected", "status"),
    [
        ({**GOOD, "attitude": "unsatisfied"}, ["unsatisfied"], TaskStatus.completed),
        ({**GOOD, "efficiency": "unsatisfied"}, ["unsatisfied"], TaskStatus.completed),
        ({**GOOD, "repeat_trip": "yes"}, ["repeat_trip"], TaskStatus.completed),
        ({**GOOD, "favour_asked": "yes"}, ["favour_asked"], TaskStatus.completed),
        ({**GOOD, "efficiency": None}, ["unclear"], TaskStatus.completed),
        ({"attitude": "satisfied", "efficiency": "satisfied"}, ["partial"], TaskStatus.exception),
        (GOOD, [], TaskStatus.completed),
    ],
)
def test_each_answer_that_needs_a_person_opens_its_exception(
    session: Session,
    friday: time_machine.Traveller,
    answers: dict[str, str | None],
    expected: list[str],
    status: TaskStatus,
) -> None:
    (task,) = business(session, at=at("2026-03-06 10:00"))
    answer_call(session, task, answers)
    assert task.status == status
    assert reasons(session, task) == expected


def test_an_unconfirmed_favour_asked_is_unclear_and_counts_nothing_against_anyone(
    session: Session, friday: time_machine.Traveller
) -> None:
    (task,) = business(session, at=at("2026-03-06 10:00"))
    answer_call(session, task, {**GOOD, "favour_asked": "yes"}, confirmed=False)
    assert task.status == TaskStatus.completed
    assert reasons(session, task) == ["unclear"]
    [kept] = session.exec(select(SurveyAnswer).where(SurveyAnswer.question == "favour_asked")).all()
    assert (kept.value, kept.unconfirmed) == (None, "yes")


def test_someone_else_answering_is_a_wrong_person_case_that_blocks_the_task(
    session: Session, friday: time_machine.Traveller
) -> None:
    (task,) = business(session, at=at("2026-03-06 10:00"))
    attempt = start(session, task)
    mark_wrong_person(session, attempt_id=attempt.id or 0, actor="twilio")
    mark_wrong_person(session, attempt_id=attempt.id or 0, actor="twilio")  # retried
    record_call_status(session, attempt_id=attempt.id or 0, status="completed", sequence=9)
    assert task.status == TaskStatus.exception
    [view] = cases.queue(session)
    assert (view.case.reason, view.label) == ("wrong_person", "非本人接听（号码可能已易主）")
    cases.close(session, case_id=view.case.id or 0, actor="op", note="号码已换人，已核实")
    assert task.status == TaskStatus.closed


def test_favour_asking_is_first_in_the_queue_and_has_the_shortest_clock(
    session: Session, friday: time_machine.Traveller
) -> None:
    (unhappy,) = business(session, at=at("2026-03-06 10:00"), phone="+8613800000001")
    (favour,) = business(session, at=at("2026-03-06 10:00"), phone="+8613800000002")
    answer_call(session, unhappy, {**GOOD, "attitude": "unsatisfied"})
    answer_call(session, favour, {**GOOD, "favour_asked": "yes"})
    queue = cases.queue(session)
    assert [v.case.reason for v in queue] == ["favour_asked", "unsatisfied"]
    # Friday 16:00 + 4 office hours (16:00-17:30, then Monday 09:00-11:30) = Monday 11:30.
    assert f"{local(queue[0].case.sla_due_at):%a %H:%M}" == "Mon 11:30"
    # One working day for the rest: Monday 16:00; rectification: five working days.
    assert f"{local(queue[1].case.sla_due_at):%a %H:%M}" == "Mon 16:00"
    assert f"{local(queue[1].case.rectify_due_at):%m-%d %H:%M}" == "03-13 16:00"  # type: ignore[arg-type]

    friday.move_to(at("2026-03-09 11:30"))
    assert [v.breached for v in cases.queue(session)] == [False, False]
    friday.move_to(at("2026-03-09 11:31"))
    assert [v.breached for v in cases.queue(session)] == [True, False]
    friday.move_to(at("2026-03-09 16:01"))
    assert [v.breached for v in cases.queue(session)] == [True, True]


def test_a_case_closed_in_time_is_not_shown_breached_later(
    session: Session, friday: time_machine.Traveller
) -> None:
    (task,) = business(session, at=at("2026-03-06 10:00"))
    answer_call(session, task, {**GOOD, "repeat_trip": "yes"})
    (case,) = session.exec(select(CallbackException)).all()
    cases.verify(
        session, case_id=case.id or 0, actor="op1", finding="untrue", note="材料齐全后一次办结"
    )
    friday.move_to(at("2026-03-20 10:00"))
    (shown,) = cases.queue(session, include_closed=True)
    assert (shown.case.status, shown.breached) == (ExceptionStatus.closed, False)


def test_repeated_events_open_one_case(session: Session, friday: time_machine.Traveller) -> None:
    (task,) = business(session, at=at("2026-03-06 10:00"))
    answer_call(session, task, {**GOOD, "favour_asked": "yes"})
    from callbacks.service import complete_survey

    complete_survey(session, task=task)
    assert session.exec(select(func.count()).select_from(CallbackException)).one() == 1


def test_operator_claims_calls_by_hand_and_completes_an_unreachable_task(
    session: Session, friday: time_machine.Traveller
) -> None:
    (task,) = business(session, at=at("2026-03-06 10:00"))
    answer_call(session, task, {"attitude": "satisfied"})
    (case,) = session.exec(select(CallbackException)).all()
    cases.claim(session, case_id=case.id or 0, actor="op1")
    with pytest.raises(Conflict):
        cases.claim(session, case_id=case.id or 0, actor="op2")
    with pytest.raises(Invalid):
        cases.record_manual_result(
            session, case_id=case.id or 0, actor="op1", answers={"efficiency": "ok"}
        )
    cases.record_manual_result(
        session,
        case_id=case.id or 0,
        actor="op1",
        answers={"efficiency": "unsatisfied", "repeat_trip": "no", "favour_asked": "no"},
        suggestion="排队太久",
    )
    assert task.status == TaskStatus.completed
    assert answers_for(session, task_id=task.id or 0)["efficiency"] == "unsatisfied"
    assert case.status == ExceptionStatus.closed
    assert reasons(session, task) == ["partial", "unsatisfied"]
    assert session.exec(select(func.count()).select_from(CallbackRating)).one() == 1


def test_reschedule_close_and_escalate(session: Session, friday: time_machine.Traveller) -> None:
    (task,) = business(session, at=at("2026-03-06 10:00"))
    answer_call(session, task, {"attitude": "satisfied"})
    (case,) = session.exec(select(CallbackException)).all()
    cases.escalate(session, case_id=case.id or 0, actor="op1", note="本人要求领导回电")
    assert (case.status, case.escalated) == (ExceptionStatus.escalated, True)
    cases.reschedule_case(session, case_id=case.id or 0, actor="op1", at=at("2026-03-07 10:00"))
    # Saturday is not a working day: the call moves to Monday morning.
    assert (task.status, f"{local(task.due_at):%a %H:%M}") == (TaskStatus.scheduled, "Mon 09:00")  # type: ignore[arg-type]
    with pytest.raises(Conflict):
        cases.close(session, case_id=case.id or 0, actor="op1", note="again")
    with pytest.raises(Invalid):
        cases.escalate(session, case_id=case.id or 0, actor="op1", note=" ")


def test_closing_an_unreachable_case_closes_its_task(
    session: Session, friday: time_machine.Traveller
) -> None:
    (task,) = business(session, at=at("2026-03-06 10:00"))
    answer_call(session, task, {"attitude": "satisfied"})
    (case,) = session.exec(select(CallbackException)).all()
    with pytest.raises(Invalid):
        cases.close(session, case_id=case.id or 0, actor="op1", note="")
    cases.close(session, case_id=case.id or 0, actor="op1", note="三次人工外呼均无人接听")
    assert (task.status, task.close_reason) == (TaskStatus.closed, "operator")


def test_poor_rating_loop_ends_in_a_second_callback_reported_apart(
    session: Session, friday: time_machine.Traveller
) -> None:
    (task,) = business(session, at=at("2026-03-06 10:00"))
    answer_call(session, task, {**GOOD, "attitude": "unsatisfied"})
    (case,) = session.exec(select(CallbackException)).all()
    with pytest.raises(Conflict):
        cases.record_rectification(session, case_id=case.id or 0, actor="outlet1", text="已整改")
    cases.verify(session, case_id=case.id or 0, actor="op1", finding="true", note="柜员态度生硬")
    friday.move_to(at("2026-03-10 10:00"))
    second = cases.record_rectification(
        session, case_id=case.id or 0, actor="outlet1", text="已对柜员进行批评教育并公开致歉"
    )
    assert second is not None
    assert (second.kind, second.parent_task_id, second.audience) == (
        TaskKind.rectification,
        task.id,
        "rectify_depositor",
    )
    assert (case.status, cases.view(case, task).rectify_breached) == (
        ExceptionStatus.rectified,
        False,
    )
    answer_call(session, second, {"resolution": "satisfied"})
    assert second.status == TaskStatus.completed
    assert case.status == ExceptionStatus.closed and "整改回访：满意" in (case.note or "")
    # Kept apart: no second rating, its own report.
    assert session.exec(select(func.count()).select_from(CallbackRating)).one() == 1
    assert rectification_results(session, period="2026-03") == [
        {
            "outlet_id": task.outlet_id,
            "outlet_name": "城东网点",
            "answered": 1,
            "satisfied": 1,
            "unsatisfied": 0,
            "unclear": 0,
        }
    ]
    assert [m.tasks for m in outlet_metrics(session, period="2026-03")] == [1]


def test_still_unsatisfied_after_rectification_is_escalated(
    session: Session, friday: time_machine.Traveller
) -> None:
    (task,) = business(session, at=at("2026-03-06 10:00"))
    answer_call(session, task, {**GOOD, "efficiency": "unsatisfied"})
    (case,) = session.exec(select(CallbackException)).all()
    cases.verify(session, case_id=case.id or 0, actor="op1", finding="true", note="属实")
    second = cases.record_rectification(
        session, case_id=case.id or 0, actor="outlet1", text="已整改"
    )
    assert second is not None
    answer_call(session, second, {"resolution": "unsatisfied"})
    (again,) = session.exec(
        select(CallbackException).where(CallbackException.task_id == second.id)
    ).all()
    assert (again.reason, again.escalated) == ("unsatisfied", True)


def test_a_late_rectification_is_shown_breached(
    session: Session, friday: time_machine.Traveller
) -> None:
    (task,) = business(session, at=at("2026-03-06 10:00"))
    answer_call(session, task, {**GOOD, "attitude": "unsatisfied"})
    (case,) = session.exec(select(CallbackException)).all()
    cases.verify(session, case_id=case.id or 0, actor="op1", finding="true", note="属实")
    friday.move_to(at("2026-03-16 10:00"))
    assert cases.view(case, task).rectify_breached is True


def test_an_unconfirmed_complaint_is_closed_without_rectification(
    session: Session, friday: time_machine.Traveller
) -> None:
    (task,) = business(session, at=at("2026-03-06 10:00"))
    answer_call(session, task, {**GOOD, "attitude": "unsatisfied"})
    (case,) = session.exec(select(CallbackException)).all()
    cases.verify(session, case_id=case.id or 0, actor="op1", finding="untrue", note="误按按键")
    assert case.status == ExceptionStatus.closed
    assert session.exec(select(func.count()).select_from(CallbackTask)).one() == 1


def test_metrics_count_due_completed_reached_and_medians(
    session: Session, friday: time_machine.Traveller
) -> None:
    (done,) = business(session, at=at("2026-03-06 10:00"), phone="+8613800000001")
    (missed,) = business(session, at=at("2026-03-06 10:00"), phone="+8613800000002")
    business(session, at=at("2026-03-06 15:00"), phone="+8613800000003")  # not yet due
    friday.move_to(at("2026-03-06 14:00"))
    answer_call(session, done, GOOD)
    ring_out(session, missed)
    friday.move_to(at("2026-03-06 16:00"))
    (row,) = outlet_metrics(session, period="2026-03")
    figures = row.as_dict()
    assert (figures["tasks"], figures["due"], figures["completed"], figures["reached"]) == (
        3,
        2,
        1,
        1,
    )
    assert (figures["callback_rate"], figures["reach_rate"]) == (0.5, 0.5)
    assert figures["median_hours_to_first_attempt"] == 4.0
    assert figures["median_hours_to_answer"] == 4.0
    with pytest.raises(Invalid):
        outlet_metrics(session, period="2026-13")
