"""The attendance page: a month's workbook imported by a manager, refused row by row, re-imported
without change; the appraisal shows each outlet's attendance."""

from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from scoring.attendance.models import AttendanceRecord
from tests.browser import Browsing
from tests.conftest import Bind, make_user
from tests.scoring.factories import GOOD, outlet, teller, workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BAD = (GOOD[0], ("T99", None, None, 21, 21, 0, 0, 0), ("T02", None, None, 21, 25, 0, 0, 0))


def _staff(engine: Bind) -> None:
    with Session(engine) as session:
        wd01, wd02 = outlet(session, "WD01", "城东网点"), outlet(session, "WD02", "城西网点")
        for code, at in (("T01", wd01), ("T02", wd01), ("T03", wd02)):
            teller(session, at, code)
        session.commit()


def _sign_in(client: TestClient, engine: Bind, username: str, role: str) -> None:
    password = make_user(engine, username=username, role=role)
    form = {"username": username, "password": password}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303


def _records(engine: Bind) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(AttendanceRecord)).one()


def test_a_manager_imports_a_month_and_sees_it(client: TestClient, engine: Bind) -> None:
    _staff(engine)
    _sign_in(client, engine, "boss", "manager")
    files = {"file": ("2026-11考勤.xlsx", workbook(*BAD), XLSX)}
    refused = client.post("/attendance", data={"month": "2026-11"}, files=files)
    assert refused.status_code == 422 and "2 行有误，未导入任何数据" in refused.text
    assert '第 3 行</td><td class="l">工号 T99 不存在' in refused.text
    assert '第 4 行</td><td class="l">实际出勤、请假、旷工天数之和（25）超过应出勤天数（21）' in (
        refused.text
    )
    assert _records(engine) == 0

    files = {"file": ("2026-11考勤.xlsx", workbook(*GOOD), XLSX)}
    done = client.post("/attendance", data={"month": "2026-11"}, files=files)
    assert done.status_code == 200 and "新增 3 人，更新 0 人，未变 0 人" in done.text
    assert "85.7" in done.text and "城东网点" in done.text  # 18 of 21 days
    again = client.post("/attendance", data={"month": "2026-11"}, files=files)
    assert "新增 0 人，更新 0 人，未变 3 人" in again.text and _records(engine) == 3

    appraisal = client.get("/rankings/appraisal?period=2026-11")
    assert appraisal.status_code == 200 and "集中考勤" in appraisal.text
    assert "2 人 · 旷工 1 天 · 迟到早退 3 次 · 仅列出，不计权重" in appraisal.text


def test_only_managers_import_attendance(client: TestClient, engine: Bind) -> None:
    _sign_in(client, engine, "t1", "teller")
    assert client.get("/attendance").status_code == 403
    files = {"file": ("a.xlsx", workbook(*GOOD), XLSX)}
    assert client.post("/attendance", data={"month": "2026-11"}, files=files).status_code == 403


def test_a_manager_imports_attendance_in_the_browser(
    browsing: Browsing, engine: Bind, tmp_path: Path
) -> None:
    _staff(engine)
    password = make_user(engine, username="boss", role="manager")
    (tmp_path / "bad.xlsx").write_bytes(workbook(*BAD))
    (tmp_path / "good.xlsx").write_bytes(workbook(*GOOD))
    browsing.sign_in("boss", password)
    page = browsing.open("/attendance?month=2026-11")
    page.fill("input[name=month]", "2026-11")
    page.set_input_files("input[name=file]", str(tmp_path / "bad.xlsx"))
    page.click("form[action='/attendance'] button[type=submit]")
    page.wait_for_load_state()
    problems = page.locator("#problems").inner_text()
    assert "第 3 行" in problems and "工号 T99 不存在" in problems and "第 4 行" in problems
    browsing.shoot("refused-row-by-row")
    assert _records(engine) == 0

    page.set_input_files("input[name=file]", str(tmp_path / "good.xlsx"))
    page.click("form[action='/attendance'] button[type=submit]")
    page.wait_for_load_state()
    assert "新增 3 人" in page.inner_text("body")
    assert page.locator("#attendance tbody tr").count() == 3
    browsing.shoot("imported")
    page = browsing.open("/rankings/appraisal?period=2026-11")
    assert "集中考勤" in page.inner_text("body")
    browsing.shoot("appraisal")
