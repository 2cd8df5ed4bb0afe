"""Structured logs: one JSON object a line, each carrying the request id that caused it.

`configure_logging()` is called once by `huifang serve` and `huifang worker` (HUIFANG_LOG_FORMAT
json, the default, or text for a terminal). A web request takes its id from `X-Request-ID` (a
load balancer's) or makes one, answers with it, and hands it to every job it queues
(`job.meta["request_id"]`, see kernel.queue.TracedQueue), so one search finds the webhook and
the call it placed. Every line passes the filters of `log_filters()` first (the personal-data
mask lives there), so no handler can forget them.
"""

import contextvars
import json
import logging
import re
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kernel.redact import RedactFilter, redact

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "huifang_request_id", default=None
)
HEADER = "x-request-id"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
# LogRecord attributes that are not extras a caller passed.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def new_request_id() -> str:
    """A short random id (16 hex characters)."""
    return secrets.token_hex(8)


def current_request_id() -> str | None:
    """The id of the request (or job) this code runs for, if any."""
    return request_id_var.get()


@contextmanager
def request_context(request_id: str | None) -> Iterator[None]:
    """Run a block (a job) under a request id."""
    token = request_id_var.set(request_id)
    try:
        yield
    finally:
        request_id_var.reset(token)


class RequestIdFilter(logging.Filter):
    """Stamp every record with the current request id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


def log_filters() -> list[logging.Filter]:
    """The filters every handler runs, in order: the request id, then the personal-data mask."""
    return [RequestIdFilter(), RedactFilter()]


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key in _STANDARD or key == "request_id" or key.startswith("_"):
                continue
            plain = isinstance(value, (int, float, bool, type(None)))
            entry[key] = value if plain else redact(str(value))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(*, fmt: str = "json", level: str = "INFO") -> None:
    """Route the root logger (and uvicorn's, RQ's) to stderr in one format, filters attached."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    for log_filter in log_filters():
        handler.addFilter(log_filter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "rq.worker", "rq"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True


class RequestIdMiddleware:
    """Give each request an id (the caller's X-Request-ID when well-formed) and echo it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(HEADER.encode(), b"").decode("latin-1")
        request_id = given if _SAFE_ID.match(given) else new_request_id()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (HEADER.encode(), request_id.encode()),
                ]
            await send(message)

        with request_context(request_id):
            await self.app(scope, receive, send_with_id)
