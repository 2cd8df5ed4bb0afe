"""The monthly attendance workbook (集中考勤表): read, checked row by row, written all or nothing.

One sheet, a header row, one row per member of staff. Required columns: 工号, 应出勤天数,
实际出勤天数; optional: 姓名 (checked against the staff record), 月份 (checked against the month
imported), 请假天数, 旷工天数, 迟到早退次数. Every row is checked before anything is written:
one bad row refuses the file, with every bad row named. Importing the same month again updates
each person's row in place, so importing a file twice changes nothing the second time.
"""

import math
import zipfile
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from openpyxl import load_workbook
from sqlmodel import Session, col, select

from core_ledger.org.models import Staff
from kernel.audit import AuditAction, record_audit
from kernel.clock import utcnow
from kernel.errors import Invalid
from kernel.periods import parse_month
from scoring.attendance.models import AttendanceRecord

REQUIRED = {"工号": "code", "应出勤天数": "required_days", "实际出勤天数": "present_days"}
OPTIONAL = {
    "姓名": "name",
    "月份": "month",
    "请假天数": "leave_days",
    "旷工天数": "absent_days",
    "迟到早退次数": "late_times",
}
DAYS = ("required_days", "present_days", "leave_days", "absent_days")
MAX_ROWS = 5000
MAX_BYTES = 5_000_000


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one row of the workbook (row as Excel numbers it)."""

    row: int
    message: str


class AttendanceRefused(Invalid):
    """The workbook was refused; `problems` names every bad row, nothing was written."""

    def __init__(self, message: str, problems: list[RowProblem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass(frozen=True)
class ImportResult:
    """How many people's months the import created, changed, or found as they were."""

    month: str
    created: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class _Row:
    row: int
    staff: Staff
    values: dict[str, float]


def _sheet_rows(data: bytes) -> list[tuple[Any, ...]]:
    if not data:
        raise AttendanceRefused("文件为空，请选择考勤表（.xlsx）")
    if len(data) > MAX_BYTES:
        raise AttendanceRefused(f"文件过大（{len(data)} 字节），上限 {MAX_BYTES} 字节")
    try:
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise AttendanceRefused(
            "文件不是 Excel 工作簿（.xlsx），请另存为 .xlsx 后再导入"
        ) from error
    try:
        sheet = book.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2))
    finally:
        book.close()
    if len(rows) > MAX_ROWS + 1:
        raise AttendanceRefused(f"考勤表超过 {MAX_ROWS} 行，请分表导入")
    return rows


def _columns(header: tuple[Any, ...]) -> dict[str, int]:
    names = [str(cell).strip() if cell is not None else "" for cell in header]
    known = REQUIRED | OPTIONAL
    columns = {known[name]: i for i, name in enumerate(names) if name in known}
    missing = [name for name, key in REQUIRED.items() if key not in columns]
    if missing:
        raise AttendanceRefused(
            f"第 1 行应为表头，缺少列：{'、'.join(missing)}（必需：{'、'.join(REQUIRED)}）"
        )
    return columns


def _number(value: Any, label: str, *, whole: bool = False) -> float:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0.0
    try:
        number = float(str(value).strip()) if not isinstance(value, (int, float)) else float(value)
    except ValueError as error:
        raise ValueError(f"{label}应为数字，收到 {value!r}") from error
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"{label}应为不小于 0 的数字，收到 {value!r}")
    if whole and number != int(number):
        raise ValueError(f"{label}应为整数，收到 {value!r}")
    if not whole and number * 2 != int(number * 2):
        raise ValueError(f"{label}应以半天为单位（如 21 或 20.5），收到 {value!r}")
    return number


LABELS = {v: k for k, v in (REQUIRED | OPTIONAL).items()}


def _check_row(cells: dict[str, Any], month: str, staff: dict[str, Staff]) -> dict[str, float]:
    """The row's numbers, or ValueError saying what is wrong (in Chinese)."""
    code = str(cells.get("code") or "").strip()
    if not code:
        raise ValueError("工号为空")
    person = staff.get(code)
    if person is None:
        raise ValueError(f"工号 {code} 不存在")
    name = str(cells.get("name") or "").strip()
    if name and name != person.name:
        raise ValueError(f"姓名“{name}”与工号 {code} 登记的姓名“{person.name}”不符")
    if cells.get("month") not in (None, ""):
        written = cells["month"]
        given = f"{written:%Y-%m}" if hasattr(written, "strftime") else str(written)
        try:
            given = parse_month(given)
        except Invalid as error:
            raise ValueError(error.message) from error
        if given != month:
            raise ValueError(f"月份 {given} 与导入的月份 {month} 不符")
    values = {key: _number(cells.get(key), LABELS[key]) for key in DAYS}
    values["late_times"] = _number(cells.get("late_times"), LABELS["late_times"], whole=True)
    if not 0 < values["required_days"] <= 31:
        raise ValueError(f"应出勤天数应在 1 到 31 之间，收到 {values['required_days']:g}")
    spent = values["present_days"] + values["leave_days"] + values["absent_days"]
    if spent > values["required_days"]:
        raise ValueError(
            f"实际出勤、请假、旷工天数之和（{spent:g}）超过应出勤天数（{values['required_days']:g}）"
        )
    return values


def read_workbook(session: Session, *, month: str, data: bytes) -> list[_Row]:
    """Every row checked; AttendanceRefused naming each bad row if any is wrong."""
    rows = _sheet_rows(data)
    if not rows:
        raise AttendanceRefused("工作簿是空的：第 1 行应为表头")
    columns = _columns(rows[0])
    staff = {s.code: s for s in session.exec(select(Staff))}
    checked: list[_Row] = []
    problems: list[RowProblem] = []
    first_seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if all(cell is None or str(cell).strip() == "" for cell in row):
            continue
        cells = {key: row[i] if i < len(row) else None for key, i in columns.items()}
        try:
            values = _check_row(cells, month, staff)
            code = str(cells["code"]).strip()
            if code in first_seen:
                raise ValueError(f"工号 {code} 与第 {first_seen[code]} 行重复")
            first_seen[code] = number
            checked.append(_Row(row=number, staff=staff[code], values=values))
        except ValueError as error:
            problems.append(RowProblem(row=number, message=str(error)))
    if problems:
        raise AttendanceRefused(
            f"考勤表有 {len(problems)} 行有误，未导入任何数据；请改正后重新导入", problems
        )
    if not checked:
        raise AttendanceRefused("考勤表除表头外没有数据行")
    return checked


def import_attendance(
    session: Session, *, month: str, data: bytes, source: str, by: str
) -> ImportResult:
    """Import one month's workbook: all rows or none; the same file again changes nothing."""
    month = parse_month(month, what="考勤月份")
    rows = read_workbook(session, month=month, data=data)
    existing = {
        r.staff_id: r
        for r in session.exec(
            select(AttendanceRecord).where(
                AttendanceRecord.period == month,
                col(AttendanceRecord.staff_id).in_([r.staff.id for r in rows]),
            )
        )
    }
    created = updated = unchanged = 0
    for row in rows:
        values: dict[str, float | int] = {**row.values, "late_times": int(row.values["late_times"])}
        record = existing.get(row.staff.id or 0)
        if record is None:
            record = AttendanceRecord.model_validate(
                {"staff_id": row.staff.id, "period": month, "source": "", "imported_by": by}
                | values
            )
            created += 1
        elif all(getattr(record, key) == value for key, value in values.items()):
            unchanged += 1
            continue
        else:
            for key, value in values.items():
                setattr(record, key, value)
            updated += 1
        record.outlet_id = row.staff.outlet_id
        record.source = source[:200]
        record.imported_by = by
        record.imported_at = utcnow()
        session.add(record)
    record_audit(
        session,
        actor=by,
        action=AuditAction.attendance_import,
        subject=f"attendance:{month}",
        reason=f"{source[:200]}：新增 {created} 人，更新 {updated} 人，未变 {unchanged} 人",
    )
    return ImportResult(month=month, created=created, updated=updated, unchanged=unchanged)
