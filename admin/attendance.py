"""集中考勤 as a web page: the centre imports each month's attendance workbook and sees it.

A refused workbook comes back with every bad row named and nothing written (the import checks
every row first); importing the same workbook again reports each row unchanged.
"""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from admin.access import require_page, templates
from kernel.auth import Capability, User
from kernel.clock import utcnow
from kernel.db import SessionDep
from kernel.errors import DomainError
from kernel.periods import month_of, parse_month
from scoring.attendance.imports import AttendanceRefused, import_attendance
from scoring.attendance.service import month_lines

router = APIRouter(prefix="/attendance", include_in_schema=False)

# The centre keeps attendance (集中考勤): its managers import and read it.
AttendancePageUser = Annotated[User, Depends(require_page(Capability.import_attendance))]


def _page(
    request: Request,
    session: Session,
    user: User,
    *,
    month: str | None,
    error: DomainError | None = None,
    result: dict[str, str] | None = None,
) -> Response:
    chosen = month or month_of(utcnow())
    context: dict[str, object] = {"user": user, "month": chosen, "error": error, "result": result}
    status_code = error.status_code if error else 200
    try:
        context["lines"] = month_lines(session, month=parse_month(chosen, what="考勤月份"))
    except DomainError as problem:
        context["error"] = error or problem
        status_code = (error or problem).status_code
        context["lines"] = []
    context["problems"] = error.problems if isinstance(error, AttendanceRefused) else []
    return templates.TemplateResponse(request, "attendance.html", context, status_code=status_code)


@router.get("", response_class=HTMLResponse)
def attendance(
    request: Request,
    session: SessionDep,
    user: AttendancePageUser,
    month: str | None = None,
    created: str | None = None,
    updated: str | None = None,
    unchanged: str | None = None,
) -> Response:
    """A month's attendance per person, and the form to import a month's workbook."""
    counts = {"created": created, "updated": updated, "unchanged": unchanged}
    result = {k: v for k, v in counts.items() if v is not None} or None
    return _page(request, session, user, month=month, result=result)


@router.post("", response_class=HTMLResponse)
async def upload(
    request: Request,
    session: SessionDep,
    user: AttendancePageUser,
    file: UploadFile,
    month: Annotated[str, Form()] = "",
) -> Response:
    """Import a month's workbook: every row or none."""
    try:
        done = import_attendance(
            session,
            month=month,
            data=await file.read(),
            source=file.filename or "考勤表.xlsx",
            by=user.username,
        )
    except DomainError as error:
        session.rollback()
        return _page(request, session, user, month=month or None, error=error)
    counts = {"created": done.created, "updated": done.updated, "unchanged": done.unchanged}
    query = urlencode({"month": done.month, **counts})
    return RedirectResponse(f"/attendance?{query}", status_code=303)
