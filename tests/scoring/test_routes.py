"""The ranking engine over HTTP: roles, drill-down, ballots, inspections, and clear 4xx answers."""

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from core_ledger.org.service import create_department, create_leader
from huifang.settings import clear_caches
from kernel.clock import centre_tz, local_date, utcnow
from kernel.periods import month_of
from scoring.evaluations import register_rater
from tests.conftest import Bind, make_user
from tests.scoring.factories import S, U, V, outlet, rate, teller

NOV = datetime(2026, 11, 10, 10, 0, tzinfo=centre_tz())


def _login(client: TestClient, engine: Bind, username: str, role: str) -> dict[str, str]:
    password = make_user(engine, username=username, role=role)
    answer = client.post("/api/auth/token", data={"username": username, "password": password})
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.fixture
def boss(client: TestClient, engine: Bind) -> dict[str, str]:
    return _login(client, engine, "boss", "manager")


def _ok(answer: Any, status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    return answer.json()


def test_outlet_ranking_keeps_its_public_keys_and_adds_the_method(
    client: TestClient, engine: Bind, boss: dict[str, str]
) -> None:
    with Session(engine) as session:
        a = outlet(session, "WD01", "城东网点")
        rate(session, a, V, S, when=NOV)
        session.commit()
    (row,) = _ok(client.get("/api/rankings/outlets", params={"period": "2026-11"}, headers=boss))
    assert {k: row[k] for k in ("outlet_code", "name", "score", "answers", "rank")} == {
        "outlet_code": "WD01",
        "name": "城东网点",
        "score": 90.0,
        "answers": 1,
        "rank": 1,
    }
    assert row["tier_answers"] == 2 and row["small_sample"] is True
    assert row["interval_low"] < 90.0 <= row["interval_high"]
    assert row["satisfaction_rate"] == 1.0
    quarter = _ok(client.get("/api/rankings/outlets", params={"period": "2026-Q4"}, headers=boss))
    assert quarter[0]["score"] == 90.0


@pytest.mark.parametrize("period", ["2026-13", "11/2026", "2026-Q5", ""])
def test_a_bad_period_is_a_422_with_an_example(
    client: TestClient, boss: dict[str, str], period: str
) -> None:
    answer = client.get("/api/rankings/tellers", params={"period": period}, headers=boss)
    assert answer.status_code == 422
    assert "2026-Q4" in answer.json()["detail"]


def test_drilldown_shows_the_callbacks_behind_a_tellers_score_with_masked_numbers(
    client: TestClient, engine: Bind, boss: dict[str, str]
) -> None:
    with Session(engine) as session:
        a = outlet(session, "WD01")
        t1 = teller(session, a, "T1")
        rate(session, a, V, V, by=t1, when=NOV, phone="+8613812345678")
        rate(session, a, U, S, by=t1, when=NOV, repeat_trip="yes")
        session.commit()
    (row,) = _ok(client.get("/api/rankings/tellers", params={"period": "2026-11"}, headers=boss))
    assert (row["code"], row["score"], row["group"]) == ("T1", 70.0, "WD01网点")
    detail = _ok(client.get("/api/rankings/tellers/T1", params={"period": "2026-11"}, headers=boss))
    assert detail["total"] == 2 and detail["subject"]["score"] == 70.0
    assert {r["phone_masked"] for r in detail["ratings"]} == {"138****5678", None}
    assert "13812345678" not in str(detail)
    missing = client.get("/api/rankings/tellers/T9", params={"period": "2026-11"}, headers=boss)
    assert missing.status_code == 404 and "T9" in missing.json()["detail"]
    flags = _ok(client.get("/api/rankings/red-flags", params={"period": "2026-11"}, headers=boss))
    assert flags["repeat_trips"][0]["repeat_trips"] == 1


def test_tellers_cannot_read_rankings(client: TestClient, engine: Bind) -> None:
    headers = _login(client, engine, "t1", "teller")
    answer = client.get("/api/rankings/outlets", params={"period": "2026-11"}, headers=headers)
    assert answer.status_code == 403


def test_an_operator_clears_a_flag_and_the_answers_count_again(
    client: TestClient, engine: Bind, boss: dict[str, str]
) -> None:
    with Session(engine) as session:
        a = outlet(session, "WD01")
        teller(session, a, "T1", phone="+8613900001111")
        rate(session, a, V, V, when=NOV, phone="+8613900001111")
        session.commit()
    op = _login(client, engine, "op", "operator")
    assert _ok(client.get("/api/rankings/outlets", params={"period": "2026-11"}, headers=op)) == []
    (flag,) = _ok(client.get("/api/rankings/flags", headers=op))
    bad = client.post(f"/api/rankings/flags/{flag['id']}/approve", json={}, headers=op)
    assert bad.status_code == 422
    _ok(
        client.post(
            f"/api/rankings/flags/{flag['id']}/clear", json={"note": "家属代接"}, headers=op
        )
    )
    again = client.post(f"/api/rankings/flags/{flag['id']}/clear", json={}, headers=op)
    assert again.status_code == 409
    (row,) = _ok(client.get("/api/rankings/outlets", params={"period": "2026-11"}, headers=op))
    assert row["score"] == 100.0


def test_ballots_over_http(client: TestClient, engine: Bind, boss: dict[str, str]) -> None:
    rater = _login(client, engine, "wd01", "teller")
    stranger = _login(client, engine, "wd02", "teller")
    with Session(engine) as session:
        outlet(session, "WD01")
        create_department(session, code="KS1", name="归集科")
        create_leader(session, code="LD1", name="张主任", title="主任")
        register_rater(session, username="wd01", kind="outlet", code="WD01")
        session.commit()
    period = month_of(utcnow())
    now = utcnow()
    round_ = {
        "period": period,
        "opens_at": str(now - timedelta(hours=1)),
        "closes_at": str(now + timedelta(days=3)),
    }
    _ok(client.post("/api/evaluations/rounds", json=round_, headers=boss), 201)
    assert client.post("/api/evaluations/rounds", json=round_, headers=boss).status_code == 409

    def ballot(code: str, kind: str = "department", **answers: Any) -> Any:
        body = {"tier": S}
        full = {c: answers.get(c, body) for c in ("attitude", "work_quality", "efficiency")}
        payload = {"period": period, "subject_kind": kind, "subject_code": code, "answers": full}
        return client.post("/api/evaluations/ballots", json=payload, headers=rater)

    unknown = ballot("KS9")
    assert unknown.status_code == 404 and "KS9" in unknown.json()["detail"]
    no_reason = ballot("KS1", efficiency={"tier": U})
    assert no_reason.status_code == 422 and "具体事项或缘由" in no_reason.json()["detail"]
    _ok(ballot("KS1", efficiency={"tier": U, "reason": "退件不说明原因"}), 201)
    assert ballot("KS1").status_code == 409
    past = {"period": "2026-01", "opens_at": "2026-01-25T09:00:00+08:00"}
    past["closes_at"] = "2026-01-30T18:00:00+08:00"
    _ok(client.post("/api/evaluations/rounds", json=past, headers=boss), 201)
    late = client.post(
        "/api/evaluations/ballots",
        json={
            "period": "2026-01",
            "subject_kind": "leader",
            "subject_code": "LD1",
            "answers": {c: {"tier": V} for c in ("attitude", "work_quality", "efficiency")},
        },
        headers=rater,
    )
    assert late.status_code == 409 and "不在测评时间内" in late.json()["detail"]
    sheet = _ok(client.get("/api/evaluations/sheet", params={"period": period}, headers=rater))
    assert [(line["code"], line["done"]) for line in sheet] == [("KS1", True), ("LD1", False)]
    seatless = client.get("/api/evaluations/sheet", params={"period": period}, headers=stranger)
    assert seatless.status_code == 403 and "未登记为测评人" in seatless.json()["detail"]

    detail = _ok(
        client.get("/api/rankings/departments/KS1", params={"period": period}, headers=boss)
    )
    assert detail["reasons"] == [
        {"period": period, "criterion": "efficiency", "reason": "退件不说明原因"}
    ]
    assert "wd01" not in str(detail) and "WD01" not in str(detail)
    (row,) = _ok(client.get("/api/rankings/departments", params={"period": period}, headers=boss))
    assert row["score"] == pytest.approx(160 / 3, abs=0.01)  # 80, 80, 0


def test_inspections_over_http(client: TestClient, engine: Bind, boss: dict[str, str]) -> None:
    inspector = _login(client, engine, "insp", "inspector")
    with Session(engine) as session:
        outlet(session, "WD01")
        session.commit()
    today = local_date(utcnow())
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    body = {
        "outlet_code": "WD01",
        "quarter": quarter,
        "score": 88.5,
        "inspected_on": str(today),
        "firm": "湘评咨询",
        "findings": [{"text": "服务监督牌缺失"}],
    }
    assert client.post("/api/inspections", json=body, headers=boss).status_code == 403
    assert (
        client.post("/api/inspections", json={**body, "score": -1}, headers=inspector).status_code
        == 422
    )
    made = _ok(client.post("/api/inspections", json=body, headers=inspector), 201)
    finding = made["findings"][0]["id"]
    png = b"\x89PNG\r\n\x1a\n" + b"\x01" * 32
    photo = _ok(
        client.post(
            f"/api/inspections/findings/{finding}/photos",
            files={"file": ("大厅.png", png, "image/png")},
            headers=inspector,
        ),
        201,
    )
    assert client.get(photo["url"], headers=boss).content == png
    letter = _ok(
        client.post(
            f"/api/inspections/{made['id']}/letter", json={"issued_on": str(today)}, headers=boss
        ),
        201,
    )
    assert [s["state"] for s in letter["steps"]] == ["pending", "pending", "pending"]
    assert letter["steps"][1]["due_on"] == str(today + timedelta(days=15))
    wrong = client.get(
        "/api/rankings/appraisal",
        params={"period": quarter, "weights": "callback=1,inspection=1,rectification=0"},
        headers=boss,
    )
    assert wrong.status_code == 422 and "之和应为 1" in wrong.json()["detail"]
    (row,) = _ok(client.get("/api/rankings/appraisal", params={"period": quarter}, headers=boss))
    assert row["composite"] == 88.5  # only the inspection is scored yet
    assert row["missing"] == ["callback", "rectification"]
    assert date.fromisoformat(letter["issued_on"]) == today


def test_project_contacts_have_their_own_report_not_the_outlet_ranking(
    client: TestClient,
    engine: Bind,
    boss: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with Session(engine) as session:
        a = outlet(session, "WD01", "城东网点")
        b = outlet(session, "WD02", "城西网点")
        rate(session, a, V, V, when=NOV)  # a borrower
        rate(session, a, U, U, when=NOV, audience="project_contact")
        rate(session, b, V, S, when=NOV, audience="project_contact")
        session.commit()
    month = {"period": "2026-11"}
    ranking = _ok(client.get("/api/rankings/outlets", params=month, headers=boss))
    assert [(r["outlet_code"], r["answers"], r["score"]) for r in ranking] == [("WD01", 1, 100.0)]
    detail = _ok(client.get("/api/rankings/outlets/WD01", params=month, headers=boss))
    assert [line["audience"] for line in detail["ratings"]] == ["depositor"]
    report = _ok(client.get("/api/rankings/project-contacts", params=month, headers=boss))
    assert [(r["outlet_code"], r["answers"], r["score"], r["rank"]) for r in report] == [
        ("WD02", 1, 90.0, 1),
        ("WD01", 1, 0.0, 2),
    ]
    monkeypatch.setenv("HUIFANG_RANK_INCLUDE_PROJECT_CONTACTS", "true")
    clear_caches()
    try:
        ranking = _ok(client.get("/api/rankings/outlets", params=month, headers=boss))
        assert [(r["outlet_code"], r["answers"]) for r in ranking] == [("WD02", 1), ("WD01", 2)]
    finally:
        monkeypatch.delenv("HUIFANG_RANK_INCLUDE_PROJECT_CONTACTS")
        clear_caches()
