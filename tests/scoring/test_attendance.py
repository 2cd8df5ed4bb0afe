"""集中考勤: the monthly workbook, checked row by row, all or nothing, idempotent; the appraisal."""

from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import Session, func, select

from kernel.audit import AuditAction, AuditEvent
from kernel.periods import parse_period
from scoring.attendance.imports import AttendanceRefused, import_attendance
from scoring.attendance.models import AttendanceRecord
from scoring.config import get_scoring_settings
from scoring.performance import outlet_appraisals, parse_weights
from tests.scoring.factories import GOOD, outlet, teller, workbook


@pytest.fixture
def staff(session: Session) -> None:
    wd01, wd02 = outlet(session, "WD01", "城东网点"), outlet(session, "WD02", "城西网点")
    for code, at in (("T01", wd01), ("T02", wd01), ("T03", wd02)):
        teller(session, at, code)


def _import(session: Session, data: bytes, month: str = "2026-11") -> Any:
    return import_attendance(session, month=month, data=data, source="考勤.xlsx", by="boss")


def _records(session: Session) -> int:
    return session.exec(select(func.count()).select_from(AttendanceRecord)).one()


def test_a_month_is_imported_and_the_same_file_again_changes_nothing(
    session: Session, staff: None
) -> None:
    first = _import(session, workbook(*GOOD))
    assert (first.created, first.updated, first.unchanged) == (3, 0, 0)
    again = _import(session, workbook(*GOOD))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert _records(session) == 3
    audited = session.exec(
        select(AuditEvent).where(AuditEvent.action == AuditAction.attendance_import)
    ).all()
    assert [(e.actor, e.subject) for e in audited] == [("boss", "attendance:2026-11")] * 2
    assert audited[1].reason == "考勤.xlsx：新增 0 人，更新 0 人，未变 3 人"
    t02 = session.exec(select(AttendanceRecord).where(AttendanceRecord.present_days == 18)).one()
    assert (t02.leave_days, t02.absent_days, t02.late_times) == (2, 1, 3)
    assert t02.score == pytest.approx(100 * 18 / 21)


def test_a_corrected_file_updates_the_people_it_changes(session: Session, staff: None) -> None:
    _import(session, workbook(*GOOD))
    corrected = (GOOD[0], ("T02", "柜员T02", "2026-11", 21, 20, 1, 0, 1), GOOD[2])
    result = _import(session, workbook(*corrected))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    assert _records(session) == 3


def test_bad_rows_are_each_reported_and_nothing_is_written(session: Session, staff: None) -> None:
    rows = (
        GOOD[0],
        ("T99", None, None, 21, 21, 0, 0, 0),
        ("T02", "李四", None, 21, 21, 0, 0, 0),
        ("T03", None, None, 21, 20, 2, 0, 0),
        (None, None, None, None, None, None, None, None),  # blank rows are skipped
        ("T01", None, None, 21, 21, 0, 0, 0),
        ("", None, None, 21, 21, 0, 0, 0),
        ("T02", None, "2026-10", 21, "二十", 0, 0, 0),
    )
    with pytest.raises(AttendanceRefused) as refused:
        _import(session, workbook(*rows))
    problems = {p.row: p.message for p in refused.value.problems}
    assert problems == {
        3: "工号 T99 不存在",
        4: "姓名“李四”与工号 T02 登记的姓名“柜员T02”不符",
        5: "实际出勤、请假、旷工天数之和（22）超过应出勤天数（21）",
        7: "工号 T01 与第 2 行重复",
        8: "工号为空",
        9: "月份 2026-10 与导入的月份 2026-11 不符",
    }
    assert "6 行有误，未导入任何数据" in refused.value.message
    assert _records(session) == 0
    assert session.exec(select(AuditEvent)).all() == []


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("T01", None, None, 21, -1, 0, 0, 0), "实际出勤天数应为不小于 0 的数字"),
        (("T01", None, None, 21, 20.3, 0, 0, 0), "应以半天为单位"),
        (("T01", None, None, 21, 20, 0, 0, 1.5), "迟到早退次数应为整数"),
        (("T01", None, None, 0, 0, 0, 0, 0), "应出勤天数应在 1 到 31 之间"),
        (("T01", None, None, 21, "二十", 0, 0, 0), "实际出勤天数应为数字"),
    ],
)
def test_numbers_are_checked(session: Session, staff: None, row: tuple, message: str) -> None:
    with pytest.raises(AttendanceRefused) as refused:
        _import(session, workbook(row))
    assert message in refused.value.problems[0].message


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "文件为空"),
        (b"%PDF-1.4 not a workbook", "文件不是 Excel 工作簿"),
        (workbook(("T01", 21), header=("工号", "应出勤天数")), "缺少列：实际出勤天数"),
        (workbook(), "除表头外没有数据行"),
    ],
)
def test_files_that_are_not_attendance_workbooks_are_refused(
    session: Session, staff: None, data: bytes, message: str
) -> None:
    with pytest.raises(AttendanceRefused, match=message):
        _import(session, data)


def test_a_bad_month_is_refused(session: Session, staff: None) -> None:
    with pytest.raises(Exception, match="考勤月份格式不正确"):
        _import(session, workbook(*GOOD), month="2026-13")


@pytest.fixture
def weighted(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    weights = {"CALLBACK": "0.4", "INSPECTION": "0.3", "RECTIFICATION": "0.2", "ATTENDANCE": "0.1"}
    for name, value in weights.items():
        monkeypatch.setenv(f"HUIFANG_APPRAISAL_WEIGHT_{name}", value)
    get_scoring_settings.cache_clear()
    yield
    get_scoring_settings.cache_clear()


def test_the_appraisal_shows_each_outlets_attendance(session: Session, staff: None) -> None:
    _import(session, workbook(*GOOD))
    rows = {r.subject.code: r for r in outlet_appraisals(session, period=parse_period("2026-Q4"))}
    wd01 = rows["WD01"].attendance
    assert wd01 is not None and wd01.people == 2 and wd01.late_times == 3
    assert wd01.score == pytest.approx((100 + 100 * 18 / 21) / 2)
    part = rows["WD01"].result.part("attendance")
    assert part.score == pytest.approx(wd01.score) and part.weight == 0  # shown, not weighed
    assert rows["WD02"].result.part("attendance").score == pytest.approx(100 * 20.5 / 21)


def test_weighted_attendance_enters_the_composite(
    session: Session, staff: None, weighted: None
) -> None:
    _import(session, workbook(*GOOD))
    (wd02,) = [
        r
        for r in outlet_appraisals(session, period=parse_period("2026-11"))
        if r.subject.code == "WD02"
    ]
    # No callbacks, no inspection: attendance is the only part, so it is the whole composite.
    assert wd02.result.value == pytest.approx(100 * 20.5 / 21)
    assert wd02.result.part("attendance").effective_weight == pytest.approx(1.0)


def test_what_if_weights_may_name_attendance() -> None:
    assert parse_weights("callback=0.5,inspection=0.3,rectification=0.2") == {
        "callback": 0.5,
        "inspection": 0.3,
        "rectification": 0.2,
        "attendance": 0.0,
    }
    weights = parse_weights("callback=0.4,inspection=0.3,rectification=0.2,attendance=0.1")
    assert weights is not None and weights["attendance"] == 0.1
