"""Every form is protected against cross-site request forgery (kernel.csrf)."""

import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Bind, make_user


@pytest.fixture
def browser_like(client: TestClient) -> TestClient:
    """The app's client without the test suite's CSRF header: a browser, with only its cookies."""
    client.headers.pop("X-CSRF-Token")
    client.cookies.clear()
    return client


def form_token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the form carries no csrf_token field"
    return found.group(1)


def test_the_sign_in_form_carries_the_token_its_cookie_holds(browser_like: TestClient) -> None:
    page = browser_like.get("/login")
    assert form_token(page.text) == page.cookies["huifang_csrf"]
    cookie = page.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    again = browser_like.get("/login")
    assert form_token(again.text) == form_token(page.text)  # one token for the visit
    assert "set-cookie" not in again.headers


def test_a_form_without_the_right_token_is_refused_and_changes_nothing(
    browser_like: TestClient, engine: Bind
) -> None:
    password = make_user(engine, username="wang", role="operator")
    form = {"username": "wang", "password": password}
    refused = browser_like.post("/login", data=form, follow_redirects=False)
    assert refused.status_code == 403 and "刷新页面" in refused.text
    assert "huifang_token" not in refused.cookies
    token = form_token(browser_like.get("/login").text)
    forged = browser_like.post(
        "/login", data={**form, "csrf_token": token + "x"}, follow_redirects=False
    )
    assert forged.status_code == 403
    signed_in = browser_like.post(
        "/login", data={**form, "csrf_token": token}, follow_redirects=False
    )
    assert signed_in.status_code == 303
    session_cookie = signed_in.headers["set-cookie"]
    assert "HttpOnly" in session_cookie and "samesite=strict" in session_cookie.lower()


def test_a_post_from_another_site_is_refused_even_with_the_token(
    browser_like: TestClient, engine: Bind
) -> None:
    password = make_user(engine, username="li", role="manager")
    token = form_token(browser_like.get("/login").text)
    form = {"username": "li", "password": password, "csrf_token": token}
    for origin in ("https://evil.example", "null"):
        foreign = browser_like.post(
            "/login", data=form, headers={"Origin": origin}, follow_redirects=False
        )
        assert foreign.status_code == 403 and "其他网站" in foreign.text
    own = browser_like.post(
        "/login", data=form, headers={"Origin": "http://testserver"}, follow_redirects=False
    )
    assert own.status_code == 303


def test_the_api_and_twilio_s_webhooks_are_not_asked_for_a_form_token(
    browser_like: TestClient, engine: Bind
) -> None:
    password = make_user(engine, username="zhou", role="manager")
    token = browser_like.post("/api/auth/token", data={"username": "zhou", "password": password})
    assert token.status_code == 200
    # A webhook without a token is judged by its Twilio signature, not by CSRF (403 for the
    # missing signature comes from the webhook itself, with its own message).
    webhook = browser_like.post("/twilio/sms/inbound", data={"Body": "1"})
    assert "安全令牌" not in webhook.text
