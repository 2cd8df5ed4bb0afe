"""账号管理 in a real browser: an admin creates, raises and disables a teller, reads the log."""

from sqlmodel import Session

from core_ledger.org import service as org
from tests.browser import Browsing
from tests.conftest import Bind, make_user


def test_an_admin_manages_a_tellers_account_end_to_end(browsing: Browsing, engine: Bind) -> None:
    with Session(engine) as session:
        org.create_outlet(session, code="WD01", name="城东网点")
        org.create_staff(session, code="T01", name="李娜", outlet_code="WD01", phone="13900001111")
        session.commit()
    password = make_user(engine, username="root", role="admin")
    page = browsing.page
    browsing.sign_in("root", password)
    browsing.open("/admin/users")
    assert "账号管理" in page.inner_text("nav") and "审计日志" in page.inner_text("nav")
    browsing.shoot("users-empty")

    form = page.locator("#create-user")
    form.locator("input[name=username]").fill("lina")
    form.locator("select[name=role]").select_option(label="柜员")
    form.locator("input[name=password]").fill("lina-pass-1")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "柜员账号须关联员工档案" in page.inner_text("[role=alert]")
    assert form.locator("input[name=username]").input_value() == "lina"  # kept
    browsing.shoot("users-refused")
    form.locator("input[name=password]").fill("lina-pass-1")
    form.locator("input[name=staff_code]").fill("T01")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "已创建账号 lina" in page.inner_text("[role=status]")
    row = page.locator("tr", has_text="lina")
    assert "李娜（T01） · 城东网点" in row.inner_text() and "柜员" in row.inner_text()
    browsing.shoot("users-created")

    row.locator("select[name=role]").select_option(label="网点负责人")
    row.get_by_role("button", name="改角色").click()
    page.wait_for_load_state()
    assert "已变更 lina 的角色" in page.inner_text("[role=status]")
    row = page.locator("tr", has_text="lina")
    row.locator("input[name=reason]").fill("调离城东网点")
    row.get_by_role("button", name="停用").click()
    page.wait_for_load_state()
    assert "已停用账号 lina，其登录已全部失效" in page.inner_text("[role=status]")
    assert "已停用" in page.locator("tr", has_text="lina").inner_text()
    browsing.shoot("users-disabled")

    browsing.open("/audit")
    table = page.inner_text("table")
    for shown in ("创建账号", "变更角色", "停用账号", "柜员 → 网点负责人", "调离城东网点"):
        assert shown in table, shown
    page.select_option("select[name=action]", label="停用账号")
    page.get_by_role("button", name="查询").click()
    page.wait_for_load_state()
    assert "调离城东网点" in page.inner_text("table") and "创建账号" not in page.inner_text("table")
    browsing.shoot("audit-filtered")

    # Signed out, the disabled account cannot sign in again.
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()
    assert page.url.endswith("/login")
    page.fill("input[name=username]", "lina")
    page.fill("input[name=password]", "lina-pass-1")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "用户名或密码错误" in page.inner_text("body")
    browsing.shoot("disabled-cannot-sign-in")
    assert all(shot.stat().st_size > 1000 for shot in browsing.shots)
