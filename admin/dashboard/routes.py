"""/dashboard: the managers' charts and tables, each table downloadable as Excel."""

import json
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from admin.access import require_page, templates
from admin.dashboard.figures import latest_period, report_quarter
from admin.dashboard.page import build
from admin.dashboard.report import build_report, report_pdf
from kernel.audit import AuditAction, record_audit
from kernel.auth import Capability, User
from kernel.db import SessionDep
from kernel.errors import DomainError
from kernel.periods import Period, parse_period, parse_quarter
from kernel.spreadsheet import XLSX, table_workbook

router = APIRouter(include_in_schema=False)
ExportReportsUser = Annotated[User, Depends(require_page(Capability.export_reports))]
ReadDashboardUser = Annotated[User, Depends(require_page(Capability.read_dashboard))]


def _error(request: Request, user: User, error: DomainError) -> Response:
    context = {"user": user, "message": error.message}
    return templates.TemplateResponse(
        request, "dashboard_error.html", context, status_code=error.status_code
    )


def _period(session: Session, period: str | None) -> Period:
    """The period asked for, or the latest month with callbacks (not an empty current month)."""
    return parse_period(period) if period else latest_period(session)


def attachment(name: str, ascii_name: str) -> dict[str, str]:
    """A download's Content-Disposition, with the Chinese name for browsers that take it."""
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return {"Content-Disposition": disposition}


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(
    request: Request, session: SessionDep, user: ReadDashboardUser, period: str | None = None
) -> Response:
    """The dashboard for a period (the latest month with data by default)."""
    try:
        shown = build(session, period=_period(session, period))
    except DomainError as error:
        return _error(request, user, error)
    context = {
        "user": user,
        "dashboard": shown,
        "period": shown.period,
        "quarter": report_quarter(shown.period),
        # Read by admin/static/dashboard.js: data in the page, no inline script (CSP).
        "charts_json": json.dumps(shown.charts, ensure_ascii=False).replace("<", "\\u003c"),
    }
    return templates.TemplateResponse(request, "dashboard.html", context)


@router.get("/dashboard/export/{key}.xlsx")
def export_table(
    request: Request,
    session: SessionDep,
    user: ExportReportsUser,
    key: str,
    period: str | None = None,
) -> Response:
    """Any table of the dashboard as an Excel workbook (the export is audited)."""
    try:
        shown = build(session, period=_period(session, period))
        table = shown.table(key)
    except DomainError as error:
        return _error(request, user, error)
    record_audit(
        session,
        actor=user.username,
        action=AuditAction.export,
        subject=f"dashboard:{key}:{shown.period.key}",
        reason=table.title,
    )
    content = table_workbook(
        title=table.title, headers=table.headers, rows=table.rows, notes=table.notes
    )
    headers = attachment(f"{table.title}.xlsx", f"{key}-{shown.period.key}.xlsx")
    return Response(content, media_type=XLSX, headers=headers)


@router.get("/dashboard/quarterly.pdf")
def quarterly_pdf(
    request: Request, session: SessionDep, user: ExportReportsUser, quarter: str | None = None
) -> Response:
    """每季度末检查报告 as a PDF (the latest quarter with data by default; audited)."""
    try:
        chosen = parse_quarter(quarter) if quarter else report_quarter(latest_period(session))
    except DomainError as error:
        return _error(request, user, error)
    content = report_pdf(build_report(session, quarter=chosen))
    record_audit(
        session,
        actor=user.username,
        action=AuditAction.export,
        subject=f"dashboard:quarterly-report:{chosen.key}",
        reason="每季度末检查报告",
    )
    headers = attachment(f"每季度末检查报告-{chosen.key}.pdf", f"quarterly-report-{chosen.key}.pdf")
    return Response(content, media_type="application/pdf", headers=headers)
