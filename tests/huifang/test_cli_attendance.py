"""`huifang attendance` as the centre runs it each month: all rows or none, safe to repeat."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from scoring.attendance.models import AttendanceRecord
from tests.conftest import Bind
from tests.scoring.factories import GOOD, outlet, teller, workbook

# The command runs as a subprocess: it sees committed data only.
pytestmark = pytest.mark.committed


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "huifang", "attendance", *args],
        env={**os.environ, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_reports_bad_rows_then_imports_once(engine: Bind, tmp_path: Path) -> None:
    with Session(engine) as session:
        wd01 = outlet(session, "WD01", "城东网点")
        for code in ("T01", "T02", "T03"):
            teller(session, wd01, code)
        session.commit()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook(GOOD[0], ("T09", None, None, 21, 21, 0, 0, 0)))
    refused = _run(str(bad), "--month", "2026-11")
    assert refused.returncode == 1, refused.stderr
    assert (
        "1 行有误，未导入任何数据" in refused.stdout
        and "第 3 行：工号 T09 不存在" in refused.stdout
    )
    good = tmp_path / "good.xlsx"
    good.write_bytes(workbook(*GOOD))
    first = _run(str(good), "--month", "2026-11")
    assert first.returncode == 0 and "新增 3 人，更新 0 人，未变 0 人" in first.stdout
    again = _run(str(good), "--month", "2026-11")
    assert again.returncode == 0 and "新增 0 人，更新 0 人，未变 3 人" in again.stdout
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(AttendanceRecord)).one() == 3
    wrong = _run(str(good), "--month", "2026-13")
    assert wrong.returncode == 1 and "考勤月份格式不正确" in wrong.stdout
