"""The sign-in form in a real browser (Debian's chromium): CSRF token, cookie and landing page."""

from tests.browser import Browsing
from tests.conftest import Bind, make_user


def test_a_manager_signs_in_through_the_form_and_lands_on_the_dashboard(
    browsing: Browsing, engine: Bind
) -> None:
    password = make_user(engine, username="boss", role="manager")
    browsing.open("/login")
    browsing.shoot("login")
    browsing.page.fill("input[name=username]", "boss")
    browsing.page.fill("input[name=password]", "wrong-password")
    browsing.page.click("button[type=submit]")
    assert "用户名或密码错误" in browsing.page.inner_text("body")
    browsing.sign_in("boss", password)
    assert browsing.page.url.endswith("/dashboard")
    browsing.shoot("dashboard")
    cookies = {c["name"]: c for c in browsing.page.context.cookies()}
    assert cookies["huifang_token"]["httpOnly"] and cookies["huifang_token"]["sameSite"] == "Strict"
    assert cookies["huifang_csrf"]["httpOnly"]
    assert all(shot.stat().st_size > 1000 for shot in browsing.shots)
