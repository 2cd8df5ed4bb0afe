"""Points 2, 3 and 4 of issue 15: calls paced to the account's rate and never past their
window, no duplicate calls (timeouts, lost jobs adopted, overdue calls cancelled), and lost
status callbacks replaced by the call Twilio still holds."""

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlmodel import Session, select

from callbacks.channel import ChannelError, Failure, get_channel
from callbacks.jobs import run_attempt
from callbacks.models import AttemptStatus, CallAttempt, TaskStatus
from callbacks.overdue import settle_overdue_calls
from callbacks.pacing import take_call_token
from callbacks.service import attempt_placed, begin_attempt
from huifang.settings import clear_caches
from ivr.config import IvrSettings
from ivr.twilio.channel import TwilioChannel
from kernel.clock import as_utc, local, utcnow
from tests.conftest import Bind, Stack
from tests.ivr.twilio.support import (
    account_stats,
    answers,
    attempts,
    calls_to,
    new_task,
    place,
    set_account,
    settled,
    task_of,
    use_settings,
)
from tests.ivr.voice.support import set_speech


@pytest.fixture
def twilio(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    set_speech(monkeypatch, "off")
    use_settings(monkeypatch, calls_per_second="50")
    yield stack
    clear_caches()


def _run_together(task_ids: list[int]) -> None:
    threads = [threading.Thread(target=run_attempt, args=(t, 1)) for t in task_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


@pytest.mark.parametrize(("ours", "queued"), [("2.5", False), ("50", True)])
def test_calls_are_paced_to_the_accounts_rate_across_workers(
    twilio: Stack, engine: Bind, monkeypatch: pytest.MonkeyPatch, ours: str, queued: bool
) -> None:
    # Twilio takes 5 calls a second here and queues the rest; we pace at HUIFANG_CALLS_PER_SECOND.
    set_account(twilio, calls_per_second=5)
    use_settings(monkeypatch, calls_per_second=ours)
    tasks = [new_task(engine, phone=f"+86138000003{n:02d}") for n in range(8)]
    _run_together(tasks)
    assert all([a.provider_sid is not None for a in attempts(engine, t)] == [True] for t in tasks)
    assert (account_stats(twilio)["calls_queued_over_rate"] > 0) is queued
    twilio.wait_idle()


def test_a_call_that_cannot_start_before_its_window_closes_is_not_placed(
    twilio: Stack, engine: Bind, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_settings(
        monkeypatch, calls_per_second="0.02", calling_windows="09:00-12:00", calling_days="all"
    )
    task_id = new_task(engine, phone="+8613800000401")
    take_call_token(rate=0.02)  # another worker's call took the token: the next is 50 s away
    closing = datetime(2026, 12, 3, 3, 59, 30, tzinfo=UTC)  # 11:59:30 in Shanghai
    with time_machine.travel(closing, tick=False):
        assert run_attempt(task_id, 1) is None
    task = task_of(engine, task_id)
    [attempt] = attempts(engine, task_id)
    assert (attempt.status, attempt.error_code) == (AttemptStatus.not_placed, "window")
    assert task.status == TaskStatus.scheduled  # its attempts are untouched: nothing rang
    assert task.due_at is not None and local(task.due_at).hour == 9  # the next window
    assert calls_to(twilio, "+8613800000401") == []


def test_a_request_that_times_out_leaves_the_attempt_to_be_adopted_not_doubled() -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        host, port = silent.getsockname()
        settings = IvrSettings(
            twilio_api_base_url=f"http://{host}:{port}", twilio_timeout_seconds=0.5
        )
        started = time.monotonic()
        with pytest.raises(ChannelError) as refused:
            TwilioChannel(settings).place_call(attempt_id=1, to="+8613800000402")
    assert refused.value.failure == Failure.unknown
    assert time.monotonic() - started < 5


def test_a_lost_jobs_call_is_adopted_not_placed_again(twilio: Stack, engine: Bind) -> None:
    phone, other = "+8613800000403", "+8613800000404"
    twilio.emulator("PUT", f"/_emulator/people/{phone}", json={"answer": "busy"})
    twilio.emulator("PUT", f"/_emulator/people/{other}", json={"answer": "busy"})
    lost, fresh = new_task(engine, phone=phone), new_task(engine, phone=other)
    with Session(engine) as session:
        for task_id in (lost, fresh):
            assert begin_attempt(session, task_id=task_id, attempt_no=1) is not None
        session.commit()
    # The first job created its call, then died before it could write the call's sid down.
    [attempt] = attempts(engine, lost)
    created = get_channel().place_call(attempt_id=attempt.id or 0, to=phone)
    assert run_attempt(lost, 1) == created
    assert [c["sid"] for c in calls_to(twilio, phone)] == [created]
    # No call was made for the other one: it is placed now, once.
    assert run_attempt(fresh, 1) is not None
    assert len(calls_to(twilio, other)) == 1
    twilio.wait_idle()


def _age(engine: Bind, task_id: int, *, hours: float) -> None:
    with Session(engine) as session:
        for attempt in session.exec(select(CallAttempt).where(CallAttempt.task_id == task_id)):
            attempt.started_at = utcnow() - timedelta(hours=hours)
            session.add(attempt)
        session.commit()


def test_a_call_that_outlived_its_lease_is_cancelled_before_a_retry(
    twilio: Stack, engine: Bind
) -> None:
    set_account(twilio, calls_per_second=0.05)  # the second call waits 20 s in Twilio's queue
    first = place(twilio, engine, "+8613800000405", {"answer": "busy"})
    stuck = place(twilio, engine, "+8613800000406", {"inputs": ["1"]})
    [call] = calls_to(twilio, "+8613800000406")
    assert call["status"] == "queued"
    _age(engine, stuck, hours=2)
    assert settle_overdue_calls(get_channel()) == 1
    assert calls_to(twilio, "+8613800000406")[0]["status"] == "canceled"
    [attempt] = attempts(engine, stuck)
    assert attempt.status == AttemptStatus.canceled
    task = task_of(engine, stuck)
    assert task.status == TaskStatus.scheduled and task.due_at is not None
    assert as_utc(task.due_at) > utcnow()
    settled(twilio, engine, first, lambda t: t.status == TaskStatus.scheduled)


def test_a_lost_status_callback_is_replaced_by_the_call_twilio_holds(
    twilio: Stack, engine: Bind
) -> None:
    set_account(twilio, chaos={"lose_rate": 1.0})  # no status callback ever arrives
    # Two answers, then the person hangs up: a partial, not another call.
    script = {"inputs": ["1", "1", "2"], "hangup_after": 3}
    task_id = place(twilio, engine, "+8613800000407", script)
    twilio.wait_idle()
    assert task_of(engine, task_id).status == TaskStatus.calling
    assert settle_overdue_calls(get_channel()) == 0  # not overdue yet: left alone
    _age(engine, task_id, hours=0.5)
    assert settle_overdue_calls(get_channel()) == 1
    [attempt] = attempts(engine, task_id)
    assert attempt.status == AttemptStatus.completed
    [call] = calls_to(twilio, "+8613800000407")
    assert attempt.duration_s == int(call["duration"]) > 0  # Twilio's own record of the call
    assert answers(engine, task_id) == {"attitude": "very_satisfied", "efficiency": "satisfied"}
    task = task_of(engine, task_id)
    assert task.status == TaskStatus.exception  # partial: for an operator
    assert settle_overdue_calls(get_channel()) == 0  # settled once


def test_a_call_the_provider_does_not_know_is_given_up_after_its_timeout_and_retried(
    twilio: Stack, engine: Bind
) -> None:
    task_id = new_task(engine, phone="+8613800000408")
    with Session(engine) as session:
        attempt = begin_attempt(session, task_id=task_id, attempt_no=1)
        assert attempt is not None
        # A call id Twilio has no record of: every fetch of it fails.
        attempt_placed(session, attempt_id=attempt.id or 0, provider_sid="CA" + "0" * 32)
        session.commit()
    _age(engine, task_id, hours=0.5)
    assert settle_overdue_calls(get_channel()) == 0  # overdue but not yet timed out: asked again
    _age(engine, task_id, hours=2)
    assert settle_overdue_calls(get_channel()) == 1
    [attempt] = attempts(engine, task_id)
    assert (attempt.status, attempt.error_code) == (AttemptStatus.failed, "timeout")
    task = task_of(engine, task_id)
    assert (task.status, task.attempts_made) == (TaskStatus.scheduled, 1)
