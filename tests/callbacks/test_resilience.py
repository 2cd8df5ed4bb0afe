"""Never lost, never doubled: a worker killed with SIGKILL, and Redis flushed, mid-run."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from redis import Redis
from sqlmodel import Session, col, func, select

from callbacks.models import CallAttempt, CallbackTask, SurveyAnswer, TaskEvent, TaskStatus
from scoring.models import CallbackRating
from tests.callbacks.factories import business
from tests.conftest import Bind, Stack

# Worker subprocesses and the `stack` servers share the database: committed data.
pytestmark = pytest.mark.committed

TASKS = 40
LEASE_SECONDS = "10"  # jobs time out after half of it, so a live job is never doubled


def _phones() -> list[str]:
    return [f"+86138000{n:05d}" for n in range(TASKS)]


def _seed(stack: Stack, engine: Bind) -> None:
    for phone in _phones():
        stack.emulator(
            "PUT",
            f"/_emulator/people/{phone}",
            json={"answer": "human", "inputs": ["1", "1", "2", "1", "1"]},
        )
    with Session(engine) as session:
        for phone in _phones():
            business(session, at=datetime.now(UTC), phone=phone)
        session.commit()


def _worker() -> subprocess.Popen[bytes]:
    env = {**os.environ, "HUIFANG_ATTEMPT_LEASE_SECONDS": LEASE_SECONDS}
    return subprocess.Popen(
        [sys.executable, "-m", "huifang", "worker", "--tick-seconds", "0.5"],
        env=env,
        start_new_session=True,  # its own process group: SIGKILL reaches the work-horse too
    )


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _count(engine: Bind, query: object) -> int:
    with Session(engine) as session:
        return int(session.exec(query).one())  # type: ignore[call-overload]


def _wait(engine: Bind, done: Callable[[], bool], what: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done():
            return
        time.sleep(0.05)
    with Session(engine) as session:
        states = session.exec(
            select(CallbackTask.status, func.count()).group_by(col(CallbackTask.status))
        )
        raise AssertionError(f"{what} not reached: {list(states)}")


def _attempts_begun(engine: Bind) -> int:
    return _count(engine, select(func.count()).select_from(CallAttempt))


def _completed(engine: Bind) -> int:
    query = select(func.count()).where(CallbackTask.status == TaskStatus.completed)
    return _count(engine, query)


def _assert_each_task_completed_exactly_once(engine: Bind) -> None:
    with Session(engine) as session:
        tasks = session.exec(select(CallbackTask)).all()
        assert len(tasks) == TASKS
        assert {t.status for t in tasks} == {TaskStatus.completed}
        completions = session.exec(
            select(TaskEvent.task_id, func.count())
            .where(TaskEvent.to_status == TaskStatus.completed)
            .group_by(col(TaskEvent.task_id))
        ).all()
        assert sorted(n for _, n in completions) == [1] * TASKS
        ratings = session.exec(
            select(CallbackRating.task_id, func.count()).group_by(col(CallbackRating.task_id))
        ).all()
        assert sorted(n for _, n in ratings) == [1] * TASKS
        answers = session.exec(select(func.count()).select_from(SurveyAnswer)).one()
        assert answers == 4 * TASKS


def test_a_worker_killed_mid_run_loses_and_doubles_nothing(
    stack: Stack, engine: Bind, workers: list[subprocess.Popen[bytes]]
) -> None:
    _seed(stack, engine)
    first = _worker()
    workers.append(first)
    _wait(engine, lambda: _attempts_begun(engine) >= 3, "first calls")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    assert _completed(engine) < TASKS, "the kill came too late to test anything"

    workers.append(_worker())
    _wait(engine, lambda: _completed(engine) == TASKS, "every task completed")
    stack.wait_idle()
    _assert_each_task_completed_exactly_once(engine)


def test_redis_flushed_mid_run_loses_and_doubles_nothing(
    stack: Stack, engine: Bind, redis: Redis, workers: list[subprocess.Popen[bytes]]
) -> None:
    _seed(stack, engine)
    workers.append(_worker())
    _wait(engine, lambda: _attempts_begun(engine) >= 3, "first calls")
    redis.flushdb()
    assert _completed(engine) < TASKS, "the flush came too late to test anything"

    _wait(engine, lambda: _completed(engine) == TASKS, "every task completed")
    stack.wait_idle()
    _assert_each_task_completed_exactly_once(engine)
