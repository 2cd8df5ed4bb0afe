"""On real parts: three unanswered calls, then the SMS survey, answered by text."""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from callbacks.models import CallAttempt, CallbackException, CallbackTask, SurveyAnswer, TaskStatus
from huifang.settings import clear_caches
from tests.callbacks.factories import business
from tests.conftest import Bind, Stack

# A worker subprocess and the `stack` servers share the database: committed data.
pytestmark = pytest.mark.committed


def _run_until(engine: Bind, task_id: int, statuses: set[str], env: dict[str, str]) -> CallbackTask:
    worker = subprocess.Popen(
        [sys.executable, "-m", "huifang", "worker", "--tick-seconds", "0.3"],
        env={**os.environ, **env},
        start_new_session=True,
    )
    task: CallbackTask | None = None
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with Session(engine) as session:
                task = session.get(CallbackTask, task_id)
                assert task is not None
                if task.status in statuses:
                    return task
            time.sleep(0.1)
        raise AssertionError(f"task stuck in {task.status if task else None}")
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=20)


def _seed(stack: Stack, engine: Bind, phone: str, script: dict[str, object]) -> int:
    # The app (here) plans the retries and the worker places them: both without waiting.
    # The stack fixture restores the environment afterwards.
    os.environ.update(NO_WAIT)
    clear_caches()
    stack.emulator("PUT", f"/_emulator/people/{phone}", json=script)
    with Session(engine) as session:
        (task,) = business(session, at=datetime.now(UTC), phone=phone)
        session.commit()
        return task.id or 0


NO_WAIT = {"HUIFANG_RETRY_DELAYS_MINUTES": "0"}


def test_three_missed_calls_then_an_sms_answer_completes_the_survey(
    stack: Stack, engine: Bind
) -> None:
    phone = "+8613800001111"
    task_id = _seed(stack, engine, phone, {"answer": "no-answer", "sms_replies": ["1111"]})
    task = _run_until(engine, task_id, {TaskStatus.completed, TaskStatus.exception}, NO_WAIT)
    assert task.status == TaskStatus.completed
    with Session(engine) as session:
        attempts = session.exec(
            select(CallAttempt.channel, CallAttempt.status).order_by(CallAttempt.attempt_no)  # type: ignore[arg-type]
        ).all()
        sources = set(session.exec(select(SurveyAnswer.source)).all())
    assert [c for c, _ in attempts] == ["voice", "voice", "voice", "sms"]
    assert [s for c, s in attempts if c == "voice"] == ["no-answer"] * 3
    assert sources == {"sms"}


def test_an_undelivered_survey_text_goes_to_an_operator(stack: Stack, engine: Bind) -> None:
    phone = "+8613800002222"
    task_id = _seed(stack, engine, phone, {"answer": "busy", "sms_delivery": "undelivered"})
    task = _run_until(engine, task_id, {TaskStatus.completed, TaskStatus.exception}, NO_WAIT)
    assert task.status == TaskStatus.exception
    with Session(engine) as session:
        reasons = session.exec(select(CallbackException.reason)).all()
    assert reasons in (["unreachable"], ["invalid_number"])
