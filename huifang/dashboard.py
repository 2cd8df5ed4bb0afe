"""rq-dashboard (a Flask app) mounted in the web app at /admin/rq, for admins only."""

from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any

import rq_dashboard
from a2wsgi import WSGIMiddleware
from flask import Flask
from rq_dashboard.web import setup_rq_connection

from huifang.settings import Settings
from kernel.auth import TOKEN_COOKIE, Capability, can, user_for_token
from kernel.db import get_engine, open_session
from kernel.queue import embedded_socket_url, get_redis

PATH = "/admin/rq"
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _redis_url(settings: Settings) -> str:
    url = settings.kernel.redis_url
    return embedded_socket_url(get_redis()) if url in ("", "embedded") else url


def flask_dashboard(settings: Settings) -> Flask:
    """The dashboard as a Flask app pointed at the callbacks' Redis."""
    app = Flask("huifang_rq_dashboard")
    app.config["RQ_DASHBOARD_REDIS_URL"] = _redis_url(settings)
    app.config["RQ_DASHBOARD_POLL_INTERVAL"] = 5000
    setup_rq_connection(app)
    app.register_blueprint(rq_dashboard.blueprint, url_prefix="/")
    return app


def _token(scope: Scope) -> str | None:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    cookie = SimpleCookie(headers.get("cookie", ""))
    return cookie[TOKEN_COOKIE].value if TOKEN_COOKIE in cookie else None


def admins_only(inner: ASGIApp, *, database_url: str) -> ASGIApp:
    """Let through signed-in admins; others get 401 (not signed in) or 403."""

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await inner(scope, receive, send)
            return
        token = _token(scope)
        user = None
        if token:
            with open_session(get_engine(database_url)) as session:
                user = user_for_token(session, token=token)
        if user is None or not can(user, Capability.run_jobs):
            status = 401 if user is None else 403
            text = "请先以管理员身份登录" if user is None else "仅管理员可查看任务队列"
            body = text.encode()
            headers = [(b"content-type", b"text/plain; charset=utf-8")]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await inner(scope, receive, send)

    return guarded


def dashboard_app(settings: Settings) -> ASGIApp:
    """The mounted, guarded dashboard."""
    wsgi = WSGIMiddleware(flask_dashboard(settings))  # type: ignore[arg-type]
    return admins_only(wsgi, database_url=settings.kernel.effective_database_url())  # type: ignore[arg-type]
