"""Evaluations over HTTP: anonymous to every reader, and nobody rates themselves."""

import re
from datetime import timedelta
from io import BytesIO
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from core_ledger.org.service import create_department, create_leader, create_manager
from kernel.clock import utcnow
from kernel.periods import month_of, parse_period
from scoring.evaluations import open_round, register_rater
from tests.conftest import Bind, make_user
from tests.scoring.factories import S, U, V, outlet

CRITERIA = ("attitude", "work_quality", "efficiency")
# Everything that would say who cast a ballot: usernames, the outlet, the manager, the department.
WHO = ("zhao-wd01", "qian-ks1", "sun-m1", "城东网点", "WD01", "李科长", "M1")


def _login(client: TestClient, engine: Bind, username: str, role: str) -> dict[str, str]:
    password = make_user(engine, username=username, role=role)
    answer = client.post("/api/auth/token", data={"username": username, "password": password})
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.fixture
def voters(client: TestClient, engine: Bind) -> dict[str, dict[str, str]]:
    """An outlet, a department and a manager seated as raters, and this month's round open."""
    heads = {
        "outlet": _login(client, engine, "zhao-wd01", "teller"),
        "department": _login(client, engine, "qian-ks1", "manager"),
        "manager": _login(client, engine, "sun-m1", "manager"),
        "leader": _login(client, engine, "zhou-ld1", "manager"),
    }
    with Session(engine) as session:
        outlet(session, "WD01", "城东网点")
        create_department(session, code="KS1", name="归集科")
        create_department(session, code="KS2", name="信贷科")
        create_leader(session, code="LD1", name="周主任", title="主任")
        create_leader(session, code="LD2", name="吴副主任", title="副主任")
        create_manager(session, code="M1", name="李科长", grade="section", department_code="KS2")
        create_manager(session, code="M2", name="周主任", grade="division", leader_code="LD1")
        register_rater(session, username="zhao-wd01", kind="outlet", code="WD01")
        register_rater(session, username="qian-ks1", kind="department", code="KS1")
        register_rater(session, username="sun-m1", kind="manager", code="M1")
        register_rater(session, username="zhou-ld1", kind="manager", code="M2")
        now = utcnow()
        period = parse_period(month_of(now))
        open_round(
            session,
            period=period,
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=3),
        )
        session.commit()
    return heads


def _ballot(
    client: TestClient, headers: dict[str, str], kind: str, code: str, tier: str = S
) -> Any:
    answers = {c: {"tier": tier, "reason": "办理时限过长" if tier == U else None} for c in CRITERIA}
    payload = {
        "period": month_of(utcnow()),
        "subject_kind": kind,
        "subject_code": code,
        "answers": answers,
    }
    return client.post("/api/evaluations/ballots", json=payload, headers=headers)


def test_no_reader_sees_who_cast_a_ballot(
    client: TestClient, engine: Bind, voters: dict[str, dict[str, str]]
) -> None:
    cast = _ballot(client, voters["outlet"], "department", "KS2", U)
    assert cast.status_code == 201, cast.text
    assert set(cast.json()) == {"period", "subject_kind", "subject_code", "cast_at"}  # no id
    for who in ("outlet", "department", "manager"):
        assert _ballot(client, voters[who], "leader", "LD2", V).status_code == 201
    boss = _login(client, engine, "boss", "manager")
    period = month_of(utcnow())
    shown = [
        client.get(f"/api/rankings/{path}", params={"period": period}, headers=boss)
        for path in ("departments", "leaders", "departments/KS2", "leaders/LD2")
    ]
    assert all(answer.status_code == 200 for answer in shown)
    assert shown[2].json()["reasons"][0]["reason"] == "办理时限过长"
    assert shown[3].json()["subject"]["people"] == 3
    texts = [answer.text for answer in shown]
    password = make_user(engine, username="web-boss", role="manager")
    client.post("/login", data={"username": "web-boss", "password": password})
    for path, params in (
        ("/rankings", {"kind": "leader"}),
        ("/rankings", {"kind": "department"}),
        ("/rankings/leader/LD2", {}),
        ("/rankings/department/KS2", {}),
    ):
        page = client.get(path, params={"period": period, **params})
        assert page.status_code == 200
        texts.append(page.text)
    for kind in ("leader", "department"):
        book = client.get("/rankings/export.xlsx", params={"period": period, "kind": kind})
        for sheet in load_workbook(BytesIO(book.content)):
            texts.append(" ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row))
    for text in texts:
        # The page's random CSRF token can spell a short code such as "M1" by chance.
        text = re.sub(r'name="csrf_token" value="[^"]*"', "", text)
        for secret in WHO:
            assert secret not in text
    assert "归集科" not in texts[3] and "归集科" not in texts[6]  # the rater, on LD2's pages


def test_a_department_rater_is_refused_their_own_department_with_a_reason(
    client: TestClient, voters: dict[str, dict[str, str]]
) -> None:
    answer = _ballot(client, voters["department"], "department", "KS1")
    assert answer.status_code == 403
    assert answer.json()["detail"] == "不能对本科室进行测评"


def test_a_leader_in_a_managers_seat_is_refused_every_leader(
    client: TestClient, voters: dict[str, dict[str, str]]
) -> None:
    own = _ballot(client, voters["leader"], "leader", "LD1")
    assert own.status_code == 403 and own.json()["detail"] == "不能对自己进行测评"
    colleague = _ballot(client, voters["leader"], "leader", "LD2")
    assert colleague.status_code == 403
    assert colleague.json()["detail"] == "您是班子成员，不参与对领导班子成员的测评"
    sheet = client.get(
        "/api/evaluations/sheet", params={"period": month_of(utcnow())}, headers=voters["leader"]
    )
    assert sheet.status_code == 200 and sheet.json() == []


def test_a_manager_is_registered_as_a_leader_over_http(
    client: TestClient, engine: Bind, voters: dict[str, dict[str, str]]
) -> None:
    admin = _login(client, engine, "root", "admin")
    body = {"code": "M3", "name": "吴副主任", "grade": "deputy_division", "leader_code": "LD2"}
    assert client.post("/api/org/managers", json=body, headers=admin).status_code == 201
    again = client.post("/api/org/managers", json={**body, "code": "M4"}, headers=admin)
    assert again.status_code == 409 and "已登记为管理人员" in again.json()["detail"]
