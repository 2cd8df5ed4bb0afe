"""Point 1 and 2 of issue 15: Twilio's refusals, each as the emulated account answers them.

Opted out (21610) is do-not-text, never an invalid number; an account or configuration error
pauses the channel, names the setting and leaves the person's attempts alone; 20429 is retried
later without counting; 21211 is a bad number.
"""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from callbacks.jobs import run_attempt
from callbacks.models import AttemptStatus, CallbackException, TaskStatus
from callbacks.pause import resume_channel
from callbacks.service import counted_voice_attempts, next_channel
from huifang.settings import clear_caches
from kernel.clock import as_utc, utcnow
from tests.conftest import Bind, Stack
from tests.ivr.sms.support import unanswered_task
from tests.ivr.twilio.support import (
    attempts,
    calls_to,
    do_not_call,
    new_task,
    pauses,
    set_account,
    task_of,
    use_settings,
)


@pytest.fixture
def twilio(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """The stack, its channel wired in this process, one voice attempt before the SMS."""
    use_settings(monkeypatch, voice_attempts="1")
    yield stack
    clear_caches()


def _cases(engine: Bind, task_id: int) -> list[str]:
    with Session(engine) as session:
        query = select(CallbackException.reason).where(CallbackException.task_id == task_id)
        return list(session.exec(query))


def test_a_person_who_texted_stop_goes_on_do_not_text_and_is_never_retried(
    twilio: Stack, engine: Bind
) -> None:
    phone = "+8613800000101"
    set_account(twilio, opted_out=[phone])
    task_id = unanswered_task(engine, phone=phone)
    assert run_attempt(task_id, 2) is None
    task = task_of(engine, task_id)
    assert (task.status, task.close_reason) == (TaskStatus.closed, "opted_out")
    assert phone in do_not_call(engine)
    assert "invalid_number" not in _cases(engine, task_id)
    assert attempts(engine, task_id)[-1].error_code == "21610"


@pytest.mark.parametrize(
    ("account", "code", "setting"),
    [
        ({"owned_numbers": ["+12025550188"]}, "21210", "HUIFANG_TWILIO_FROM_NUMBER"),
        ({"voice_countries": ["US"]}, "21215", "Geo Permissions"),
    ],
)
def test_an_account_error_pauses_calls_names_the_setting_and_uses_no_attempt(
    twilio: Stack, engine: Bind, account: dict[str, object], code: str, setting: str
) -> None:
    set_account(twilio, **account)
    task_id = new_task(engine, phone="+8613800000102")
    assert run_attempt(task_id, 1) is None
    [attempt] = attempts(engine, task_id)
    assert (attempt.status, attempt.error_code) == (AttemptStatus.not_placed, code)
    [pause] = pauses(engine)
    assert pause.channel == "voice" and setting in pause.setting and pause.resumed_at is None
    task = task_of(engine, task_id)
    assert task.status == TaskStatus.scheduled
    assert task.due_at is not None and as_utc(task.due_at) >= as_utc(pause.resume_at)
    with Session(engine) as session:
        assert counted_voice_attempts(session, task_id=task_id) == []

    # Another task while paused: held back, nothing sent to Twilio.
    other = new_task(engine, phone="+8613800000103")
    assert run_attempt(other, 1) is None
    assert attempts(engine, other) == [] and calls_to(twilio, "+8613800000103") == []

    # The operator fixes the account and resumes: the held task is called, as its attempt 1.
    set_account(twilio)
    with Session(engine) as session:
        assert resume_channel(session, channel="voice", actor="admin") is not None
        session.commit()
    assert run_attempt(other, 1) is not None
    assert len(calls_to(twilio, "+8613800000103")) == 1


@pytest.mark.parametrize(
    ("account", "code"),
    [({"owned_numbers": ["+12025550188"]}, "21606"), ({"sms_countries": ["US"]}, "21408")],
)
def test_an_account_error_on_sms_pauses_texts_not_calls(
    twilio: Stack, engine: Bind, account: dict[str, object], code: str
) -> None:
    set_account(twilio, **account)
    task_id = unanswered_task(engine, phone="+8613800000104")
    assert run_attempt(task_id, 2) is None
    assert attempts(engine, task_id)[-1].error_code == code
    [pause] = pauses(engine)
    assert pause.channel == "sms"
    task = task_of(engine, task_id)
    assert task.status == TaskStatus.scheduled and _cases(engine, task_id) == []
    # The SMS survey is still owed: the not-placed text does not count as sent.
    with Session(engine) as session:
        assert next_channel(session, task_id=task_id) == "sms"


def test_too_many_requests_backs_off_without_counting_an_attempt(
    twilio: Stack, engine: Bind
) -> None:
    set_account(twilio, rate_limit_burst=1)
    task_id = new_task(engine, phone="+8613800000105")
    before = utcnow()
    assert run_attempt(task_id, 1) is None
    [attempt] = attempts(engine, task_id)
    assert (attempt.status, attempt.error_code) == (AttemptStatus.not_placed, "20429")
    task = task_of(engine, task_id)
    assert task.status == TaskStatus.scheduled and task.due_at is not None
    assert as_utc(task.due_at) >= before + timedelta(seconds=30)
    assert pauses(engine) == []
    with Session(engine) as session:
        assert counted_voice_attempts(session, task_id=task_id) == []
    # Due again: the next attempt is placed (the burst is over).
    with Session(engine) as session:
        row = session.get(type(task), task_id)
        assert row is not None
        row.due_at = utcnow()
        session.add(row)
        session.commit()
    assert run_attempt(task_id, 2) is not None


def test_an_invalid_number_goes_to_an_operator_as_a_bad_number(twilio: Stack, engine: Bind) -> None:
    task_id = new_task(engine, phone="+86123")
    assert run_attempt(task_id, 1) is None
    assert attempts(engine, task_id)[0].error_code == "21211"
    assert _cases(engine, task_id) == ["invalid_number"]
    assert pauses(engine) == []
