"""`POST /api/ledger/feed` for the core system's machine account, and nobody else."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from core_ledger.feed.models import FeedRecord
from core_ledger.outbox.models import OutboxEvent
from kernel.audit import AuditEvent
from tests.conftest import Bind, make_user
from tests.core_ledger.conftest import Centre
from tests.core_ledger.feed.support import record


def _login(client: TestClient, engine: Bind, username: str, role: str) -> dict[str, str]:
    password = make_user(engine, username=username, role=role)
    answer = client.post("/api/auth/token", data={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.fixture
def core(client: TestClient, engine: Bind, committed_centre: Centre) -> dict[str, str]:
    return _login(client, engine, "core-system", "core_system")


def _count(engine: Bind, model: Any) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def test_only_the_core_system_may_feed(
    client: TestClient, engine: Bind, committed_centre: Centre
) -> None:
    body = {"records": [record()]}
    assert client.post("/api/ledger/feed", json=body).status_code == 401
    teller = _login(client, engine, "teller1", "teller")
    refused = client.post("/api/ledger/feed", json=body, headers=teller)
    assert refused.status_code == 403 and "柜员" in refused.json()["detail"]
    assert _count(engine, FeedRecord) == 0


def test_a_batch_then_the_same_batch_again(
    client: TestClient, engine: Bind, core: dict[str, str]
) -> None:
    body = {"source": "core", "records": [record(), record(no="WD-2")]}
    first = client.post("/api/ledger/feed", json=body, headers=core)
    assert first.status_code == 200, first.text
    assert first.json() == {
        "total": 2,
        "created": 2,
        "unchanged": 0,
        "written": True,
        "message": "共 2 条：新增 2 条，已收到过 0 条（未更改）",
    }
    again = client.post("/api/ledger/feed", json=body, headers=core)
    assert again.status_code == 200
    assert again.json()["message"] == "共 2 条，均已收到过，未作任何更改"
    assert _count(engine, FeedRecord) == 2 and _count(engine, OutboxEvent) == 2
    with Session(engine) as session:
        assert {r.received_by for r in session.exec(select(FeedRecord))} == {"core-system"}
        audit = session.exec(select(AuditEvent)).all()
    # Who brought personal data in, once per batch that wrote something.
    assert [(a.actor, a.action, a.subject) for a in audit] == [
        ("core-system", "feed_batch", "feed:core")
    ]


def test_bad_rows_are_listed_and_nothing_is_written(
    client: TestClient, engine: Bind, core: dict[str, str]
) -> None:
    body = {"records": [record(), record(no="B", phone="12345", outlet_code="")]}
    answer = client.post("/api/ledger/feed", json=body, headers=core)
    assert answer.status_code == 422
    problems = answer.json()["problems"]
    assert [(p["row"], p["field"], p["field_zh"]) for p in problems] == [
        (2, "outlet_code", "网点编号"),
        (2, "phone", "手机号码"),
    ]
    assert problems[0]["reason"] == "缺少网点编号"
    assert "整批未写入" in answer.json()["detail"]
    assert _count(engine, FeedRecord) == 0


def test_a_conflicting_re_send_is_a_409(
    client: TestClient, engine: Bind, core: dict[str, str]
) -> None:
    assert client.post("/api/ledger/feed", json={"records": [record()]}, headers=core).is_success
    changed = client.post("/api/ledger/feed", json={"records": [record(name="李四")]}, headers=core)
    assert changed.status_code == 409
    assert "姓名不同" in changed.json()["problems"][0]["reason"]
    assert _count(engine, FeedRecord) == 1


def test_a_malformed_batch_gets_a_chinese_4xx(
    client: TestClient, engine: Bind, core: dict[str, str]
) -> None:
    empty = client.post("/api/ledger/feed", json={}, headers=core)
    assert empty.status_code == 422 and empty.json()["detail"] == "没有收到任何业务记录"
    odd = client.post("/api/ledger/feed", json={"records": [record(), "TQ-2"]}, headers=core)
    assert odd.status_code == 422
    assert odd.json()["problems"][0]["row"] == 2
    assert "JSON 对象" in odd.json()["problems"][0]["reason"]
    assert _count(engine, FeedRecord) == 0


def test_the_core_system_reads_back_what_was_received(
    client: TestClient, engine: Bind, core: dict[str, str]
) -> None:
    sent = record(kind="loan", ground="", project_code="LP01")
    assert client.post("/api/ledger/feed", json={"records": [sent]}, headers=core).is_success
    found = client.get("/api/ledger/feed/core/WD-1", headers=core)
    assert found.status_code == 200, found.text
    shown = found.json()
    assert (shown["kind"], shown["project_code"], shown["outlet_code"]) == ("loan", "LP01", "WD01")
    assert shown["phone_masked"] == "136****0001" and sent["id_number"] not in found.text
    missing = client.get("/api/ledger/feed/core/NOPE", headers=core)
    assert missing.status_code == 404 and "尚未收到" in missing.json()["detail"]
    teller = _login(client, engine, "teller2", "teller")
    assert client.get("/api/ledger/feed/core/WD-1", headers=teller).status_code == 403
