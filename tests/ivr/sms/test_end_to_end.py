"""The SMS survey end to end: our app and the Twilio emulator really listening, people scripted."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from callbacks.channel import ChannelError
from callbacks.jobs import run_attempt
from callbacks.models import (
    CallAttempt,
    CallbackException,
    CallbackTask,
    SurveyAnswer,
    TaskStatus,
)
from callbacks.service import begin_attempt
from huifang.settings import clear_caches
from ivr.config import get_ivr_settings
from ivr.twilio.channel import TwilioChannel
from tests.conftest import Bind, Stack
from tests.ivr.sms.support import (
    CLARIFY_ALL,
    CONFIRM_FAVOUR,
    FOLLOW_UP_LAST_TWO,
    OPTED_OUT,
    PHONE,
    THANKS,
    THANKS_FOLLOW_UP,
    messages,
    signature,
    status_form,
    unanswered_task,
)

# The `stack` is requested inside `sms_stack`, after collection marks tests using it.
pytestmark = pytest.mark.committed

INVITATION = (
    "【住房公积金】您好！您11月3日在城东网点办理了公积金提取，请您评价：①服务态度（1非常满意 "
    "2满意 3不满意）②办事效率（1非常满意 2满意 3不满意）③有没有跑回头路（1没有 2有）④工作人员"
    "有没有索要财物（1没有 2有）。请直接回复4位数字，如1111。回复TD退订"
)


@pytest.fixture
def sms_stack(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """The stack, with one unanswered call before the SMS survey, inviting by digits only.

    The settings are read when the stack starts, so they are set before it is requested.
    (The web survey link has its own tests: tests/ivr/web.)
    """
    monkeypatch.setenv("HUIFANG_VOICE_ATTEMPTS", "1")
    monkeypatch.setenv("HUIFANG_SMS_SURVEY_MODE", "digits")
    clear_caches()
    stack: Stack = request.getfixturevalue("stack")
    yield stack
    monkeypatch.delenv("HUIFANG_VOICE_ATTEMPTS")
    monkeypatch.delenv("HUIFANG_SMS_SURVEY_MODE")
    clear_caches()


def _survey_by_sms(stack: Stack, engine: Bind, script: dict[str, Any]) -> int:
    """Script the person, send the SMS survey through the worker's job, wait for the talk."""
    stack.emulator("PUT", f"/_emulator/people/{PHONE}", json=script)
    task_id = unanswered_task(engine)
    assert run_attempt(task_id, 2) is not None
    stack.wait_idle()
    return task_id


def _inbox(stack: Stack) -> list[str]:
    inbox = stack.emulator("GET", f"/_emulator/people/{PHONE}/inbox")
    assert isinstance(inbox, list)
    return [str(message["body"]) for message in inbox]


def _emulator_messages(stack: Stack) -> list[dict[str, Any]]:
    found = stack.emulator("GET", "/_emulator/messages")
    assert isinstance(found, list)
    return found


def _task(engine: Bind, task_id: int) -> CallbackTask:
    with Session(engine) as session:
        task = session.get(CallbackTask, task_id)
        assert task is not None
        return task


def _every_webhook_accepted(stack: Stack) -> None:
    """Every request the emulator signed was accepted by our RequestValidator check."""
    for message in _emulator_messages(stack):
        for event in message["events"]:
            assert "error" not in event, event
            if "http_status" in event:
                assert event["http_status"] in (200, 204), (message["body"], event)


def test_sms_survey_complete(sms_stack: Stack, engine: Bind) -> None:
    task_id = _survey_by_sms(
        sms_stack, engine, {"answer": "no-answer", "sms_replies": ["1111 服务很好"]}
    )
    assert _inbox(sms_stack) == [INVITATION, THANKS]
    task = _task(engine, task_id)
    assert task.status == TaskStatus.completed and task.suggestion == "服务很好"
    rows = messages(engine)
    assert [(m.direction, m.purpose, m.status) for m in rows] == [
        ("outbound-api", "invitation", "delivered"),
        ("inbound", None, "received"),
        ("outbound-reply", "thanks", "delivered"),
    ]
    assert all(m.message_sid and m.message_sid.startswith("SM") for m in rows)
    assert rows[1].body == "1111 服务很好" and rows[1].reply_kind == "complete"
    _every_webhook_accepted(sms_stack)


def test_sms_partial_reply_gets_one_follow_up_then_completes(
    sms_stack: Stack, engine: Bind
) -> None:
    task_id = _survey_by_sms(
        sms_stack, engine, {"answer": "no-answer", "sms_replies": ["11", "11"]}
    )
    assert _inbox(sms_stack) == [INVITATION, FOLLOW_UP_LAST_TWO, THANKS]
    assert _task(engine, task_id).status == TaskStatus.completed
    with Session(engine) as session:
        answers = {a.question: (a.value, a.source) for a in session.exec(select(SurveyAnswer))}
    assert answers == {
        "attitude": ("very_satisfied", "sms"),
        "efficiency": ("very_satisfied", "sms"),
        "repeat_trip": ("no", "sms"),
        "favour_asked": ("no", "sms"),
    }
    _every_webhook_accepted(sms_stack)


def test_sms_favour_asked_is_confirmed_by_text_before_it_is_filed(
    sms_stack: Stack, engine: Bind
) -> None:
    task_id = _survey_by_sms(
        sms_stack, engine, {"answer": "no-answer", "sms_replies": ["1112", "1"]}
    )
    assert _inbox(sms_stack) == [INVITATION, CONFIRM_FAVOUR, THANKS_FOLLOW_UP]
    assert _task(engine, task_id).status == TaskStatus.completed
    with Session(engine) as session:
        [case] = session.exec(select(CallbackException)).all()
    assert case.reason == "favour_asked"
    _every_webhook_accepted(sms_stack)


def test_sms_nonsense_gets_one_clarification_then_an_operator(
    sms_stack: Stack, engine: Bind
) -> None:
    task_id = _survey_by_sms(
        sms_stack, engine, {"answer": "no-answer", "sms_replies": ["好的", "你们是谁？"]}
    )
    assert _inbox(sms_stack) == [INVITATION, CLARIFY_ALL, THANKS_FOLLOW_UP]
    assert _task(engine, task_id).status == TaskStatus.exception
    assert [m.action for m in messages(engine) if m.direction == "inbound"] == [
        "clarify",
        "thanks_follow_up",
    ]


def test_sms_td_opts_out_and_is_confirmed(sms_stack: Stack, engine: Bind) -> None:
    task_id = _survey_by_sms(sms_stack, engine, {"answer": "no-answer", "sms_replies": ["TD"]})
    assert _inbox(sms_stack) == [INVITATION, OPTED_OUT]
    task = _task(engine, task_id)
    assert task.status == TaskStatus.closed and task.close_reason == "opted_out"


def test_undelivered_invitation_goes_to_an_operator(sms_stack: Stack, engine: Bind) -> None:
    task_id = _survey_by_sms(
        sms_stack, engine, {"answer": "no-answer", "sms_delivery": "undelivered"}
    )
    assert _inbox(sms_stack) == []
    [invitation] = messages(engine)
    assert (invitation.status, invitation.error_code) == ("undelivered", 30003)
    assert _task(engine, task_id).status == TaskStatus.exception


def test_a_retried_inbound_webhook_changes_nothing(sms_stack: Stack, engine: Bind) -> None:
    task_id = _survey_by_sms(sms_stack, engine, {"answer": "no-answer", "sms_replies": ["11"]})
    [inbound] = [m for m in _emulator_messages(sms_stack) if m["direction"] == "inbound"]
    first_answer = inbound["events"][0]["answer"]
    before = [(m.id, m.status, m.action, m.body) for m in messages(engine)]
    form = _replayed_inbound(inbound)
    # Twilio retries with the same parameters and signature.
    response = httpx.post(
        sms_stack.app_url + "/twilio/sms/inbound",
        data=form,
        headers={"X-Twilio-Signature": signature("/twilio/sms/inbound", form)},
    )
    assert response.status_code == 200 and response.text == first_answer
    assert [(m.id, m.status, m.action, m.body) for m in messages(engine)] == before
    with Session(engine) as session:
        attempt = session.exec(select(CallAttempt).where(CallAttempt.channel == "sms")).one()
    assert attempt.follow_ups_sent == 1
    assert _task(engine, task_id).status == TaskStatus.sms_sent


def _replayed_inbound(message: dict[str, Any]) -> dict[str, str]:
    sid = str(message["sid"])
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "SmsMessageSid": sid,
        "AccountSid": str(message["account_sid"]),
        "From": str(message["from"]),
        "To": str(message["to"]),
        "Body": str(message["body"]),
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
    }


def test_delivery_reports_arriving_out_of_order(sms_stack: Stack, engine: Bind) -> None:
    _survey_by_sms(sms_stack, engine, {"answer": "no-answer"})
    [invitation] = messages(engine)
    assert invitation.status == "delivered" and invitation.message_sid is not None
    path = f"/twilio/sms/status?attempt={invitation.attempt_id}"
    for status in ("sent", "queued"):  # late reports, after delivered
        form = status_form(invitation.message_sid, status)
        response = httpx.post(
            sms_stack.app_url + path,
            data=form,
            headers={"X-Twilio-Signature": signature(path, form)},
        )
        assert response.status_code == 204
    [after] = messages(engine)
    assert after.status == "delivered"
    with Session(engine) as session:
        attempt = session.get(CallAttempt, invitation.attempt_id)
    assert attempt is not None and attempt.status == "delivered"


def test_forged_inbound_is_refused_and_writes_nothing(sms_stack: Stack, engine: Bind) -> None:
    form = {"MessageSid": "SM" + "f" * 32, "From": PHONE, "To": "+8657112329", "Body": "1111"}
    forged = signature("/twilio/sms/inbound", form, token="f" * 32)
    response = httpx.post(
        sms_stack.app_url + "/twilio/sms/inbound", data=form, headers={"X-Twilio-Signature": forged}
    )
    assert response.status_code == 403
    assert messages(engine) == []


def test_an_invalid_number_is_a_permanent_channel_error(sms_stack: Stack, engine: Bind) -> None:
    task_id = unanswered_task(engine, phone="+86123456")
    with Session(engine, expire_on_commit=False) as session:
        attempt = begin_attempt(session, task_id=task_id, attempt_no=2)
        assert attempt is not None
        session.commit()
    with pytest.raises(ChannelError) as refused:
        TwilioChannel(get_ivr_settings()).send_survey_sms(
            attempt_id=attempt.id or 0, to="+86123456"
        )
    assert refused.value.code == 21211 and refused.value.permanent
    assert messages(engine) == []


def test_the_same_inbound_webhook_at_once_is_processed_once(sms_stack: Stack, engine: Bind) -> None:
    task_id = unanswered_task(engine)
    assert run_attempt(task_id, 2) is not None
    sms_stack.wait_idle()
    form = _replayed_inbound(
        {
            "sid": "SM" + "c" * 32,
            "account_sid": get_ivr_settings().twilio_account_sid,
            "from": PHONE,
            "to": "+8657112329",
            "body": "11",
        }
    )
    headers = {"X-Twilio-Signature": signature("/twilio/sms/inbound", form)}

    def post(_: int) -> httpx.Response:
        return httpx.post(sms_stack.app_url + "/twilio/sms/inbound", data=form, headers=headers)

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(post, range(6)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.text for a in answers}) == 1 and FOLLOW_UP_LAST_TWO in answers[0].text
    rows = messages(engine)
    assert [m.direction for m in rows] == ["outbound-api", "inbound", "outbound-reply"]
    with Session(engine) as session:
        attempt = session.exec(select(CallAttempt).where(CallAttempt.channel == "sms")).one()
    assert attempt.follow_ups_sent == 1


def test_a_lost_jobs_survey_text_is_adopted_not_sent_again(sms_stack: Stack, engine: Bind) -> None:
    sms_stack.emulator("PUT", f"/_emulator/people/{PHONE}", json={"answer": "no-answer"})
    task_id = unanswered_task(engine)
    with Session(engine, expire_on_commit=False) as session:
        attempt = begin_attempt(session, task_id=task_id, attempt_no=2)
        assert attempt is not None and attempt.channel == "sms"
        session.commit()
    # The first job's text went out through Twilio; the job died before writing it down.
    settings = get_ivr_settings()
    sent = TwilioChannel(settings).client.messages.create(
        to=PHONE, from_=settings.twilio_from_number, body=INVITATION
    )
    sms_stack.wait_idle()
    assert run_attempt(task_id, 2) == sent.sid  # the retried job finds it and keeps it
    sms_stack.wait_idle()
    assert _inbox(sms_stack) == [INVITATION]  # one text, not two
    [row] = messages(engine)
    assert (row.message_sid, row.attempt_id, row.body) == (sent.sid, attempt.id, INVITATION)
    with Session(engine) as session:
        stored = session.get(CallAttempt, attempt.id)
        assert stored is not None and stored.provider_sid == sent.sid
    assert _task(engine, task_id).status == TaskStatus.sms_sent
