"""What operations staff watch: /healthz, /readyz, /metrics (Prometheus), and the worker check.

- `/healthz`: the process answers (no database, no Redis): for a supervisor's liveness probe.
- `/readyz`: the database is reachable and migrated to this code's schema, Redis answers, and
  the speech model is loaded when speech is on: for a load balancer's readiness probe. 503 with
  the failing checks named until then. Both are unauthenticated and cheap (the migration check
  is cached for a minute once it passes).
- `/metrics`: Prometheus text. Webhook latency is measured in this process (several uvicorn
  worker processes share it through PROMETHEUS_MULTIPROC_DIR, prometheus-client's multi-process
  mode); everything about callbacks is read from the database and Redis at scrape time, so every
  web process reports the same truth and the figures agree with the database by construction.
  With HUIFANG_METRICS_TOKEN set, a scrape must send `Authorization: Bearer <token>`.
"""

import hmac
import os
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import case, func, text
from sqlmodel import Session, col, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from callbacks.models import CallAttempt, CallbackException, CallbackTask, ExceptionStatus
from core_ledger.outbox.models import OutboxEvent
from huifang.migrate import pending
from ivr.asr.decoder import model_loaded
from ivr.voice.models import TranscriptStatus, VoiceRecording
from ivr.voice.retention import retention_counts
from ivr.voice.spoken import speech_enabled
from kernel.clock import as_utc, utcnow
from kernel.config import get_kernel_settings
from kernel.db import get_engine, open_session
from kernel.queue import get_queue, get_redis

router = APIRouter(include_in_schema=False)

WEBHOOK_SECONDS = Histogram(
    "huifang_webhook_seconds",
    "Time to answer a Twilio webhook (or a web survey page), by route",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15),
)
TIMED_PREFIXES = ("/twilio/", "/s/")
MIGRATED_CACHE_SECONDS = 60.0


# When each database URL was last seen migrated (the check reads Alembic's version table).
_migrated_at: dict[str, float] = {}


def readiness(*, redis: Redis | None = None) -> dict[str, str]:
    """Each check's state: "ok", or what is wrong (in words an operator can act on)."""
    checks: dict[str, str] = {}
    url = get_kernel_settings().effective_database_url()
    try:
        with get_engine(url).connect() as connection:
            connection.execute(text("select 1"))
        checks["database"] = "ok"
    except Exception as error:  # any driver error: the database is not usable
        checks["database"] = f"数据库不可用：{type(error).__name__}"
    if checks["database"] == "ok":
        if time.monotonic() - _migrated_at.get(url, -1e9) < MIGRATED_CACHE_SECONDS:
            checks["schema"] = "ok"
        else:
            missing = pending(url)
            checks["schema"] = (
                "ok" if not missing else "数据库未迁移到最新版本：运行 huifang db upgrade"
            )
            if not missing:
                _migrated_at[url] = time.monotonic()
    try:
        (redis or get_redis()).ping()
        checks["redis"] = "ok"
    except (RedisError, OSError) as error:
        checks["redis"] = f"Redis 不可用：{type(error).__name__}"
    if speech_enabled():
        checks["speech"] = "ok" if model_loaded() else "语音模型尚未加载"
    return checks


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz() -> JSONResponse:
    """Ready to take traffic: 200, or 503 naming what is not ready."""
    checks = readiness()
    ready = all(state == "ok" for state in checks.values())
    body = {"status": "ready" if ready else "not ready", "checks": checks}
    return JSONResponse(body, status_code=200 if ready else 503)


class DatabaseCollector(Collector):
    """Callback figures read from the database and Redis at scrape time."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with open_session(get_engine()) as session:
            yield from _task_states(session)
            yield from _attempts(session)
            yield from _cases(session)
            yield from _backlogs(session)
            yield from _retention(session)
        yield from _queue()


def _task_states(session: Session) -> Iterable[GaugeMetricFamily]:
    tasks = GaugeMetricFamily(
        "huifang_callback_tasks", "Callback tasks by state and kind", labels=["status", "kind"]
    )
    query = select(CallbackTask.status, CallbackTask.kind, func.count()).group_by(
        col(CallbackTask.status), col(CallbackTask.kind)
    )
    for status, kind, count in session.exec(query):
        tasks.add_metric([str(status), str(kind)], count)
    yield tasks


def _attempts(session: Session) -> Iterable[GaugeMetricFamily]:
    attempts = GaugeMetricFamily(
        "huifang_callback_attempts",
        "Attempts by channel, outcome and provider error code",
        labels=["channel", "outcome", "error_code"],
    )
    query = select(
        CallAttempt.channel, CallAttempt.status, CallAttempt.error_code, func.count()
    ).group_by(col(CallAttempt.channel), col(CallAttempt.status), col(CallAttempt.error_code))
    for channel, status, code, count in session.exec(query):
        attempts.add_metric([channel, status, code or ""], count)
    yield attempts


def _cases(session: Session) -> Iterable[GaugeMetricFamily]:
    open_states = [s for s in ExceptionStatus if s != ExceptionStatus.closed]
    cases = GaugeMetricFamily(
        "huifang_exception_cases_open", "Operators' open cases by reason", labels=["reason"]
    )
    breaches = GaugeMetricFamily(
        "huifang_sla_breaches", "Open cases past their SLA, by reason", labels=["reason"]
    )
    now = utcnow()
    query = (
        select(
            CallbackException.reason,
            func.count(),
            func.sum(case((col(CallbackException.sla_due_at) < now, 1), else_=0)),
        )
        .where(col(CallbackException.status).in_(open_states))
        .group_by(col(CallbackException.reason))
    )
    for reason, count, breached in session.exec(query):
        cases.add_metric([reason], count)
        breaches.add_metric([reason], int(breached or 0))
    yield cases
    yield breaches


def _backlogs(session: Session) -> Iterable[GaugeMetricFamily]:
    backlog = session.exec(
        select(func.count()).where(VoiceRecording.status == TranscriptStatus.pending)
    ).one()
    yield GaugeMetricFamily(
        "huifang_transcription_backlog", "Recordings waiting for their transcript", value=backlog
    )
    waiting, oldest = session.exec(
        select(func.count(), func.min(OutboxEvent.created_at)).where(
            col(OutboxEvent.published_at).is_(None)
        )
    ).one()
    yield GaugeMetricFamily(
        "huifang_outbox_pending", "Ledger events not yet relayed into callbacks", value=waiting
    )
    lag = (utcnow() - as_utc(oldest)).total_seconds() if oldest is not None else 0.0
    yield GaugeMetricFamily(
        "huifang_outbox_lag_seconds", "Age of the oldest unrelayed ledger event", value=lag
    )


def _retention(session: Session) -> Iterable[GaugeMetricFamily]:
    """Recordings held sealed, and what the retention purge has deleted (ivr.voice.retention)."""
    counts = retention_counts(session)
    yield GaugeMetricFamily(
        "huifang_recordings_held",
        "Recordings whose audio we hold (sealed)",
        value=counts["recordings_held"],
    )
    yield GaugeMetricFamily(
        "huifang_recordings_purged",
        "Recordings whose audio retention deleted",
        value=counts["recordings_purged"],
    )
    yield GaugeMetricFamily(
        "huifang_transcripts_purged",
        "Transcripts retention deleted",
        value=counts["transcripts_purged"],
    )


def _queue() -> Iterable[GaugeMetricFamily]:
    depth = GaugeMetricFamily("huifang_queue_depth", "Jobs waiting in the RQ queue")
    age = GaugeMetricFamily("huifang_queue_oldest_age_seconds", "Age of the oldest waiting job")
    try:
        queue = get_queue()
        depth.add_metric([], queue.count)
        oldest = queue.get_jobs(0, 1)
        enqueued = oldest[0].enqueued_at if oldest else None
        if enqueued is not None and enqueued.tzinfo is None:
            enqueued = enqueued.replace(tzinfo=UTC)
        age.add_metric([], (datetime.now(UTC) - enqueued).total_seconds() if enqueued else 0.0)
    except (RedisError, OSError):
        return  # Redis down: /readyz says so; these two are simply absent from the scrape
    yield depth
    yield age


def registry() -> CollectorRegistry:
    """This scrape's registry: this process's (or all processes') histograms, and the database."""
    scrape = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(scrape)
    else:
        scrape.register(WEBHOOK_SECONDS)
    scrape.register(DatabaseCollector())
    return scrape


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """Prometheus text format; a bearer token when HUIFANG_METRICS_TOKEN is set."""
    token = os.environ.get("HUIFANG_METRICS_TOKEN", "")
    if token:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return JSONResponse(
                {"detail": "需要监控令牌（HUIFANG_METRICS_TOKEN）"}, status_code=401
            )
    return Response(generate_latest(registry()), media_type=CONTENT_TYPE_LATEST)


class WebhookTimer:
    """Time every webhook and web survey request into huifang_webhook_seconds, by route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(TIMED_PREFIXES):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            WEBHOOK_SECONDS.labels(route, scope["method"], str(status)).observe(
                time.perf_counter() - started
            )
