"""账号管理 and 审计日志: admins create, link, change role, disable; every change in the log."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from core_ledger.org import service as org
from core_ledger.org.models import Staff
from kernel.audit import AuditAction, AuditEvent
from kernel.auth import Role, User
from tests.conftest import Bind, make_user


@pytest.fixture
def outlet_staff(engine: Bind) -> None:
    with Session(engine) as session:
        org.create_outlet(session, code="WD01", name="城东网点")
        org.create_staff(session, code="T01", name="李娜", outlet_code="WD01", phone="13900001111")
        org.create_staff(session, code="T02", name="王强", outlet_code="WD01", phone="13900002222")
        session.commit()


def _sign_in(client: TestClient, username: str, password: str) -> None:
    client.cookies.delete("huifang_token")
    answer = client.post("/login", data={"username": username, "password": password})
    assert client.cookies.get("huifang_token"), answer.text


def _admin(client: TestClient, engine: Bind) -> None:
    _sign_in(client, "root", make_user(engine, username="root", role="admin"))


def _user(engine: Bind, username: str) -> User:
    with Session(engine) as session:
        return session.exec(select(User).where(User.username == username)).one()


def _events(engine: Bind, action: AuditAction) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


@pytest.mark.parametrize("role", ["manager", "operator", "teller", "inspector"])
def test_only_admins_manage_accounts_and_read_the_log(
    client: TestClient, engine: Bind, role: str
) -> None:
    _sign_in(client, f"u-{role}", make_user(engine, username=f"u-{role}", role=role))
    for path in ("/admin/users", "/audit"):
        assert client.get(path).status_code == 403, path
    form = {"username": "sneaky", "role": "admin", "password": "12345678"}
    assert client.post("/admin/users", data=form).status_code == 403
    assert "账号管理" not in client.get("/").text


def test_an_admin_creates_a_teller_linked_to_their_staff_record(
    client: TestClient, engine: Bind, outlet_staff: None
) -> None:
    _admin(client, engine)
    unlinked = client.post(
        "/admin/users", data={"username": "lina", "role": "teller", "password": "lina-pass-1"}
    )
    assert unlinked.status_code == 422 and "柜员账号须关联员工档案" in unlinked.text
    assert 'value="lina"' in unlinked.text  # what was typed is kept
    unknown = client.post(
        "/admin/users",
        data={"username": "lina", "role": "teller", "password": "lina-pass-1", "staff_code": "T9"},
    )
    assert unknown.status_code == 404 and "找不到员工编号 &#39;T9&#39;" in unknown.text
    short = {"username": "lina", "role": "teller", "password": "short", "staff_code": "T01"}
    assert "密码至少需要 8 位" in client.post("/admin/users", data=short).text
    form = {"username": "lina", "role": "teller", "password": "lina-pass-1", "staff_code": "T01"}
    made = client.post("/admin/users", data=form, follow_redirects=False)
    assert made.status_code == 303
    page = client.get(made.headers["location"])
    assert "已创建账号 lina" in page.text and "李娜（T01） · 城东网点" in page.text
    assert _user(engine, "lina").role == Role.teller
    [event] = _events(engine, AuditAction.user_create)
    assert (event.actor, event.subject, event.reason) == (
        "root",
        "user:lina",
        "角色：柜员，关联员工 李娜（T01）",
    )
    again = client.post("/admin/users", data={**form, "username": "lina2"})
    assert again.status_code == 409 and "已关联账号 lina" in again.text
    # The teller signs in as that person and lands on their own results.
    client.cookies.delete("huifang_token")
    landed = client.post("/login", data={"username": "lina", "password": "lina-pass-1"})
    assert landed.url.path == "/my/results"


def test_role_changes_and_links_are_audited_and_take_effect_at_once(
    client: TestClient, engine: Bind, outlet_staff: None
) -> None:
    make_user(engine, username="wang", role="teller", staff_code="T02")
    wang = _user(engine, "wang")
    _admin(client, engine)
    raised = client.post(f"/admin/users/{wang.id}/role", data={"role": "outlet_head"})
    assert raised.status_code == 200 and "已变更 wang 的角色" in raised.text
    assert _user(engine, "wang").role == Role.outlet_head
    [event] = _events(engine, AuditAction.role_change)
    assert event.reason == "柜员 → 网点负责人"
    bad = client.post(f"/admin/users/{wang.id}/role", data={"role": "boss"})
    assert bad.status_code == 422 and "未知角色 &#39;boss&#39;" in bad.text
    unlink = client.post(f"/admin/users/{wang.id}/staff", data={"staff_code": ""})
    assert unlink.status_code == 422 and "网点负责人账号须关联员工档案" in unlink.text
    moved = client.post(f"/admin/users/{wang.id}/staff", data={"staff_code": "T01"})
    assert moved.status_code == 200 and "已更新 wang 关联的员工档案" in moved.text
    with Session(engine) as session:
        t01 = session.exec(select(Staff).where(Staff.code == "T01")).one()
    assert _user(engine, "wang").staff_id == t01.id
    assert [e.reason for e in _events(engine, AuditAction.staff_link)] == ["关联员工 李娜（T01）"]


def test_disabling_an_account_needs_a_reason_and_revokes_its_tokens(
    client: TestClient, engine: Bind, outlet_staff: None
) -> None:
    password = make_user(engine, username="zhou", role="operator")
    token = client.post("/api/auth/token", data={"username": "zhou", "password": password})
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert client.get("/api/callbacks/exceptions", headers=bearer).status_code == 200
    zhou = _user(engine, "zhou")
    _admin(client, engine)
    no_reason = client.post(f"/admin/users/{zhou.id}/active", data={"active": "0"})
    assert no_reason.status_code == 422 and "停用账号须写明原因" in no_reason.text
    off = client.post(f"/admin/users/{zhou.id}/active", data={"active": "0", "reason": "调离"})
    assert "已停用账号 zhou，其登录已全部失效" in off.text and "已停用" in off.text
    assert client.get("/api/callbacks/exceptions", headers=bearer).status_code == 401
    refused = client.post("/api/auth/token", data={"username": "zhou", "password": password})
    assert refused.status_code == 401
    [event] = _events(engine, AuditAction.user_disable)
    assert (event.subject, event.reason) == ("user:zhou", "调离")
    on = client.post(f"/admin/users/{zhou.id}/active", data={"active": "1"})
    assert "已启用账号 zhou" in on.text
    assert client.post(
        "/api/auth/token", data={"username": "zhou", "password": password}
    ).is_success


def test_an_admin_cannot_lock_the_centre_out(client: TestClient, engine: Bind) -> None:
    _admin(client, engine)
    root = _user(engine, "root")
    self_off = client.post(f"/admin/users/{root.id}/active", data={"active": "0", "reason": "x"})
    assert self_off.status_code == 403 and "不能停用自己的管理员账号" in self_off.text
    demote = client.post(f"/admin/users/{root.id}/role", data={"role": "manager"})
    assert demote.status_code == 403 and "不能更改自己的管理员角色" in demote.text
    assert _user(engine, "root").role == Role.admin and _user(engine, "root").is_active


def test_a_password_reset_revokes_the_old_sign_ins(client: TestClient, engine: Bind) -> None:
    password = make_user(engine, username="sun", role="manager")
    token = client.post("/api/auth/token", data={"username": "sun", "password": password})
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    _admin(client, engine)
    sun = _user(engine, "sun")
    reset = client.post(f"/admin/users/{sun.id}/password", data={"password": "brand-new-pass"})
    assert "已重置 sun 的密码" in reset.text
    assert client.get("/api/rankings/outlets?period=2026-02", headers=bearer).status_code == 401
    fresh = client.post("/api/auth/token", data={"username": "sun", "password": "brand-new-pass"})
    assert fresh.is_success
    assert [e.subject for e in _events(engine, AuditAction.password_reset)] == ["user:sun"]


def test_the_audit_log_shows_chinese_labels_and_filters(
    client: TestClient, engine: Bind, outlet_staff: None
) -> None:
    make_user(engine, username="qian", role="operator")
    client.post("/api/auth/token", data={"username": "qian", "password": "wrong-pass"})
    _admin(client, engine)
    qian = _user(engine, "qian")
    client.post(f"/admin/users/{qian.id}/active", data={"active": "0", "reason": "离职"})
    log = client.get("/audit")
    assert log.status_code == 200
    assert "登录失败" in log.text and "停用账号" in log.text and "离职" in log.text
    cells = re.findall(r"<td class=\"l\">([^<]*)</td>", log.text)
    assert "sign_in_failed" not in cells and "user_disable" not in cells  # no raw enum words
    only = client.get("/audit?action=user_disable")
    assert "离职" in only.text and "client:testclient" not in only.text
    by_actor = client.get("/audit?actor=qian")
    assert "client:testclient" in by_actor.text and "离职" not in by_actor.text
    empty = client.get("/audit?since=2020-01-01&until=2020-01-31")
    assert "没有符合条件的记录" in empty.text
    bad = client.get("/audit?since=yesterday")
    assert bad.status_code == 422 and "开始日期应为日期，如 2026-12-01" in bad.text
    backwards = client.get("/audit?since=2026-12-02&until=2026-12-01")
    assert backwards.status_code == 422 and "开始日期不能晚于结束日期" in backwards.text
