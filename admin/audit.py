"""The audit log page (审计日志): who looked at or changed what, when and why; admins only."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, select

from admin.access import require_page, templates
from kernel.audit import AUDIT_ACTION_LABELS, AuditAction, AuditEvent
from kernel.auth import Capability, User
from kernel.clock import local
from kernel.db import SessionDep

router = APIRouter(include_in_schema=False)
AuditReader = Annotated[User, Depends(require_page(Capability.read_audit))]
PAGE = 100


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: SessionDep,
    user: AuditReader,
    action: str = "",
    actor: str = "",
    before: int | None = None,
) -> Response:
    """The newest audited acts first, a hundred a page, by act and by person."""
    query = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(PAGE)
    error = None
    if action:
        if action in AuditAction.__members__:
            query = query.where(AuditEvent.action == action)
        else:
            error = "没有这种操作类型，请从列表中选择"
    if actor.strip():
        query = query.where(AuditEvent.actor == actor.strip()[:64])
    if before is not None:
        query = query.where(col(AuditEvent.id) < before)
    events = [] if error else list(session.exec(query))
    rows = [
        {
            "at": _shown(event.at),
            "actor": event.actor,
            "action": AUDIT_ACTION_LABELS.get(AuditAction(event.action), "其他"),
            "subject": event.subject,
            "reason": event.reason or "—",
        }
        for event in events
    ]
    context = {
        "user": user,
        "rows": rows,
        "actions": [(a.value, AUDIT_ACTION_LABELS[a]) for a in AuditAction],
        "action": action,
        "actor": actor,
        "error": error,
        "next_before": events[-1].id if len(events) == PAGE else None,
    }
    return templates.TemplateResponse(
        request, "audit.html", context, status_code=422 if error else 200
    )


def _shown(at: datetime) -> str:
    return f"{local(at):%Y-%m-%d %H:%M:%S}"
