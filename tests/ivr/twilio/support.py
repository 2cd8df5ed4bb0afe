"""Helpers of the Twilio-as-it-really-is tests: the emulated account, tasks, their attempts."""

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlmodel import Session, col, select

from callbacks import channel
from callbacks.models import CallAttempt, CallbackTask, ChannelPause, DoNotCall, SurveyAnswer
from huifang.settings import clear_caches
from ivr.config import get_ivr_settings
from ivr.twilio.channel import TwilioChannel
from tests.conftest import Bind, Stack
from tests.ivr.voice.support import a_task


def use_settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> TwilioChannel:
    """Set HUIFANG_ variables, then wire a fresh Twilio channel as the worker does."""
    for name, value in env.items():
        monkeypatch.setenv(f"HUIFANG_{name.upper()}", value)
    clear_caches()
    wired = TwilioChannel(get_ivr_settings())
    channel.configure(wired)
    return wired


def set_account(stack: Stack, **state: Any) -> None:
    """How the emulated Twilio account behaves from now on."""
    stack.emulator("PUT", "/_emulator/account", json=state)


def account_stats(stack: Stack) -> dict[str, Any]:
    found = stack.emulator("GET", "/_emulator/account")
    assert isinstance(found, dict)
    stats = found["stats"]
    assert isinstance(stats, dict)
    return stats


def new_task(engine: Bind, *, phone: str) -> int:
    """A committed callback task, due now; its id."""
    with Session(engine) as session:
        task = a_task(session, phone=phone)
        session.commit()
        return task.id or 0


def task_of(engine: Bind, task_id: int) -> CallbackTask:
    with Session(engine) as session:
        task = session.get(CallbackTask, task_id)
        assert task is not None
        return task


def attempts(engine: Bind, task_id: int) -> list[CallAttempt]:
    with Session(engine) as session:
        query = select(CallAttempt).where(CallAttempt.task_id == task_id)
        return list(session.exec(query.order_by(col(CallAttempt.attempt_no))))


def pauses(engine: Bind) -> list[ChannelPause]:
    with Session(engine) as session:
        return list(session.exec(select(ChannelPause).order_by(col(ChannelPause.id))))


def do_not_call(engine: Bind) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(DoNotCall.phone)))


def calls_to(stack: Stack, phone: str) -> list[dict[str, Any]]:
    """The calls the emulated account holds to a number (its REST list)."""
    settings = get_ivr_settings()
    response = httpx.get(
        f"{stack.emulator_url}/2010-04-01/Accounts/{settings.twilio_account_sid}/Calls.json",
        params={"To": phone},
        auth=(settings.twilio_account_sid, settings.twilio_auth_token),
        timeout=10,
    )
    response.raise_for_status()
    calls = response.json()["calls"]
    assert isinstance(calls, list)
    return calls


def place(stack: Stack, engine: Bind, phone: str, script: dict[str, Any]) -> int:
    """Script the person, open their task and run its first attempt as the worker; task id."""
    from callbacks.jobs import run_attempt

    stack.emulator("PUT", f"/_emulator/people/{phone}", json=script)
    task_id = new_task(engine, phone=phone)
    assert run_attempt(task_id, 1) is not None
    return task_id


def settled(stack: Stack, engine: Bind, task_id: int, done: Callable[[CallbackTask], bool]) -> None:
    """Wait for the emulator to finish and the task to reach the expected state."""
    stack.wait_idle()
    deadline = time.monotonic() + 30
    task = None
    while time.monotonic() < deadline:
        task = task_of(engine, task_id)
        if done(task):
            return
        time.sleep(0.05)
    raise AssertionError(f"task {task_id} did not settle: {task}")


def answers(engine: Bind, task_id: int) -> dict[str, str | None]:
    with Session(engine) as session:
        rows = session.exec(select(SurveyAnswer).where(SurveyAnswer.task_id == task_id))
        return {row.question: row.value for row in rows}


def transcript(stack: Stack, call_sid: str | None) -> list[dict[str, Any]]:
    """What the emulator logged of a call: says, gathers, webhooks, callbacks."""
    found = stack.emulator("GET", f"/_emulator/calls/{call_sid}/transcript")
    assert isinstance(found, dict)
    return list(found["steps"])
