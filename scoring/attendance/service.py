"""Reading attendance: one month's people, and each outlet's attendance over a period."""

from dataclasses import dataclass

from sqlmodel import Session, col, select

from core_ledger.org.models import Outlet, Staff
from kernel.periods import Period
from scoring.attendance.models import AttendanceRecord


@dataclass(frozen=True)
class AttendanceLine:
    """A person's month as the attendance page lists it."""

    record: AttendanceRecord
    staff: Staff
    outlet: Outlet | None


@dataclass(frozen=True)
class OutletAttendance:
    """An outlet's attendance over a period: the mean of its people's monthly scores."""

    score: float
    people: int
    months: tuple[str, ...]
    absent_days: float
    late_times: int


def month_lines(session: Session, *, month: str) -> list[AttendanceLine]:
    """Everyone imported for a month, by outlet and staff code."""
    query = (
        select(AttendanceRecord, Staff, Outlet)
        .join(Staff, col(Staff.id) == col(AttendanceRecord.staff_id))
        .join(Outlet, col(Outlet.id) == col(AttendanceRecord.outlet_id), isouter=True)
        .where(AttendanceRecord.period == month)
        .order_by(col(Outlet.code), col(Staff.code))
    )
    return [AttendanceLine(r, s, o) for r, s, o in session.exec(query)]


def outlet_attendance(session: Session, *, period: Period) -> dict[int, OutletAttendance]:
    """Per outlet: the mean attendance score of its people's months within the period."""
    rows = session.exec(
        select(AttendanceRecord).where(
            col(AttendanceRecord.period).in_(period.months),
            col(AttendanceRecord.outlet_id).is_not(None),
        )
    )
    found: dict[int, list[AttendanceRecord]] = {}
    for record in rows:
        found.setdefault(record.outlet_id or 0, []).append(record)
    return {
        outlet_id: OutletAttendance(
            score=sum(r.score for r in records) / len(records),
            people=len({r.staff_id for r in records}),
            months=tuple(sorted({r.period for r in records})),
            absent_days=sum(r.absent_days for r in records),
            late_times=sum(r.late_times for r in records),
        )
        for outlet_id, records in found.items()
    }
