"""Admins read the audit log at /audit, in Chinese; nobody else does."""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from kernel.audit import AuditAction, record_audit
from tests.conftest import Bind, make_user


def _sign_in(client: TestClient, engine: Bind, role: str) -> None:
    password = make_user(engine, username=role, role=role)
    client.post("/login", data={"username": role, "password": password}, follow_redirects=False)


def _events(engine: Bind) -> None:
    with Session(engine) as session:
        record_audit(
            session,
            actor="operator",
            action=AuditAction.reveal_phone,
            subject="callback_task:7",
            reason="异常工单 3 人工回访",
        )
        record_audit(
            session,
            actor="cli:root",
            action=AuditAction.erase_person,
            subject="depositor:12",
            reason="本人申请删除 2026-018",
        )
        session.commit()


def test_an_admin_reads_every_audited_act_in_chinese(client: TestClient, engine: Bind) -> None:
    _events(engine)
    _sign_in(client, engine, "admin")
    page = client.get("/audit")
    assert page.status_code == 200
    for shown in (
        "查看完整电话号码",
        "删除（去标识化）个人信息",
        "callback_task:7",
        "本人申请删除",
    ):
        assert shown in page.text
    assert "reveal_phone<" not in page.text and 'href="/audit"' in page.text
    only = client.get("/audit", params={"action": "erase_person"})
    assert "删除（去标识化）个人信息</td>" in only.text and "callback_task:7" not in only.text
    by_actor = client.get("/audit", params={"actor": "operator"})
    assert "callback_task:7" in by_actor.text and "depositor:12" not in by_actor.text
    bad = client.get("/audit", params={"action": "drop_table"})
    assert bad.status_code == 422 and "没有这种操作类型" in bad.text


@pytest.mark.parametrize("role", ["operator", "manager"])
def test_operators_and_managers_cannot_read_it(client: TestClient, engine: Bind, role: str) -> None:
    _events(engine)
    _sign_in(client, engine, role)
    page = client.get("/audit", follow_redirects=False)
    assert page.status_code == 403 and "callback_task:7" not in page.text
    assert 'href="/audit"' not in client.get("/exceptions").text  # not in their nav either
