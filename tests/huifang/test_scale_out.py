"""The scale-out drill: production's shape on one machine, and a web process and a worker killed.

Three `huifang serve` processes behind a load balancer, four `huifang worker` processes,
PostgreSQL, Redis, and `huifang emulator` playing Twilio, all separate processes. Callbacks start
as ledger events in the outbox (nothing relayed in-process) and end as stored answers. Mid-run a
web process and a worker are killed with SIGKILL and started again. Then: every callback completed
exactly once, each person was called once, no answer lost or counted twice, and /metrics (through
the load balancer, from whichever web process answers) agrees with the database.

The load balancer is a small HTTP proxy here, configured as docs/operations.md asks of nginx:
round robin, and a request whose backend fails before answering (connection refused or reset) is
sent to the next one — `proxy_next_upstream error timeout non_idempotent`, safe because every
webhook is idempotent.

`make test` runs HUIFANG_DRILL_CALLBACKS=40 (default); the full drill is 1000.
"""

import itertools
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlmodel import Session, col, func, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from callbacks.models import CallAttempt, CallbackTask, SurveyAnswer, TaskEvent, TaskStatus
from core_ledger.org.models import Outlet
from core_ledger.outbox.service import emit
from ivr.config import IvrSettings
from ivr.twilio.client import make_client
from scoring.models import CallbackRating
from tests.conftest import LIVE_CALLING, Bind, free_port, serve_in_thread

pytestmark = pytest.mark.committed

CALLBACKS = int(os.environ.get("HUIFANG_DRILL_CALLBACKS", "40"))
WEB, WORKERS = 3, 4
INPUTS = ["1", "1", "2", "1", "1"]  # 本人; 非常满意, 满意; 没有跑回头路; 没有索拿卡要
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


def proxy_app(backends: list[str]) -> Starlette:
    """Round robin; a backend that fails before answering gets the request sent to the next."""
    turn = itertools.count()
    client = httpx.AsyncClient(
        timeout=httpx.Timeout(60.0), limits=httpx.Limits(max_connections=400)
    )

    async def forward(request: Request) -> Response:
        body = await request.body()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
        start = next(turn)
        last: Exception | None = None
        for step in range(len(backends)):
            backend = backends[(start + step) % len(backends)]
            url = (
                backend + request.url.path + (f"?{request.url.query}" if request.url.query else "")
            )
            try:
                answer = await client.request(request.method, url, content=body, headers=headers)
            except httpx.TransportError as error:  # refused, reset, timed out: try the next
                last = error
                continue
            kept = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_HEADERS}
            return Response(answer.content, status_code=answer.status_code, headers=kept)
        return Response(f"no backend answered: {last!r}", status_code=502)

    return Starlette(routes=[Route("/{path:path}", forward, methods=["GET", "POST", "PUT"])])


class Fleet:
    """The processes of the drill, each restartable."""

    def __init__(self, env: dict[str, str], logs: str) -> None:
        self.env, self.logs = env, logs
        self.processes: dict[str, tuple[list[str], subprocess.Popen[bytes]]] = {}

    def start(self, name: str, *args: str) -> None:
        command = [sys.executable, "-m", "huifang", *args]
        log = open(os.path.join(self.logs, f"{name}.log"), "ab")  # noqa: SIM115 - kept by the child
        process = subprocess.Popen(
            command, env=self.env, stdout=log, stderr=log, start_new_session=True
        )
        self.processes[name] = (command, process)

    def kill(self, name: str) -> None:
        _, process = self.processes[name]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def restart(self, name: str) -> None:
        command, _ = self.processes[name]
        self.start(name, *command[3:])

    def stop_all(self) -> None:
        for _, process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _, process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} never answered")


@pytest.fixture
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Fleet, str, str]]:
    """The whole production shape, started; yields (fleet, load balancer URL, emulator URL)."""
    logs = str(tmp_path_factory.mktemp("drill-logs"))
    web_ports = [free_port() for _ in range(WEB)]
    emulator_port = free_port()
    lb_port = free_port()
    lb_url, emulator_url = f"http://127.0.0.1:{lb_port}", f"http://127.0.0.1:{emulator_port}"
    env = {
        **os.environ,
        **LIVE_CALLING,
        "HUIFANG_PUBLIC_URL": lb_url,
        "HUIFANG_TWILIO_API_BASE_URL": emulator_url,
        "HUIFANG_EMULATOR_PUBLIC_URL": emulator_url,
        "HUIFANG_EMULATOR_SMS_URL": lb_url + "/twilio/sms/inbound",
        "HUIFANG_ASR": "off",  # keypad answers: the drill is about processes, not speech
        "HUIFANG_ATTEMPT_LEASE_SECONDS": "20",
        "HUIFANG_LOG_FORMAT": "json",
    }
    balancer = serve_in_thread(
        proxy_app([f"http://127.0.0.1:{port}" for port in web_ports]), port=lb_port
    )
    fleet = Fleet(env, logs)
    try:
        fleet.start("emulator", "emulator", "--port", str(emulator_port))
        for n, port in enumerate(web_ports):
            fleet.start(f"web{n}", "serve", "--port", str(port))
        for port in web_ports:
            _wait_http(f"http://127.0.0.1:{port}/readyz")
        _wait_http(emulator_url + "/_emulator/health")
        yield fleet, lb_url, emulator_url
    finally:
        fleet.stop_all()
        balancer.stop()


def _people(emulator_url: str) -> list[str]:
    phones = [f"+86137{n:08d}" for n in range(CALLBACKS)]
    with httpx.Client(base_url=emulator_url, timeout=30) as client:
        for phone in phones:
            script = {"answer": "human", "inputs": INPUTS}
            client.put(f"/_emulator/people/{phone}", json=script).raise_for_status()
    return phones


def _business(engine: Bind, phones: list[str]) -> None:
    """Withdrawals in the ledger's outbox, not yet relayed: the workers take it from there."""
    with Session(engine) as session:
        outlet = Outlet(code="WD99", name="演练网点")
        session.add(outlet)
        session.flush()
        for n, phone in enumerate(phones, 1):
            payload: dict[str, object] = {
                "business_kind": "withdrawal",
                "business_id": n,
                "occurred_at": datetime.now(UTC).isoformat(),
                "outlet_id": outlet.id,
                "outlet_name": outlet.name,
                "teller_id": None,
                "person": {"name": "李明", "phone": phone},
            }
            emit(session, kind="withdrawal.completed", aggregate_id=n, payload=payload)
        session.commit()


def _completed(engine: Bind) -> int:
    with Session(engine) as session:
        query = select(func.count()).where(CallbackTask.status == TaskStatus.completed)
        return int(session.exec(query).one())


def _wait_for(engine: Bind, target: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _completed(engine) >= target:
            return
        time.sleep(0.25)
    with Session(engine) as session:
        states = session.exec(
            select(CallbackTask.status, func.count()).group_by(col(CallbackTask.status))
        ).all()
    raise AssertionError(f"{target} completed not reached in {timeout:.0f} s: {states}")


def _scrape(lb_url: str) -> dict[str, float]:
    text = httpx.get(lb_url + "/metrics", timeout=30).text
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


def test_scale_out_drill(fleet: tuple[Fleet, str, str], engine: Bind) -> None:
    processes, lb_url, emulator_url = fleet
    phones = _people(emulator_url)
    _business(engine, phones)
    started = time.monotonic()
    for n in range(WORKERS):
        processes.start(f"worker{n}", "worker", "--tick-seconds", "0.5")
    _wait_for(engine, max(3, CALLBACKS // 5), timeout=120 + CALLBACKS)
    processes.kill("web0")  # mid-run: webhooks in flight to it fail over at the balancer
    processes.kill("worker0")  # its running job is lost; the reconciler re-queues it
    time.sleep(1.0)
    processes.restart("web0")
    processes.restart("worker0")
    _wait_for(engine, CALLBACKS, timeout=180 + 2 * CALLBACKS)
    elapsed = time.monotonic() - started

    with Session(engine) as session:
        tasks = session.exec(select(CallbackTask)).all()
        assert len(tasks) == CALLBACKS and {t.status for t in tasks} == {TaskStatus.completed}
        completions = Counter(
            session.exec(
                select(TaskEvent.task_id).where(TaskEvent.to_status == TaskStatus.completed)
            ).all()
        )
        assert set(completions.values()) == {1}, "a task completed twice"
        ratings = Counter(session.exec(select(CallbackRating.task_id)).all())
        assert len(ratings) == CALLBACKS and set(ratings.values()) == {1}
        answers = session.exec(select(SurveyAnswer.question, SurveyAnswer.value)).all()
        assert Counter(answers) == {
            ("attitude", "very_satisfied"): CALLBACKS,
            ("efficiency", "satisfied"): CALLBACKS,
            ("repeat_trip", "no"): CALLBACKS,
            ("favour_asked", "no"): CALLBACKS,
        }
        attempts = int(session.exec(select(func.count()).select_from(CallAttempt)).one())

    # Each person was called once: no job ran twice, none placed a second call.
    settings = IvrSettings(twilio_api_base_url=emulator_url)
    calls = make_client(settings).calls.list(page_size=1000)
    per_person = Counter(str(call.to) for call in calls)
    assert set(per_person) == set(phones) and set(per_person.values()) == {1}, per_person

    # The metrics, from whichever web process answers, agree with the database.
    samples = _scrape(lb_url)
    assert samples['huifang_callback_tasks{kind="survey",status="completed"}'] == CALLBACKS
    attempt_samples = [v for k, v in samples.items() if k.startswith("huifang_callback_attempts")]
    assert sum(attempt_samples) == attempts
    assert samples["huifang_outbox_pending"] == 0
    print(f"\ndrill: {CALLBACKS} callbacks, {WEB} web + {WORKERS} workers, {elapsed:.1f} s")
