"""Golden tests of the SMS webhooks: signed form in → exact TwiML out → rows in the database."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from callbacks.models import (
    CallAttempt,
    CallbackException,
    CallbackTask,
    SurveyAnswer,
    TaskEvent,
    TaskStatus,
)
from callbacks.reconcile import expire_sms_surveys
from huifang.settings import clear_caches
from ivr.sms.models import SmsStatusEvent
from ivr.sms.service import record_sent
from kernel.clock import utcnow
from tests.conftest import Bind
from tests.ivr.sms.support import (
    CHOOSE_EFFICIENCY,
    CLARIFY_ALL,
    CLOSED,
    CONFIRM_FAVOUR,
    FOLLOW_UP_LAST_TWO,
    OPTED_OUT,
    RECHOOSE_FAVOUR,
    THANKS,
    THANKS_FOLLOW_UP,
    messages,
    post_signed,
    signature,
    sms_attempt,
    status_form,
    unanswered_task,
)
from tests.ivr.sms.support import inbound_form as form

# Messages are kept with SQLite's INSERT … ON CONFLICT in the demo: run there too.
pytestmark = pytest.mark.sqlite_too

XML = '<?xml version="1.0" encoding="UTF-8"?>'


@dataclass(frozen=True)
class Case:
    """A conversation: the person's texts, our exact answers, where the task ends up."""

    name: str
    replies: list[str]
    answers: list[str | None]  # None: an empty <Response /> (we say nothing)
    task_status: TaskStatus
    kept: dict[str, str | None]


CASES = [
    Case(
        "complete_with_suggestion",
        ["1111 服务很好"],
        [THANKS],
        TaskStatus.completed,
        {"attitude": "very_satisfied", "efficiency": "very_satisfied", "repeat_trip": "no"},
    ),
    Case(
        "full_width_and_words",
        ["１，１ 否 没有"],
        [THANKS],
        TaskStatus.completed,
        {"efficiency": "very_satisfied", "repeat_trip": "no", "favour_asked": "no"},
    ),
    Case(
        "unsatisfied_is_followed_up_by_an_operator",
        ["3 1 1 1 排队太久"],
        [THANKS_FOLLOW_UP],
        TaskStatus.completed,  # the survey is done; callbacks opens the operator's case
        {"attitude": "unsatisfied"},
    ),
    Case(
        "partial_then_the_rest",
        ["11", "11"],
        [FOLLOW_UP_LAST_TWO, THANKS],
        TaskStatus.completed,
        {"attitude": "very_satisfied", "repeat_trip": "no", "favour_asked": "no"},
    ),
    Case(
        "partial_twice_goes_to_an_operator",
        ["11", "1"],
        [FOLLOW_UP_LAST_TWO, THANKS_FOLLOW_UP],
        TaskStatus.exception,
        {"repeat_trip": "no", "favour_asked": None},
    ),
    Case(
        "nonsense_then_clarification_then_exception",
        ["好的", "什么意思？"],
        [CLARIFY_ALL, THANKS_FOLLOW_UP],
        TaskStatus.exception,
        {"attitude": None},
    ),
    Case(
        "nonsense_then_clarification_then_answers",
        ["嗯嗯", "1 2 1 1"],
        [CLARIFY_ALL, THANKS],
        TaskStatus.completed,
        {"efficiency": "satisfied"},
    ),
    Case(
        "all_ones_is_all_favourable",
        ["1111"],
        [THANKS],
        TaskStatus.completed,
        {"repeat_trip": "no", "favour_asked": "no"},
    ),
    Case(
        "favour_asked_is_confirmed_then_filed",
        ["1112 让我请吃饭", "1"],
        [CONFIRM_FAVOUR, THANKS_FOLLOW_UP],
        TaskStatus.completed,
        {"attitude": "very_satisfied", "favour_asked": "yes"},
    ),
    Case(
        "favour_asked_then_chosen_again",
        ["1112", "2", "1"],
        [CONFIRM_FAVOUR, RECHOOSE_FAVOUR, THANKS],
        TaskStatus.completed,
        {"favour_asked": "no"},
    ),
    Case(
        "favour_asked_unconfirmed_is_unclear",
        ["1112", "这个要怎么说呢"],
        [CONFIRM_FAVOUR, THANKS_FOLLOW_UP],
        TaskStatus.completed,
        {"repeat_trip": "no", "favour_asked": None},
    ),
    Case(
        "in_between_is_asked_once_more",
        ["1 一般 1 1", "2"],
        [CHOOSE_EFFICIENCY, THANKS],
        TaskStatus.completed,
        {"attitude": "very_satisfied", "efficiency": "satisfied"},
    ),
    Case(
        "in_between_twice_is_unclear",
        ["1 一般 1 1", "一般"],
        [CHOOSE_EFFICIENCY, THANKS_FOLLOW_UP],
        TaskStatus.completed,
        {"efficiency": None},
    ),
    Case("td_opts_out", ["TD"], [OPTED_OUT], TaskStatus.closed, {"attitude": None}),
    Case("chinese_opt_out", ["退订 谢谢"], [OPTED_OUT], TaskStatus.closed, {"attitude": None}),
    Case("stop_opts_out", ["Stop"], [OPTED_OUT], TaskStatus.closed, {"attitude": None}),
    Case("empty_text_is_ignored", ["  \u200b "], [None], TaskStatus.sms_sent, {"attitude": None}),
]


@pytest.fixture
def voice_once(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """One unanswered call, then the SMS survey."""
    monkeypatch.setenv("HUIFANG_VOICE_ATTEMPTS", "1")
    clear_caches()
    yield
    monkeypatch.delenv("HUIFANG_VOICE_ATTEMPTS")
    clear_caches()


def _message(text: str, *, attempt_id: int | None, reply_to: str) -> str:
    query = f"attempt={attempt_id}&amp;" if attempt_id is not None else ""
    url = f"http://127.0.0.1:8000/twilio/sms/status?{query}reply_to={reply_to}"
    return f'{XML}<Response><Message action="{url}" method="POST">{text}</Message></Response>'


def _expected_twiml(text: str | None, *, attempt_id: int, reply_to: str) -> str:
    return (
        XML + "<Response />"
        if text is None
        else _message(text, attempt_id=attempt_id, reply_to=reply_to)
    )


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_conversation_golden(
    case: Case, client: TestClient, engine: Bind, voice_once: None
) -> None:
    task_id = unanswered_task(engine)
    attempt_id = sms_attempt(engine, task_id=task_id)
    for n, (body, answer) in enumerate(zip(case.replies, case.answers, strict=True)):
        sid = f"SM{n:032d}"
        response = post_signed(client, "/twilio/sms/inbound", form(body, sid=sid))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/xml")
        assert response.text == _expected_twiml(answer, attempt_id=attempt_id, reply_to=sid)
    with Session(engine) as session:
        task = session.get(CallbackTask, task_id)
        assert task is not None and task.status == case.task_status
        kept = {a.question: a.value for a in session.exec(select(SurveyAnswer))}
    for question, value in case.kept.items():
        assert kept.get(question) == value, question
    rows = messages(engine)
    inbound = [row for row in rows if row.direction == "inbound"]
    replies = [row for row in rows if row.direction == "outbound-reply"]
    assert [row.body for row in inbound] == case.replies
    assert all(row.phone == "+8613912345678" and row.task_id == task_id for row in inbound)
    assert [row.body for row in replies] == [a for a in case.answers if a is not None]
    assert all(row.message_sid is None and row.status == "queued" for row in replies)


def _cases(engine: Bind, task_id: int) -> list[str]:
    with Session(engine) as session:
        query = select(CallbackException).where(CallbackException.task_id == task_id)
        return sorted(case.reason for case in session.exec(query))


@pytest.mark.parametrize(
    ("replies", "reasons"),
    [
        (["1112", "1"], ["favour_asked"]),
        (["1112", "2", "1"], []),
        (["1112", "2", "2", "2"], ["unclear"]),  # chose again once; the second time is unclear
        (["1112", "好的"], ["unclear"]),
        (["1 一般 1 1", "一般"], ["unclear"]),
    ],
)
def test_only_a_confirmed_favour_asked_opens_a_favour_case(
    client: object, engine: Bind, voice_once: None, replies: list[str], reasons: list[str]
) -> None:
    task_id = unanswered_task(engine)
    sms_attempt(engine, task_id=task_id)
    for n, body in enumerate(replies):
        post_signed(client, "/twilio/sms/inbound", form(body, sid=f"SM{n:032d}"))
    assert _cases(engine, task_id) == reasons


def test_the_in_between_words_are_kept(client: object, engine: Bind, voice_once: None) -> None:
    task_id = unanswered_task(engine)
    sms_attempt(engine, task_id=task_id)
    post_signed(client, "/twilio/sms/inbound", form("还行 1 1 1", sid="SM" + "b" * 32))
    post_signed(client, "/twilio/sms/inbound", form("还可以吧", sid="SM" + "c" * 32))
    with Session(engine) as session:
        [attitude] = session.exec(select(SurveyAnswer).where(SurveyAnswer.question == "attitude"))
        notes = [
            e.note for e in session.exec(select(TaskEvent).where(TaskEvent.task_id == task_id))
        ]
    assert (attitude.value, attitude.raw) == (None, "还可以吧")
    assert "服务态度回复“还行”，请其重新选择" in notes


def test_a_confirmation_left_unanswered_is_unclear_at_the_deadline(
    client: object, engine: Bind, voice_once: None
) -> None:
    task_id = unanswered_task(engine)
    attempt_id = sms_attempt(engine, task_id=task_id)
    post_signed(client, "/twilio/sms/inbound", form("1112", sid="SM" + "e" * 32))
    with Session(engine) as session:
        attempt = session.get(CallAttempt, attempt_id)
        assert attempt is not None
        attempt.deadline_at = utcnow() - timedelta(minutes=1)
        session.add(attempt)
        session.commit()
        assert expire_sms_surveys(session) == 1
        session.commit()
        task = session.get(CallbackTask, task_id)
        assert task is not None and task.status == TaskStatus.completed
    assert _cases(engine, task_id) == ["unclear"]


def test_complete_reply_keeps_the_suggestion_in_the_persons_words(
    client: TestClient, engine: Bind, voice_once: None
) -> None:
    task_id = unanswered_task(engine)
    sms_attempt(engine, task_id=task_id)
    post_signed(
        client, "/twilio/sms/inbound", form("1，1，1，1。窗口的李老师很耐心", sid="SM" + "a" * 32)
    )
    with Session(engine) as session:
        task = session.get(CallbackTask, task_id)
        assert task is not None and task.suggestion == "窗口的李老师很耐心"
    [inbound, _] = messages(engine)
    assert (inbound.reply_kind, inbound.action) == ("complete", "thanks")


def test_the_same_message_sid_twice_changes_nothing_and_answers_the_same(
    client: TestClient, engine: Bind, voice_once: None
) -> None:
    task_id = unanswered_task(engine)
    attempt_id = sms_attempt(engine, task_id=task_id)
    sid = "SM" + "d" * 32
    first = post_signed(client, "/twilio/sms/inbound", form("11", sid=sid))
    before = [(m.id, m.body, m.status, m.action) for m in messages(engine)]
    second = post_signed(client, "/twilio/sms/inbound", form("11", sid=sid))
    assert second.status_code == 200
    # Twilio retried because it never got the first answer: it must get the same one.
    assert (
        second.text
        == first.text
        == _message(FOLLOW_UP_LAST_TWO, attempt_id=attempt_id, reply_to=sid)
    )
    assert [(m.id, m.body, m.status, m.action) for m in messages(engine)] == before
    with Session(engine) as session:
        attempt = session.get(CallAttempt, attempt_id)
        assert attempt is not None and attempt.follow_ups_sent == 1


def test_forged_signature_is_403_and_writes_nothing(
    client: TestClient, engine: Bind, voice_once: None
) -> None:
    task_id = unanswered_task(engine)
    sms_attempt(engine, task_id=task_id)
    body = form("1111", sid="SM" + "f" * 32)
    forged = signature("/twilio/sms/inbound", body, token="0" * 32)
    for headers in ({"X-Twilio-Signature": forged}, {}):
        response = client.post("/twilio/sms/inbound", data=body, headers=headers)
        assert response.status_code == 403
        assert "签名" in response.json()["detail"]
    tampered = post_signed_with_other_body(client, body)
    assert tampered.status_code == 403
    status = status_form("SM" + "1" * 32, "delivered")
    forged_status = signature("/twilio/sms/status?attempt=2", status, token="0" * 32)
    response = client.post(
        "/twilio/sms/status?attempt=2", data=status, headers={"X-Twilio-Signature": forged_status}
    )
    assert response.status_code == 403
    assert messages(engine) == []
    with Session(engine) as session:
        assert session.exec(select(SurveyAnswer)).first() is None
        task = session.get(CallbackTask, task_id)
        assert task is not None and task.status == TaskStatus.sms_sent


def post_signed_with_other_body(client: TestClient, body: dict[str, str]) -> Any:
    """A valid signature for one body sent with another (a replayed, edited request)."""
    headers = {"X-Twilio-Signature": signature("/twilio/sms/inbound", body)}
    edited = body | {"Body": "3333"}
    return client.post("/twilio/sms/inbound", data=edited, headers=headers)


def test_a_text_without_a_survey_gets_the_closed_note_once_a_day(
    client: TestClient, engine: Bind
) -> None:
    answers = [
        post_signed(client, "/twilio/sms/inbound", form("1122", sid=f"SM{n:032d}")).text
        for n in range(2)
    ]
    assert answers == [
        _message(CLOSED, attempt_id=None, reply_to=f"SM{0:032d}"),
        XML + "<Response />",
    ]
    assert [(m.direction, m.purpose) for m in messages(engine)] == [
        ("inbound", None),
        ("outbound-reply", "no_survey"),
        ("inbound", None),
    ]


def test_opt_out_without_a_survey_is_still_confirmed(client: TestClient, engine: Bind) -> None:
    response = post_signed(client, "/twilio/sms/inbound", form("退订", sid="SM" + "e" * 32))
    assert response.text == _message(OPTED_OUT, attempt_id=None, reply_to="SM" + "e" * 32)


def test_a_sender_that_is_not_a_phone_number_is_kept_but_not_answered(
    client: TestClient, engine: Bind
) -> None:
    response = post_signed(
        client, "/twilio/sms/inbound", form("1122", sid="SM" + "b" * 32, phone="CMBANK")
    )
    assert response.text == XML + "<Response />"
    [row] = messages(engine)
    assert (row.phone, row.action) == ("CMBANK", "ignored")


def test_missing_message_sid_is_422_with_a_reason(client: TestClient, engine: Bind) -> None:
    body = form("1122", sid="SM" + "c" * 32)
    del body["MessageSid"]
    response = post_signed(client, "/twilio/sms/inbound", body)
    assert response.status_code == 422 and "MessageSid" in response.json()["detail"]
    assert messages(engine) == []


def test_delivery_reports_out_of_order_never_move_a_message_back(
    client: TestClient, engine: Bind, voice_once: None
) -> None:
    task_id = unanswered_task(engine)
    sid = "SM" + "0" * 31 + "1"
    attempt_id = sms_attempt(engine, task_id=task_id, sid=sid)
    path = f"/twilio/sms/status?attempt={attempt_id}"
    for status in ("delivered", "sent", "delivered", "queued"):
        assert post_signed(client, path, status_form(sid, status)).status_code == 204
    [row] = messages(engine)
    assert (row.direction, row.purpose, row.status, row.attempt_id) == (
        "outbound-api",
        "invitation",
        "delivered",
        attempt_id,
    )
    with Session(engine) as session:
        events = session.exec(select(SmsStatusEvent.status).order_by(col(SmsStatusEvent.id))).all()
        attempt = session.get(CallAttempt, attempt_id)
    assert events == ["delivered", "sent", "queued"]  # each report kept once
    assert attempt is not None and attempt.status == "delivered"


def test_undelivered_invitation_reaches_callbacks_with_its_error_code(
    client: TestClient, engine: Bind, voice_once: None
) -> None:
    task_id = unanswered_task(engine)
    sid = "SM" + "0" * 31 + "1"
    attempt_id = sms_attempt(engine, task_id=task_id, sid=sid)
    path = f"/twilio/sms/status?attempt={attempt_id}"
    post_signed(client, path, status_form(sid, "sent"))
    post_signed(client, path, status_form(sid, "undelivered", error_code=30003))
    post_signed(client, path, status_form(sid, "delivered"))  # a late contradiction: ignored
    [row] = messages(engine)
    assert (row.status, row.error_code) == ("undelivered", 30003)
    with Session(engine) as session:
        attempt = session.get(CallAttempt, attempt_id)
        task = session.get(CallbackTask, task_id)
    assert attempt is not None and (attempt.status, attempt.error_code) == ("undelivered", "30003")
    assert task is not None and task.status == TaskStatus.exception


def test_status_of_a_reply_names_it_by_its_sid(
    client: TestClient, engine: Bind, voice_once: None
) -> None:
    task_id = unanswered_task(engine)
    attempt_id = sms_attempt(engine, task_id=task_id)
    inbound_sid, reply_sid = "SM" + "1" * 32, "SM" + "2" * 32
    post_signed(client, "/twilio/sms/inbound", form("11", sid=inbound_sid))
    path = f"/twilio/sms/status?attempt={attempt_id}&reply_to={inbound_sid}"
    for status in ("sent", "delivered", "sent"):
        assert post_signed(client, path, status_form(reply_sid, status)).status_code == 204
    [_, reply] = messages(engine)
    assert (reply.message_sid, reply.status, reply.purpose) == (reply_sid, "delivered", "follow_up")
    with Session(engine) as session:
        attempt = session.get(CallAttempt, attempt_id)
    assert attempt is not None and attempt.status != "delivered"  # a reply is not the invitation


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [("?attempt=999", "delivered", 404), ("?attempt=1", "exploded", 422)],
)
def test_bad_status_reports_are_refused_and_write_nothing(
    query: str, status: str, code: int, client: TestClient, engine: Bind
) -> None:
    response = post_signed(
        client, f"/twilio/sms/status{query}", status_form("SM" + "9" * 32, status)
    )
    assert response.status_code == code
    assert response.json()["detail"]
    assert messages(engine) == []


def test_a_status_report_that_outruns_the_sender_is_kept_and_completed_later(
    client: TestClient, engine: Bind, voice_once: None
) -> None:
    task_id = unanswered_task(engine)
    sid = "SM" + "7" * 32
    attempt_id = sms_attempt(engine, task_id=task_id, sid=sid)
    path = f"/twilio/sms/status?attempt={attempt_id}"
    assert post_signed(client, path, status_form(sid, "sent")).status_code == 204
    with Session(engine) as session:
        # What send_survey_sms records once the API call returns (later than the callback).
        record_sent(
            session,
            message_sid=sid,
            phone="+8613912345678",
            body="【住房公积金】您好！",
            status="queued",
            attempt_id=attempt_id,
            task_id=task_id,
        )
        session.commit()
    [row] = messages(engine)
    assert (row.status, row.body, row.purpose, row.task_id) == (
        "sent",
        "【住房公积金】您好！",
        "invitation",
        task_id,
    )
