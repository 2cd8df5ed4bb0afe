"""审计日志 (/audit): who looked at or changed what, filtered by act, person and date."""

from datetime import date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from admin.access import require_page, templates
from kernel.audit import AUDIT_ACTION_LABELS, AuditAction, AuditQuery, find_audit
from kernel.auth import Capability, User
from kernel.clock import centre_tz
from kernel.db import SessionDep
from kernel.errors import Invalid

router = APIRouter(prefix="/audit", include_in_schema=False)
AuditPageUser = Annotated[User, Depends(require_page(Capability.read_audit))]
PAGE_SIZE = 50


def _day(value: str, name: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as error:
        raise Invalid(f"{name}应为日期，如 2026-12-01（收到 {value!r}）") from error


def _query(action: str, actor: str, subject: str, since: str, until: str) -> AuditQuery:
    """The filters as typed, checked; dates are Beijing days, both ends included."""
    if action and action not in AuditAction.__members__:
        raise Invalid("没有这种操作类型，请从列表中选择")
    first, last = _day(since, "开始日期"), _day(until, "结束日期")
    if first and last and first > last:
        raise Invalid("开始日期不能晚于结束日期")
    zone = centre_tz()
    return AuditQuery(
        action=AuditAction(action) if action else None,
        actor=actor,
        subject=subject,
        since=datetime.combine(first, time(), tzinfo=zone) if first else None,
        until=datetime.combine(last + timedelta(days=1), time(), tzinfo=zone) if last else None,
    )


@router.get("", response_class=HTMLResponse)
def audit_log(
    request: Request,
    session: SessionDep,
    user: AuditPageUser,
    action: str = "",
    actor: str = "",
    subject: str = "",
    since: str = "",
    until: str = "",
    page: int = 1,
) -> Response:
    """The audit log, newest first, 50 to a page."""
    args = {"action": action, "actor": actor, "subject": subject, "since": since, "until": until}
    error = None
    try:
        query = _query(action, actor, subject, since, until)
    except Invalid as problem:
        error, query = problem.message, AuditQuery()
    page = max(page, 1)
    rows, total = find_audit(session, query=query, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    context = {
        "user": user,
        "rows": rows,
        "total": total,
        "page": page,
        "pages": pages,
        "args": args,
        "labels": AUDIT_ACTION_LABELS,
        "error": error,
        "link": lambda n: "/audit?" + urlencode({**args, "page": n}),
    }
    return templates.TemplateResponse(
        request, "audit.html", context, status_code=422 if error else 200
    )
