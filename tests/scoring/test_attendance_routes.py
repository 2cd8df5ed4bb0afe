"""The attendance and findings-by-category API: the same verbs and permission table as the pages."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.admin.test_inspection_pages import _history, _outlets
from tests.conftest import Bind, make_user
from tests.scoring.factories import GOOD, outlet, teller, workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _token(client: TestClient, engine: Bind, username: str, role: str) -> dict[str, str]:
    password = make_user(engine, username=username, role=role)
    form = {"username": username, "password": password}
    token = client.post("/api/auth/token", data=form).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_attendance_is_imported_and_read_over_the_api(client: TestClient, engine: Bind) -> None:
    with Session(engine) as session:
        wd01 = outlet(session, "WD01")
        for code in ("T01", "T02", "T03"):
            teller(session, wd01, code)
        session.commit()
    boss = _token(client, engine, "boss", "manager")
    bad = {"file": ("a.xlsx", workbook(GOOD[0], ("T09", None, None, 21, 21, 0, 0, 0)), XLSX)}
    refused = client.post("/api/attendance", data={"month": "2026-11"}, files=bad, headers=boss)
    assert refused.status_code == 422
    assert refused.json()["problems"] == [{"row": 3, "message": "工号 T09 不存在"}]
    good = {"file": ("a.xlsx", workbook(*GOOD), XLSX)}
    done = client.post("/api/attendance", data={"month": "2026-11"}, files=good, headers=boss)
    assert done.status_code == 201
    assert done.json() == {"month": "2026-11", "created": 3, "updated": 0, "unchanged": 0}
    rows = client.get("/api/attendance?month=2026-11", headers=boss).json()
    assert [(r["staff_code"], r["score"]) for r in rows] == [
        ("T01", 100.0),
        ("T02", 85.71),
        ("T03", 97.62),
    ]
    teller_headers = _token(client, engine, "t1", "teller")
    assert client.get("/api/attendance?month=2026-11", headers=teller_headers).status_code == 403


def test_findings_by_category_over_the_api(client: TestClient, engine: Bind) -> None:
    _outlets(engine)
    _history(engine)
    boss = _token(client, engine, "boss", "manager")
    view = client.get("/api/inspections/findings-by-category?period=2026", headers=boss).json()
    assert view["inspected"] == {"2026-Q1": 0, "2026-Q2": 2, "2026-Q3": 3, "2026-Q4": 0}
    appearance = next(c for c in view["categories"] if c["area"] == "appearance")
    assert appearance["label"] == "服务形象" and appearance["common_in"] == ["2026-Q3"]
    assert appearance["outlets"]["2026-Q3"] == 2 and appearance["repeated_at"] == ["城西网点"]
    teller_headers = _token(client, engine, "t1", "teller")
    url = "/api/inspections/findings-by-category?period=2026"
    assert client.get(url, headers=teller_headers).status_code == 403
