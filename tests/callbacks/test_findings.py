"""Every complaint gets the operator's finding (核实结论); untrue and not-staff ones never count."""

import itertools
from collections.abc import Iterator, Mapping
from datetime import datetime

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from callbacks import cases
from callbacks.clarify import confirm_answer
from callbacks.models import CallbackException, CallbackTask, ExceptionStatus
from callbacks.service import record_answer, record_call_status
from kernel.clock import centre_tz
from kernel.errors import Conflict, Invalid
from kernel.periods import parse_period
from scoring.drilldown import callback_drilldown
from scoring.models import CallbackRating
from scoring.rankings import callback_ranking
from scoring.redflags import favour_reports, repeat_trip_rates
from tests.callbacks.factories import business, start
from tests.conftest import Bind, make_user

GOOD = {
    "attitude": "satisfied",
    "efficiency": "satisfied",
    "repeat_trip": "no",
    "favour_asked": "no",
}
MARCH = parse_period("2026-03")
_phones = itertools.count(1)


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=centre_tz())


@pytest.fixture(autouse=True)
def friday() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(at("2026-03-06 16:00"), tick=False) as traveller:
        yield traveller


def answered(session: Session, answers: Mapping[str, str]) -> CallbackTask:
    """A withdrawal at 10:00 whose callback was answered on the phone with these answers."""
    (task,) = business(session, at=at("2026-03-06 10:00"), phone=f"+86138{next(_phones):08d}")
    attempt = start(session, task)
    for question, value in answers.items():
        record_answer(
            session, attempt_id=attempt.id or 0, question=question, value=value, source="dtmf"
        )
    confirm_answer(session, task_id=task.id or 0, actor="twilio")  # a 有 to favours: pressed 1
    record_call_status(session, attempt_id=attempt.id or 0, status="completed", sequence=9)
    return task


def case_of(session: Session, task: CallbackTask, reason: str) -> CallbackException:
    query = select(CallbackException).where(
        CallbackException.task_id == task.id, CallbackException.reason == reason
    )
    return session.exec(query).one()


def rating_of(session: Session, task: CallbackTask) -> CallbackRating:
    return session.exec(select(CallbackRating).where(CallbackRating.task_id == task.id)).one()


def outlet_counts(session: Session) -> tuple[int, int, int, int]:
    """(people, very satisfied, satisfied, unsatisfied) of the one outlet's March ranking."""
    rows = callback_ranking(session, kind="outlet", period=MARCH, include_unrated=True)
    (row,) = rows
    counts = row.summary.counts
    return row.responses, counts.very_satisfied, counts.satisfied, counts.unsatisfied


@pytest.mark.parametrize(
    ("reason", "answers"),
    [
        ("unsatisfied", {**GOOD, "attitude": "unsatisfied"}),
        ("repeat_trip", {**GOOD, "repeat_trip": "yes"}),
        ("favour_asked", {**GOOD, "favour_asked": "yes"}),
    ],
)
def test_a_complaint_cannot_be_closed_without_a_finding(
    session: Session, reason: str, answers: dict[str, str]
) -> None:
    case = case_of(session, answered(session, answers), reason)
    with pytest.raises(Invalid, match="请先填写核实结论"):
        cases.close(session, case_id=case.id or 0, actor="op1", note="已回电")
    assert case.status == ExceptionStatus.open
    cases.verify(session, case_id=case.id or 0, actor="op1", finding="untrue", note="本人否认")
    assert (case.status, case.finding, case.found_by) == (ExceptionStatus.closed, "untrue", "op1")
    assert case.verified_at is not None and "核实结论：不属实。本人否认" in (case.note or "")


def test_other_cases_close_as_before_without_a_finding(session: Session) -> None:
    task = answered(session, {"attitude": "satisfied"})  # the rest unanswered: partial
    case = case_of(session, task, "partial")
    with pytest.raises(Conflict, match="只有"):
        cases.verify(session, case_id=case.id or 0, actor="op1", finding="true", note="x")
    cases.close(session, case_id=case.id or 0, actor="op1", note="三次人工外呼均无人接听")
    assert case.status == ExceptionStatus.closed and case.finding is None


@pytest.mark.parametrize(
    ("finding", "label"), [("untrue", "不属实"), ("not_staff", "非工作人员原因")]
)
def test_an_unsatisfied_found_untrue_or_not_staff_leaves_every_score(
    session: Session, finding: str, label: str
) -> None:
    answered(session, GOOD)
    task = answered(session, {**GOOD, "attitude": "unsatisfied", "repeat_trip": "yes"})
    assert outlet_counts(session) == (2, 0, 1, 1)  # people: one 满意, one with a 不满意
    case = case_of(session, task, "unsatisfied")
    cases.verify(session, case_id=case.id or 0, actor="op1", finding=finding, note="银行到账延迟")

    assert outlet_counts(session) == (1, 0, 1, 0)
    rating = rating_of(session, task)
    assert rating.excluded_reason == f"坐席核实“不满意”{label}：银行到账延迟"
    assert (rating.excluded_by, rating.excluded_at is not None) == ("op1", True)
    # Like a held rating, the callback leaves the repeat-trip rate with it.
    (rates,) = repeat_trip_rates(session, kind="outlet", period=MARCH)
    assert (rates.asked, rates.repeat_trips) == (1, 0)
    assert case.status == ExceptionStatus.closed


def test_a_true_unsatisfied_counts_and_goes_to_the_outlet(session: Session) -> None:
    task = answered(session, {**GOOD, "efficiency": "unsatisfied"})
    case = case_of(session, task, "unsatisfied")
    cases.verify(session, case_id=case.id or 0, actor="op1", finding="属实", note="柜员推诿")
    assert case.status == ExceptionStatus.verified
    assert outlet_counts(session) == (1, 0, 0, 1)
    assert rating_of(session, task).excluded_reason is None


def test_a_repeat_trip_found_untrue_leaves_the_red_flags_but_not_the_score(
    session: Session,
) -> None:
    task = answered(session, {**GOOD, "repeat_trip": "yes"})
    answered(session, GOOD)
    (before,) = repeat_trip_rates(session, kind="outlet", period=MARCH)
    assert (before.asked, before.repeat_trips) == (2, 1)
    case = case_of(session, task, "repeat_trip")
    cases.verify(session, case_id=case.id or 0, actor="op1", finding="not_staff", note="缺材料")

    (after,) = repeat_trip_rates(session, kind="outlet", period=MARCH)
    assert (after.asked, after.repeat_trips) == (1, 0)
    assert outlet_counts(session) == (2, 0, 2, 0)
    rating = rating_of(session, task)
    assert (rating.repeat_trip_excluded, rating.excluded_reason) == (True, None)


def test_a_repeat_trip_found_true_stays_in_the_red_flags(session: Session) -> None:
    task = answered(session, {**GOOD, "repeat_trip": "yes"})
    case = case_of(session, task, "repeat_trip")
    cases.verify(
        session, case_id=case.id or 0, actor="op1", finding="true", note="材料一次告知不全"
    )
    assert case.status == ExceptionStatus.closed
    (rates,) = repeat_trip_rates(session, kind="outlet", period=MARCH)
    assert (rates.asked, rates.repeat_trips) == (1, 1)


def test_a_favour_report_found_untrue_is_listed_but_no_longer_counted(session: Session) -> None:
    task = answered(session, {**GOOD, "favour_asked": "yes"})
    case = case_of(session, task, "favour_asked")
    cases.verify(session, case_id=case.id or 0, actor="op1", finding="untrue", note="误按按键")

    (rates,) = repeat_trip_rates(session, kind="outlet", period=MARCH)
    assert rates.favour_reports == 0
    (report,) = favour_reports(session, period=MARCH)
    assert report.excluded is True
    assert outlet_counts(session) == (1, 0, 1, 0)


def test_a_favour_report_leaves_only_by_its_own_finding(session: Session) -> None:
    task = answered(session, {**GOOD, "attitude": "unsatisfied", "favour_asked": "yes"})
    unhappy = case_of(session, task, "unsatisfied")
    cases.verify(session, case_id=unhappy.id or 0, actor="op1", finding="untrue", note="误按")
    assert outlet_counts(session) == (0, 0, 0, 0)
    (rates,) = repeat_trip_rates(session, kind="outlet", period=MARCH)
    assert rates.favour_reports == 1  # still before an operator, still counted
    assert case_of(session, task, "favour_asked").status == ExceptionStatus.open


def test_a_finding_is_given_once_with_a_note_and_a_known_value(session: Session) -> None:
    case = case_of(session, answered(session, {**GOOD, "attitude": "unsatisfied"}), "unsatisfied")
    with pytest.raises(Invalid, match="核实结论应为 属实"):
        cases.verify(session, case_id=case.id or 0, actor="op1", finding="maybe", note="x")
    with pytest.raises(Invalid, match="请填写核实情况说明"):
        cases.verify(session, case_id=case.id or 0, actor="op1", finding="true", note=" ")
    cases.verify(session, case_id=case.id or 0, actor="op1", finding="true", note="属实")
    with pytest.raises(Conflict, match="已有核实结论（属实）"):
        cases.verify(session, case_id=case.id or 0, actor="op2", finding="untrue", note="改口")


def test_the_finding_is_in_the_history_behind_the_score(session: Session) -> None:
    task = answered(session, {**GOOD, "attitude": "unsatisfied"})
    case = case_of(session, task, "unsatisfied")
    cases.verify(session, case_id=case.id or 0, actor="op1", finding="untrue", note="误按按键")
    drill = callback_drilldown(session, kind="outlet", code="WD01", period=MARCH)
    (line,) = drill.lines
    assert (drill.row.responses, line.counted) == (0, False)
    (step,) = line.history
    assert (step.actor, step.label, step.note) == ("op1", "坐席核实", "“不满意”不属实：误按按键")


def test_findings_over_http_answer_in_chinese(client: TestClient, engine: Bind) -> None:
    with Session(engine) as session:
        task = answered(session, {**GOOD, "attitude": "unsatisfied"})
        case_id = case_of(session, task, "unsatisfied").id
        session.commit()
    password = make_user(engine, username="op", role="operator")
    token = client.post("/api/auth/token", data={"username": "op", "password": password})
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    base = f"/api/callbacks/exceptions/{case_id}"

    bad = client.post(f"{base}/verify", json={"finding": "yes", "note": "x"}, headers=headers)
    assert bad.status_code == 422 and "核实结论应为" in bad.json()["detail"]
    bare = client.post(f"{base}/verify", json={"finding": "untrue"}, headers=headers)
    assert bare.status_code == 422 and bare.json()["detail"] == "请填写核实情况说明"
    shut = client.post(f"{base}/close", json={"note": "已回电"}, headers=headers)
    assert shut.status_code == 422 and "请先填写核实结论" in shut.json()["detail"]
    done = client.post(
        f"{base}/verify", json={"finding": "不属实", "note": "本人否认"}, headers=headers
    )
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["status"], body["finding"], body["finding_label"]) == (
        "closed",
        "untrue",
        "不属实",
    )
    again = client.post(f"{base}/verify", json={"finding": "true", "note": "x"}, headers=headers)
    assert again.status_code == 409 and "已关闭" in again.json()["detail"]
