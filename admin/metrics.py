"""The callback desk's figures (zh-CN): 回访率, reach and speed per outlet, and 整改回访 results."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from admin.access import require_page, templates
from callbacks.metrics import outlet_metrics, rectification_results
from callbacks.weblink import link_funnel
from kernel.auth import Capability, User
from kernel.clock import utcnow
from kernel.db import SessionDep
from kernel.errors import DomainError
from kernel.periods import month_of

router = APIRouter(include_in_schema=False)
ReadCallbackMetricsUser = Annotated[User, Depends(require_page(Capability.read_callback_metrics))]


@router.get("/callbacks/metrics", response_class=HTMLResponse)
def metrics_page(
    request: Request, session: SessionDep, user: ReadCallbackMetricsUser, period: str | None = None
) -> Response:
    """Per outlet, for a month of business: tasks, 回访率, reach, and how fast."""
    context: dict[str, object] = {"user": user, "period": period or month_of(utcnow())}
    try:
        rows = outlet_metrics(session, period=str(context["period"]))
        rectified = rectification_results(session, period=str(context["period"]))
        links = link_funnel(session, period=str(context["period"]))
    except DomainError as error:
        context["error"] = error.message
        return templates.TemplateResponse(
            request, "metrics.html", context, status_code=error.status_code
        )
    context.update(
        rows=[row.as_dict() for row in rows], rectified=rectified, links=links, error=None
    )
    return templates.TemplateResponse(request, "metrics.html", context)
