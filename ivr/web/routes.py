"""The web survey pages (网页问卷, H5): /s/<token>, opened from the SMS invitation.

No sign-in: the link is the credential, so the page shows only the business (kind, outlet,
date; never an amount, a name or an ID number), and the URL and title carry nothing personal.
No JavaScript: plain forms that work in old Android WebViews and WeChat's browser. The form is
CSRF-protected like every other (kernel/csrf.py) and both verbs are rate-limited per link and
per client.
"""

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from redis import Redis
from redis.exceptions import RedisError
from starlette.datastructures import FormData

from callbacks.weblink import (
    REASON_MAX,
    SUGGESTION_MAX,
    LinkState,
    WebAnswers,
    WebSurvey,
    answer_by_web,
    open_link,
    well_formed,
)
from ivr import prompts
from ivr.config import IvrSettingsDep
from ivr.web.questions import GRAVE_WORDS, options, question_text
from kernel.clock import local_date
from kernel.csrf import csrf_field
from kernel.db import SessionDep
from kernel.queue import get_redis
from kernel.vocabulary import RATED_QUESTIONS, Question, is_grave

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(tags=["web survey"], include_in_schema=False)

# Requests per minute: one link (a person tapping, a retry), and one client trying unknown
# tokens (guessing is hopeless at 72 bits, and this keeps it so).
PER_LINK_PER_MINUTE = 30
UNKNOWN_PER_CLIENT_PER_MINUTE = 20
RateDep = Annotated[Redis, Depends(get_redis)]

MESSAGES: dict[LinkState, tuple[int, str, list[str]]] = {
    LinkState.answered: (200, "您已完成本次评价", ["感谢您的支持！每条链接只能提交一次。"]),
    LinkState.answered_elsewhere: (
        200,
        "本次评价已经结束",
        ["您可能已通过电话或短信作答，或本次回访已办结，无需再次填写。感谢您的支持！"],
    ),
    LinkState.expired: (
        410,
        "评价链接已过期",
        ["此链接已超过有效期。如您对服务有意见或建议，欢迎拨打 12329 服务热线。"],
    ),
    LinkState.unknown: (
        404,
        "链接无效",
        ["请检查短信中的链接是否完整（可直接点击短信里的链接打开）。", "如有疑问，请拨打 12329。"],
    ),
}


def _render(request: Request, name: str, context: dict[str, object], status: int = 200) -> Response:
    centre = context.pop("centre")
    return templates.TemplateResponse(
        request,
        name,
        {"centre": centre, "csrf_field": lambda: csrf_field(request), **context},
        status_code=status,
    )


def _message(request: Request, centre: str, state: LinkState) -> Response:
    status, heading, lines = MESSAGES[state]
    context: dict[str, object] = {"centre": centre, "heading": heading, "lines": lines}
    return _render(request, "message.html", context, status)


def _limited(redis: Redis, key: str, *, per_minute: int) -> bool:
    """Count one request against a per-minute budget; True when it is over."""
    bucket = f"huifang:web-survey:{key}:{int(time.time() // 60)}"
    try:
        with redis.pipeline() as pipe:
            pipe.incr(bucket)
            pipe.expire(bucket, 120)
            count, _ = pipe.execute()
    except RedisError:
        return False  # the queue being down must not stop someone answering
    return int(count) > per_minute


def _too_many(request: Request, centre: str) -> Response:
    context: dict[str, object] = {
        "centre": centre,
        "heading": "请稍后再试",
        "lines": ["操作过于频繁，请一分钟后再打开链接。"],
    }
    response = _render(request, "message.html", context, 429)
    response.headers["Retry-After"] = "60"
    return response


def _throttled(request: Request, redis: Redis, token: str, centre: str) -> Response | None:
    """A 429 page when this link, or this client guessing links, is over its budget."""
    if well_formed(token) and _limited(redis, f"link:{token}", per_minute=PER_LINK_PER_MINUTE):
        return _too_many(request, centre)
    return None


def _unknown_from(request: Request, redis: Redis) -> bool:
    client = request.client.host if request.client else "unknown"
    return _limited(redis, f"unknown:{client}", per_minute=UNKNOWN_PER_CLIENT_PER_MINUTE)


@dataclass(frozen=True)
class _Shown:
    name: str
    text: str
    options: list[tuple[str, str]]
    rated: bool


def _about(survey: WebSurvey) -> str:
    if survey.business_at is None:
        return ""
    if survey.project_contact:
        return f"想了解本月{survey.outlet_name}为贵楼盘购房人办理公积金贷款的服务情况，请您评价。"
    day = local_date(survey.business_at)
    kind = prompts.BUSINESS_KIND.get(survey.business_kind, "公积金")
    return f"您于{day.month}月{day.day}日在{survey.outlet_name}办理了{kind}业务，请您评价本次服务。"


def _survey_page(
    request: Request,
    *,
    centre: str,
    token: str,
    survey: WebSurvey,
    form: WebAnswers | None = None,
    problems: dict[str, str] | None = None,
    confirm: bool = False,
    status: int = 200,
) -> Response:
    contact = survey.project_contact
    shown = [
        _Shown(q.value, question_text(q, project_contact=contact), options(q), q in RATED_QUESTIONS)
        for q in survey.questions
    ]
    chosen = dict(form.answers) if form else {}
    grave = next((GRAVE_WORDS[Question(q)] for q, v in chosen.items() if is_grave(q, v)), "")
    context = {
        "centre": centre,
        "token": token,
        "about": _about(survey),
        "questions": shown,
        "chosen": chosen,
        "reasons": dict(form.reasons) if form else {},
        "suggestion": form.suggestion if form else "",
        "problems": problems or {},
        "confirm": confirm,
        "grave": grave,
        "reason_max": REASON_MAX,
        "suggestion_max": SUGGESTION_MAX,
    }
    response = _render(request, "survey.html", context, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/s/survey.css")
def survey_css() -> FileResponse:
    """The page's only style sheet (no inline styles, so a strict CSP holds)."""
    return FileResponse(HERE / "survey.css", media_type="text/css")


@router.get("/s/{token:path}", response_class=HTMLResponse)
def survey_page(
    token: str, request: Request, session: SessionDep, settings: IvrSettingsDep, redis: RateDep
) -> Response:
    """The survey a link opens, or a polite page saying why it cannot be answered."""
    centre = settings.centre_name
    throttled = _throttled(request, redis, token, centre)
    if throttled is not None:
        return throttled
    survey = open_link(session, token=token)
    if survey.state == LinkState.unknown and _unknown_from(request, redis):
        return _too_many(request, centre)
    if survey.state != LinkState.open:
        return _message(request, centre, survey.state)
    return _survey_page(request, centre=centre, token=token, survey=survey)


def _read(form: FormData, questions: list[Question]) -> WebAnswers:
    def text(name: str) -> str:
        value = form.get(name)
        return value.replace("\x00", "").strip() if isinstance(value, str) else ""

    return WebAnswers(
        answers={q.value: text(q.value) for q in questions if text(q.value)},
        reasons={
            q.value: text(f"reason_{q.value}") for q in questions if text(f"reason_{q.value}")
        },
        suggestion=text("suggestion"),
        confirmed=text("confirmed") == "1",
    )


@router.post("/s/{token:path}", response_class=HTMLResponse)
async def submit_survey(
    token: str, request: Request, settings: IvrSettingsDep, redis: RateDep, session: SessionDep
) -> Response:
    """Record the answers once; show what is missing, the confirmation, or thanks."""
    centre = settings.centre_name
    throttled = _throttled(request, redis, token, centre)
    if throttled is not None:
        return throttled
    survey = open_link(session, token=token, count=False)
    if survey.state == LinkState.unknown and _unknown_from(request, redis):
        return _too_many(request, centre)
    if survey.state != LinkState.open:
        return _message(request, centre, survey.state)
    form = _read(await request.form(), survey.questions)
    outcome = answer_by_web(session, token=token, form=form)
    if not outcome.done and outcome.state != LinkState.open:
        return _message(request, centre, outcome.state)  # answered meanwhile, or expired
    if outcome.problems:
        return _survey_page(
            request,
            centre=centre,
            token=token,
            survey=survey,
            form=form,
            problems=outcome.problems,
            status=422,
        )
    if outcome.confirm:
        return _survey_page(
            request, centre=centre, token=token, survey=survey, form=form, confirm=True
        )
    lines = ["您的评价已收到，感谢您对住房公积金工作的支持！"]
    if outcome.follow_up:
        lines.append("您反映的情况我们会安排专人核实，并与您联系。")
    context: dict[str, object] = {"centre": centre, "heading": "提交成功", "lines": lines}
    return _render(request, "message.html", context)
