"""The FastAPI app factory: routes of every package, one engine, domain errors as HTTP."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html import escape
from http import HTTPStatus
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException

import admin
import admin.access
import admin.appeals
import admin.attendance
import admin.audit
import admin.ballots
import admin.dashboard.routes
import admin.docs
import admin.exceptions
import admin.findings
import admin.inspections
import admin.letters
import admin.metrics
import admin.my.inbox
import admin.my.results
import admin.rankings
import admin.raters
import admin.routes
import admin.users.routes
import callbacks.pause_routes
import callbacks.routes
import core_ledger.routes
import ivr.sms.routes
import ivr.voice.playback
import ivr.voice.routes
import ivr.web.routes
import kernel.auth
import kernel.csrf
import kernel.headers
import kernel.logs
import kernel.signin
import scoring.attendance.routes
import scoring.evaluation_routes
import scoring.exclusions.routes
import scoring.inspection_routes
import scoring.routes
from callbacks import channel
from huifang import openapi, ops
from huifang.dashboard import PATH as RQ_DASHBOARD_PATH
from huifang.dashboard import dashboard_app
from huifang.settings import Settings, load_settings
from ivr.twilio.channel import TwilioChannel
from ivr.voice.spoken import warm_up_in_background
from kernel.db import get_engine
from kernel.errors import DomainError
from kernel.invalid_request import invalid_request
from kernel.redact import install as install_redaction


def domain_error(_: Request, error: Exception) -> JSONResponse:
    """A domain error becomes a 4xx with a message a person can act on."""
    assert isinstance(error, DomainError)
    return JSONResponse(
        status_code=error.status_code, content={"detail": error.message, "code": error.code}
    )


# The largest request body accepted (inspection photos fit easily): larger is a 413 before it is
# read, so one huge upload cannot slow everyone else down.
MAX_BODY_BYTES = 20 * 1024 * 1024
UNSTORABLE = (
    "输入的内容无法保存：数字、日期或文字超出允许的范围，"
    "或含有无效字符（如 NUL 或不成对的代理字符）。请检查后重新提交。"
)


def unstorable(_: Request, error: Exception) -> JSONResponse:
    """What the database refuses to store (out-of-range numbers and dates, NUL bytes, text
    longer than its column, unencodable characters) is the sender's mistake: a 422, not a 500."""
    return JSONResponse(status_code=422, content={"detail": UNSTORABLE, "code": "unstorable"})


def database_unavailable(_: Request, error: Exception) -> JSONResponse:
    """A lost database connection (a restart, a failover, a killed backend) rolled the request
    back whole: a 503 that Twilio and other clients retry, and the pool reconnects (pre-ping)."""
    return JSONResponse(
        status_code=503,
        content={"detail": "数据库暂时不可用，本次请求未保存，请稍后重试", "code": "unavailable"},
        headers={"Retry-After": "1"},
    )


# The framework's own refusals, which carry English words: said in Chinese, as a page to a
# browser and as {"detail", "code"} to a client. Our own HTTPExceptions keep their text.
FRAMEWORK_ERRORS = {  # status: (code, page title, message)
    404: ("not_found", "页面不存在", "找不到这个地址：请检查网址，或从首页进入"),
    405: ("method_not_allowed", "请求方法不正确", "这个地址不接受 {method} 请求：请检查请求方法"),
    413: ("too_large", "提交的内容过大", "提交的内容过大（上限 20 MB）：请压缩图片或分批提交"),
    400: ("unparseable", "请求有误", "提交的内容无法解析：请检查数据格式（JSON 或表单）后重新提交"),
}
UNPARSEABLE_BODY = "There was an error parsing the body"  # FastAPI's words for a 400
ERROR_PAGE = (
    "<!doctype html><html lang='zh-CN'><meta charset='utf-8'><title>{title}</title>"
    "<body style='font-family:sans-serif;margin:3em'><h2>{title}</h2>"
    "<p>{message}</p><p><a href='/'>返回首页</a></p></body></html>"
)


async def framework_error(request: Request, error: Exception) -> Response:
    """404, 405, 413 and an unparseable body from the framework, in Chinese."""
    assert isinstance(error, HTTPException)
    known = FRAMEWORK_ERRORS.get(error.status_code)
    # Only the framework's own words are replaced (a status we do not know is never looked up).
    if known is None or error.detail not in {
        HTTPStatus(error.status_code).phrase,
        UNPARSEABLE_BODY,
    }:
        return await http_exception_handler(request, error)
    code, title, template = known
    message = template.format(method=request.method)
    page = "text/html" in request.headers.get("accept", "") and not request.url.path.startswith(
        ("/api/", "/twilio/")
    )
    if page:
        html = ERROR_PAGE.format(title=title, message=escape(message))
        return HTMLResponse(html, status_code=error.status_code, headers=error.headers)
    content = {"detail": message, "code": code}
    return JSONResponse(content, status_code=error.status_code, headers=error.headers)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the web app (API, Twilio webhooks, admin pages)."""
    settings = settings or load_settings()
    install_redaction()  # no whole phone or ID number in any log line of the web app

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = get_engine(settings.kernel.effective_database_url())
        channel.configure(TwilioChannel(settings.ivr))
        warm_up_in_background()
        yield

    # In production the API description is for signed-in people only (admin.docs).
    open_docs = settings.kernel.environment != "production"
    app = FastAPI(
        title="Huifang 回访",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs" if open_docs else None,
        redoc_url="/redoc" if open_docs else None,
        openapi_url="/openapi.json" if open_docs else None,
        max_body_size=MAX_BODY_BYTES,
    )
    if not open_docs:
        app.include_router(admin.docs.signed_in_docs(app))
    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(HTTPException, framework_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(DataError, unstorable)
    app.add_exception_handler(UnicodeEncodeError, unstorable)
    app.add_exception_handler(OverflowError, unstorable)  # SQLite: an int past 64 bits
    app.add_exception_handler(OperationalError, database_unavailable)
    # The web pages' sign-in and role checks, answered once for every page.
    app.add_exception_handler(admin.access.SignInRequired, admin.access.sign_in_first)
    app.add_exception_handler(admin.access.PageForbidden, admin.access.forbidden_page)
    for router in (
        kernel.signin.router,
        ops.router,
        core_ledger.routes.router,
        scoring.routes.router,
        scoring.evaluation_routes.router,
        scoring.inspection_routes.router,
        scoring.attendance.routes.router,
        scoring.exclusions.routes.router,
        ivr.voice.routes.router,
        ivr.voice.playback.api_router,
        ivr.sms.routes.router,
        ivr.web.routes.router,
        admin.routes.router,
        admin.exceptions.router,
        admin.audit.router,
        admin.rankings.router,
        admin.metrics.router,
        admin.appeals.router,
        admin.raters.router,
        admin.ballots.router,
        admin.dashboard.routes.router,
        admin.inspections.router,
        admin.findings.router,
        admin.letters.router,
        admin.my.results.router,
        admin.my.inbox.router,
        admin.attendance.router,
        admin.users.routes.router,
        callbacks.routes.router,
        callbacks.pause_routes.router,
    ):
        app.include_router(router)
    # The pages' own scripts and styles, and vendored libraries (ECharts): no CDN.
    app.mount("/static", StaticFiles(directory=Path(admin.__file__).parent / "static"), "static")
    app.mount(RQ_DASHBOARD_PATH, dashboard_app(settings))
    openapi.install(app)
    app.add_middleware(kernel.csrf.CSRFMiddleware)
    app.add_middleware(kernel.headers.SecurityHeadersMiddleware)
    app.add_middleware(ops.WebhookTimer)
    app.add_middleware(kernel.logs.RequestIdMiddleware)  # outermost: every line carries the id
    return app
