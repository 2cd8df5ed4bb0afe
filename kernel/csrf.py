"""Cross-site request forgery protection for the web pages' forms.

Two checks on every state-changing request (POST, PUT, PATCH, DELETE) that is not exempt:

1. Where it came from: an `Origin` (or, without one, a `Referer`) naming another host is refused.
2. A token: the form field `csrf_token` (or the header `X-CSRF-Token`, for scripts) must equal
   the `huifang_csrf` cookie, a random value the middleware sets on the first visit (the
   double-submit pattern). A page on another site can neither read the cookie nor set it, so it
   cannot put the right value in its form. Every form renders the field with `{{ csrf_field() }}`.

Exempt: `/api/` (bearer tokens, no cookies needed; the session cookie is SameSite=Strict, so a
cross-site form never carries it there either) and `/twilio/` (Twilio's webhooks, which prove
themselves with their signature). The RQ dashboard's own scripts cannot send our token, so it
gets the origin check only.
"""

import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup, escape
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kernel.config import get_kernel_settings

COOKIE = "huifang_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EXEMPT = ("/api/", "/twilio/")
ORIGIN_ONLY = ("/admin/rq",)
# A form bigger than this is refused before it is read (photos of an inspection fit easily).
MAX_FORM_BYTES = 20 * 1024 * 1024

REFUSED = (
    "<!doctype html><html lang='zh-CN'><meta charset='utf-8'><title>请求被拒绝</title>"
    "<body style='font-family:sans-serif;margin:3em'><h2>请求被拒绝</h2>"
    "<p>{reason}</p><p>请回到原页面刷新后再提交，或<a href='/'>返回首页</a>。</p>"
    "</body></html>"
)


def csrf_token(scope: MutableMapping[str, Any]) -> str:
    """This request's token (the cookie's value, or the one the middleware is about to set)."""
    state = scope.setdefault("state", {})
    token = state.get("csrf_token")
    if token is None:
        token = state["csrf_token"] = secrets.token_urlsafe(32)
    return str(token)


def csrf_field(request: Request) -> Markup:
    """The hidden input every form carries."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        FIELD, escape(csrf_token(request.scope))
    )


def _same_origin(headers: Headers) -> bool | None:
    """True/False when the request names where it came from; None when it does not."""
    source = headers.get("origin") or headers.get("referer")
    if not source or source == "null":
        return None if not source else False
    host = headers.get("x-forwarded-host") or headers.get("host") or ""
    return urlsplit(source).netloc.lower() == host.split(",")[0].strip().lower()


class CSRFMiddleware:
    """Sets the token cookie; checks origin and token on every unsafe method."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith(EXEMPT):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        cookie = SimpleCookie(headers.get("cookie", ""))
        had = cookie[COOKIE].value if COOKIE in cookie else None
        if had:
            scope.setdefault("state", {})["csrf_token"] = had
        if scope["method"] in UNSAFE:
            refusal, receive = await self._check(scope, receive, headers, had)
            if refusal is not None:
                await _refuse(send, refusal)
                return
        await self.app(scope, receive, self._setting_cookie(scope, send, had))

    async def _check(
        self, scope: Scope, receive: Receive, headers: Headers, had: str | None
    ) -> tuple[str | None, Receive]:
        if _same_origin(headers) is False:
            return "请求来自其他网站，已拒绝。", receive
        if scope["path"].startswith(ORIGIN_ONLY):
            return None, receive
        if not had:
            return "表单已过期（缺少安全令牌），请刷新页面后重新提交。", receive
        sent = headers.get(HEADER)
        if sent is None:
            body, receive = await _buffer(receive)
            if body is None:
                return "提交的内容过大。", receive
            content_type = headers.get("content-type", "")
            if content_type.startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")
            ):
                form = await Request(scope, _replay(body)).form()
                value = form.get(FIELD)
                sent = value if isinstance(value, str) else None
                await form.close()
        if sent is None or not hmac.compare_digest(sent.encode(), had.encode()):
            return "表单已过期或无效（安全令牌不符），请刷新页面后重新提交。", receive
        return None, receive

    def _setting_cookie(self, scope: Scope, send: Send, had: str | None) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                token = scope.get("state", {}).get("csrf_token")
                if token and token != had:
                    https = get_kernel_settings().cookies_secure(str(scope.get("scheme", "")))
                    secure = "; Secure" if https else ""
                    value = f"{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}"
                    message.setdefault("headers", [])
                    message["headers"] = [*message["headers"], (b"set-cookie", value.encode())]
            await send(message)

        return wrapped


async def _buffer(receive: Receive) -> tuple[bytes | None, Receive]:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return None, receive
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    return body, _replay(body, receive)


def _replay(body: bytes, then: Receive | None = None) -> Callable[[], Awaitable[Message]]:
    """A `receive` that gives the buffered body once, then whatever `then` gives (a disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return await then() if then is not None else {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _refuse(send: Send, reason: str) -> None:
    body = REFUSED.format(reason=reason).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
