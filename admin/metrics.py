"""The callback desk's figures (zh-CN): 回访率, reach and speed per outlet, and 整改回访 results."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from admin.routes import PageUser, templates
from callbacks.metrics import outlet_metrics, rectification_results
from kernel.auth import Role
from kernel.clock import utcnow
from kernel.db import SessionDep
from kernel.errors import DomainError
from kernel.periods import month_of

router = APIRouter(include_in_schema=False)
READERS = {Role.admin, Role.manager, Role.operator}


@router.get("/callbacks/metrics", response_class=HTMLResponse)
def metrics_page(
    request: Request, session: SessionDep, user: PageUser, period: str | None = None
) -> Response:
    """Per outlet, for a month of business: tasks, 回访率, reach, and how fast."""
    if user is None:
        return RedirectResponse("/login", status_code=303)
    context: dict[str, object] = {"user": user, "period": period or month_of(utcnow())}
    if user.role not in READERS:
        context["error"] = "当前账号无权查看回访统计"
        return templates.TemplateResponse(request, "metrics.html", context, status_code=403)
    try:
        rows = outlet_metrics(session, period=str(context["period"]))
        rectified = rectification_results(session, period=str(context["period"]))
    except DomainError as error:
        context["error"] = error.message
        return templates.TemplateResponse(
            request, "metrics.html", context, status_code=error.status_code
        )
    context.update(rows=[row.as_dict() for row in rows], rectified=rectified, error=None)
    return templates.TemplateResponse(request, "metrics.html", context)
