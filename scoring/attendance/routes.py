"""HTTP routes of 集中考勤: import a month's workbook, read a month (as the pages do)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, UploadFile, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from kernel.auth import Capability, User, require
from kernel.db import SessionDep
from kernel.periods import parse_month
from scoring.attendance.imports import AttendanceRefused, import_attendance
from scoring.attendance.service import month_lines

router = APIRouter(prefix="/api/attendance", tags=["attendance"])

AttendanceUser = Annotated[User, Depends(require(Capability.import_attendance))]


class ImportPublic(BaseModel):
    month: str
    created: int
    updated: int
    unchanged: int


class AttendancePublic(BaseModel):
    staff_code: str
    outlet_code: str | None
    required_days: float
    present_days: float
    leave_days: float
    absent_days: float
    late_times: int
    score: float


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ImportPublic)
async def upload(
    session: SessionDep, user: AttendanceUser, file: UploadFile, month: Annotated[str, Form()]
) -> ImportPublic | JSONResponse:
    """Import a month's workbook: all rows or none (422 lists every bad row); safe to repeat."""
    try:
        done = import_attendance(
            session,
            month=month,
            data=await file.read(),
            source=file.filename or "attendance.xlsx",
            by=user.username,
        )
    except AttendanceRefused as refused:
        session.rollback()
        problems = [{"row": p.row, "message": p.message} for p in refused.problems]
        body = {"detail": refused.message, "code": refused.code, "problems": problems}
        return JSONResponse(body, status_code=refused.status_code)
    return ImportPublic(
        month=done.month, created=done.created, updated=done.updated, unchanged=done.unchanged
    )


@router.get("")
def attendance(session: SessionDep, _: AttendanceUser, month: str) -> list[AttendancePublic]:
    """Everyone's attendance in a month, by outlet and staff code."""
    return [
        AttendancePublic(
            staff_code=line.staff.code,
            outlet_code=line.outlet.code if line.outlet else None,
            required_days=line.record.required_days,
            present_days=line.record.present_days,
            leave_days=line.record.leave_days,
            absent_days=line.record.absent_days,
            late_times=line.record.late_times,
            score=round(line.record.score, 2),
        )
        for line in month_lines(session, month=parse_month(month, what="考勤月份"))
    ]
