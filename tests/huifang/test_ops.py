"""What operations staff watch: /healthz, /readyz, /metrics, request ids, JSON logs, the worker."""

import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from rq import Queue
from sqlmodel import Session, func, select

from callbacks.models import CallbackTask
from huifang.ops import readiness
from huifang.settings import clear_caches
from ivr.asr.decoder import load_model
from kernel.logs import JsonFormatter, log_filters, request_context
from kernel.queue import TracedQueue, TracedWorker
from tests.callbacks.factories import business, start
from tests.conftest import Bind
from tests.huifang.jobs import echo_request_id, slow_echo
from tests.ivr.sms.support import inbound_form, post_signed


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Settings a test changes are forgotten after it (before its environment is restored)."""
    yield
    clear_caches()


def _scrape(client: TestClient) -> dict[str, float]:
    """Every sample of a /metrics scrape, by name and labels."""
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    samples = {}
    for line in response.text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


def test_healthz_answers_without_signing_in(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_is_ready_when_database_schema_redis_and_speech_are(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUIFANG_ASR", "off")
    clear_caches()
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {"database": "ok", "schema": "ok", "redis": "ok"}


def test_readyz_waits_for_the_speech_model_when_speech_is_on(client: TestClient) -> None:
    clear_caches()
    load_model()  # what the app's warm-up does in the background
    checks = client.get("/readyz").json()["checks"]
    assert checks["speech"] == "ok"


def test_readyz_names_what_is_not_ready(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HUIFANG_REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("HUIFANG_ASR", "off")
    clear_caches()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("Redis 不可用")
    monkeypatch.setenv("HUIFANG_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    clear_caches()
    assert readiness(redis=None)["schema"] == "数据库未迁移到最新版本：运行 huifang db upgrade"


def test_metrics_agree_with_the_database(client: TestClient, engine: Bind) -> None:
    with Session(engine) as session:
        tasks = [
            business(session, at=datetime(2026, 11, 3, 2, tzinfo=UTC), phone=f"+861381234{n:04d}")
            for n in range(3)
        ]
        start(session, tasks[0][0])
        session.commit()
        by_status = dict(
            session.exec(
                select(CallbackTask.status, func.count()).group_by(CallbackTask.status)
            ).all()
        )
    samples = _scrape(client)
    for status, count in by_status.items():
        assert samples[f'huifang_callback_tasks{{kind="survey",status="{status}"}}'] == count
    assert samples['huifang_callback_attempts{channel="voice",error_code="",outcome="queued"}'] == 1
    assert samples["huifang_outbox_pending"] == 0
    assert "huifang_queue_depth" in samples and "huifang_sla_breaches" not in samples


def test_webhook_latency_is_measured_by_route(client: TestClient) -> None:
    post_signed(client, "/twilio/sms/inbound", inbound_form("1111", sid="SM" + "5" * 32))
    samples = _scrape(client)
    counts = [
        value
        for name, value in samples.items()
        if name.startswith("huifang_webhook_seconds_count")
        and 'route="/twilio/sms/inbound"' in name
    ]
    assert counts and sum(counts) >= 1


def test_metrics_need_the_token_when_one_is_set(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUIFANG_METRICS_TOKEN", "s3cret-scrape")
    assert client.get("/metrics").status_code == 401
    scraped = client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape"})
    assert scraped.status_code == 200 and "huifang_callback_tasks" in scraped.text


def test_each_response_carries_its_request_id(client: TestClient) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "lb-1234.abcd"})
    assert given.headers["x-request-id"] == "lb-1234.abcd"
    made = client.get("/healthz").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{16}", made)
    hostile = client.get("/healthz", headers={"X-Request-ID": "a b<script>"})
    assert re.fullmatch(r"[0-9a-f]{16}", hostile.headers["x-request-id"])


def test_a_job_runs_under_the_request_id_that_queued_it(redis: Redis) -> None:
    queue = TracedQueue("ops-test", connection=redis)
    with request_context("req-42"):
        traced = queue.enqueue(echo_request_id)
    untraced = queue.enqueue(echo_request_id)
    assert traced.meta["request_id"] == "req-42"
    TracedWorker([queue], connection=redis).work(burst=True)
    assert traced.return_value() == "req-42"
    assert untraced.return_value() == f"job:{untraced.id}"


def _logged(message: str, *args: object, exc: bool = False) -> dict[str, object]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    for log_filter in log_filters():
        handler.addFilter(log_filter)
    logger = logging.getLogger("huifang.test-ops")
    logger.handlers[:] = [handler]
    logger.propagate = False
    with request_context("req-7"):
        if exc:
            try:
                raise ValueError("phone +8613912345678 refused")
            except ValueError:
                logger.exception(message, *args)
        else:
            logger.warning(message, *args, extra={"attempt_id": 9})
    return dict(json.loads(stream.getvalue()))


def test_a_log_line_is_json_with_the_request_id_and_no_whole_numbers() -> None:
    entry = _logged("calling %s for %s", "+8613912345678", "110101199003071234")
    assert entry["msg"] == "calling 139****5678 for 110101********1234"
    assert entry["request_id"] == "req-7" and entry["attempt_id"] == 9
    assert entry["level"] == "warning" and str(entry["ts"]).endswith("+00:00")
    failed = _logged("failed", exc=True)
    assert "139****5678" in str(failed["exc"]) and "13912345678" not in str(failed["exc"])


def _huifang(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "huifang", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.committed
def test_worker_check_reports_for_a_supervisor() -> None:
    ok = _huifang("worker", "--check", env={"HUIFANG_ASR": "off"})  # checks need no Twilio
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "database: 正常" in ok.stdout and "redis: 正常" in ok.stdout
    down = _huifang(
        "worker", "--check", env={"HUIFANG_ASR": "off", "HUIFANG_REDIS_URL": "redis://127.0.0.1:1"}
    )
    assert down.returncode == 1 and "Redis 不可用" in down.stdout


@pytest.mark.committed
def test_a_worker_told_to_stop_finishes_its_job_first(redis_url: str) -> None:
    env = {
        **os.environ,
        "HUIFANG_ASR": "off",
        "HUIFANG_LOG_FORMAT": "json",
        "HUIFANG_TWILIO_API_BASE_URL": "http://127.0.0.1:9",  # never called: not real Twilio
    }
    queue = Queue("callbacks", connection=Redis.from_url(redis_url))
    job = queue.enqueue(slow_echo, 3.0)
    worker = subprocess.Popen(
        [sys.executable, "-m", "huifang", "worker", "--tick-seconds", "60"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while job.get_status(refresh=True) != "started" and time.monotonic() < deadline:
            time.sleep(0.1)
        if job.get_status() != "started":
            worker.kill()
            pytest.fail(f"the job never started: {worker.communicate()}")
        worker.send_signal(signal.SIGTERM)  # a deploy: warm shutdown
        _, stderr = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert job.get_status(refresh=True) == "finished" and job.return_value() == "slept 3.0"
    assert worker.returncode == 0
    lines = [line for line in stderr.splitlines() if line.startswith("{")]
    assert lines and all(json.loads(line)["level"] for line in lines)


def test_every_metric_the_dashboard_and_alerts_use_is_exported(
    client: TestClient, engine: Bind
) -> None:
    post_signed(client, "/twilio/sms/inbound", inbound_form("1111", sid="SM" + "6" * 32))
    with Session(engine) as session:
        business(session, at=datetime(2026, 11, 3, 2, tzinfo=UTC))
        session.commit()
    text = client.get("/metrics").text
    exported = set(re.findall(r"^# TYPE (huifang_[a-z_]+) ", text, flags=re.M))
    docs = Path(__file__).resolve().parents[2] / "docs"
    used: set[str] = set()
    for name in ("grafana-dashboard.json", "prometheus-alerts.yml", "operations.md"):
        found = re.findall(r"\bhuifang_[a-z_]+", (docs / name).read_text())
        used |= {re.sub(r"_(bucket|count|sum)$", "", metric) for metric in found}
    assert used and used <= exported, used - exported
