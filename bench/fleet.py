"""Production's shape on this machine, for the benchmarks: `huifang serve --workers K`, RQ
workers, `huifang emulator`, a scratch PostgreSQL database and a leased Redis index.

Every process is started as production starts it (the CLI, separate processes), the way
tests/huifang/test_scale_out.py starts its fleet; the benchmark process only writes the ledger's
outbox events, scripts the emulator's people and reads the results.
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from bench import scratch
from callbacks.models import CallbackTask, TaskEvent, TaskStatus
from core_ledger.org.models import Outlet
from core_ledger.outbox.service import emit
from huifang import migrate
from huifang.settings import clear_caches
from kernel.db import make_engine

REPO_ROOT = Path(__file__).resolve().parents[1]
INPUTS = ["1", "1", "2", "1", "1"]  # 本人; 非常满意, 满意; 没有跑回头路; 没有索拿卡要


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, timeout: float = 120) -> None:
    """Wait until a URL answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} never answered; see the logs")


@dataclass
class Fleet:
    """The running processes and where they listen."""

    env: dict[str, str]
    logs: Path
    server_url: str
    emulator_url: str
    engine: Engine
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, *args: str, module: str = "huifang") -> None:
        """Start `python -m module args…` with the fleet's environment, logging to a file."""
        log = (self.logs / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            env=self.env,
            cwd=REPO_ROOT,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )

    def wait(self, name: str, timeout: float = 600) -> None:
        """Wait for a process that ends by itself (a burst worker)."""
        self.processes[name].wait(timeout=timeout)

    def stop(self, *names: str) -> None:
        """SIGTERM the named processes (all if none named) and wait for them."""
        chosen = names or tuple(self.processes)
        for name in chosen:
            process = self.processes[name]
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for name in chosen:
            process = self.processes.pop(name)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def people(self, phones: list[str]) -> None:
        """Each phone answers, a person, and presses the survey's keys."""
        with httpx.Client(base_url=self.emulator_url, timeout=30) as client:
            for phone in phones:
                script = {"answer": "human", "inputs": INPUTS}
                client.put(f"/_emulator/people/{phone}", json=script).raise_for_status()

    def business(self, phones: list[str]) -> None:
        """Withdrawals in the ledger's outbox, not yet relayed: the workers take it from there."""
        with Session(self.engine) as session:
            outlet = Outlet(code=f"WD{len(phones) % 100:02d}", name="基准测试网点")
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

    def completed(self) -> int:
        """Callback tasks completed so far."""
        with Session(self.engine) as session:
            query = select(func.count()).where(CallbackTask.status == TaskStatus.completed)
            return int(session.exec(query).one())

    def completion_times(self) -> list[datetime]:
        """When each task completed, in order."""
        with Session(self.engine) as session:
            query = select(TaskEvent.at).where(TaskEvent.to_status == TaskStatus.completed)
            return sorted(session.exec(query.order_by(col(TaskEvent.at))).all())

    def wait_completed(self, target: int, *, stall: float = 60) -> int:
        """Wait until `target` callbacks are completed, or none completed for `stall` seconds
        (then say where the others stand); return how many completed."""
        done, progressed = 0, time.monotonic()
        while time.monotonic() - progressed < stall:
            now = self.completed()
            if now >= target:
                return now
            if now > done:
                done, progressed = now, time.monotonic()
            time.sleep(0.25)
        with Session(self.engine) as session:
            states = session.exec(
                select(CallbackTask.status, func.count()).group_by(col(CallbackTask.status))
            ).all()
        print(f"WARNING: {done} of {target} callbacks completed; stalled {stall:.0f} s: {states}")
        return done


@contextmanager
def fleet(*, web_workers: int, emulator_speed: float) -> Iterator[Fleet]:
    """Scratch services, the server (K processes) and the emulator, started; no RQ workers."""
    with ExitStack() as stack:
        database_url = stack.enter_context(scratch.database())
        redis_url = stack.enter_context(scratch.redis_index())
        var_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="huifang-bench-")))
        server_url = f"http://127.0.0.1:{free_port()}"
        emulator_url = f"http://127.0.0.1:{free_port()}"
        settings = {
            "HUIFANG_DATABASE_URL": database_url,
            "HUIFANG_REDIS_URL": redis_url,
            "HUIFANG_VAR_DIR": str(var_dir),
            "HUIFANG_PUBLIC_URL": server_url,
            "HUIFANG_TWILIO_API_BASE_URL": emulator_url,
            "HUIFANG_EMULATOR_PUBLIC_URL": emulator_url,
            "HUIFANG_EMULATOR_SMS_URL": server_url + "/twilio/sms/inbound",
            "HUIFANG_EMULATOR_SPEED": str(emulator_speed),
            "HUIFANG_CALLING_DAYS": "all",
            "HUIFANG_CALLING_WINDOWS": "00:00-24:00",
            "HUIFANG_CALLBACK_DELAY_MINUTES": "0",
            "HUIFANG_ASR": "off",  # keypad answers: speech has its own bench (asr.py)
            "HUIFANG_LOG_FORMAT": "json",
            "HUIFANG_LOG_LEVEL": "WARNING",
        }
        saved = dict(os.environ)

        def restore() -> None:  # a test (the soak drill) runs this in pytest's own process
            os.environ.clear()
            os.environ.update(saved)
            clear_caches()

        stack.callback(restore)
        os.environ.update(settings)  # this process seals the outbox payloads with the same key
        clear_caches()
        migrate.upgrade(database_url)
        engine = make_engine(database_url)
        stack.callback(engine.dispose)
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        # Kept after the run (var/ is not committed): what to read when a figure looks wrong.
        logs = REPO_ROOT / "var" / "bench-logs" / datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        logs.mkdir(parents=True)
        running = Fleet(env, logs, server_url, emulator_url, engine)
        stack.callback(running.stop)
        port = server_url.rsplit(":", 1)[1]
        running.start("emulator", "emulator", "--port", emulator_url.rsplit(":", 1)[1])
        running.start("web", "serve", "--port", port, "--workers", str(web_workers))
        wait_http(server_url + "/readyz")
        wait_http(emulator_url + "/_emulator/health")
        print(f"fleet up: serve --workers {web_workers}, emulator (speed {emulator_speed})")
        yield running
