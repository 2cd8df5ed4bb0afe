"""Signing in and out: throttled guesses, equal timing, revoked tokens, headers, production docs."""

import re
import statistics
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from huifang.app import create_app
from huifang.settings import clear_caches
from kernel.audit import AuditAction, AuditEvent
from kernel.clock import utcnow
from kernel.crypto import get_keyring
from kernel.signin import FAILURE_WINDOW, MAX_CLIENT_FAILURES, MAX_NAME_FAILURES, SignInFailure
from tests.conftest import Bind, make_user


def _token(client: TestClient, username: str, password: str) -> str:
    answer = client.post("/api/auth/token", data={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def test_repeated_failures_throttle_that_name_with_a_chinese_message(
    client: TestClient, engine: Bind
) -> None:
    password = make_user(engine, username="wang", role="operator")
    other = make_user(engine, username="li", role="operator")
    for _ in range(MAX_NAME_FAILURES):
        answer = client.post("/api/auth/token", data={"username": "wang", "password": "guess-1"})
        assert (
            answer.status_code == 401 and answer.json()["detail"] == "用户名或密码错误，请重新输入"
        )
    # Now even the right password is refused until the failures age out.
    throttled = client.post("/api/auth/token", data={"username": "wang", "password": password})
    assert throttled.status_code == 429
    assert "登录失败次数过多，请 15 分钟后再试" in throttled.json()["detail"]
    assert throttled.headers["retry-after"] == str(int(FAILURE_WINDOW.total_seconds()))
    # Someone else, from the same client, is not held up.
    assert client.post("/api/auth/token", data={"username": "li", "password": other}).is_success
    with time_machine.travel(utcnow() + FAILURE_WINDOW + timedelta(seconds=1)):
        answer = client.post("/api/auth/token", data={"username": "wang", "password": password})
        assert answer.status_code == 200
    with Session(engine) as session:
        # A success clears the name's failures; each failure is in the audit log.
        assert (
            session.exec(select(SignInFailure).where(SignInFailure.username == "wang")).all() == []
        )
        failed = session.exec(
            select(AuditEvent).where(AuditEvent.action == AuditAction.sign_in_failed)
        ).all()
        assert len(failed) == MAX_NAME_FAILURES and failed[0].actor == "wang"


def test_one_client_guessing_many_names_is_throttled_too(client: TestClient, engine: Bind) -> None:
    password = make_user(engine, username="zhao", role="manager")
    for n in range(MAX_CLIENT_FAILURES):
        client.post("/api/auth/token", data={"username": f"nobody{n}", "password": "x"})
    answer = client.post("/api/auth/token", data={"username": "zhao", "password": password})
    assert answer.status_code == 429


def test_the_sign_in_page_says_so_too_and_keeps_the_name(client: TestClient, engine: Bind) -> None:
    make_user(engine, username="sun", role="teller")
    for _ in range(MAX_NAME_FAILURES):
        page = client.post("/login", data={"username": "sun", "password": "wrong-pass"})
        assert page.status_code == 401 and "用户名或密码错误" in page.text
    page = client.post("/login", data={"username": "sun", "password": "wrong-pass"})
    assert page.status_code == 429 and "登录失败次数过多" in page.text
    assert 'value="sun"' in page.text


def test_unknown_and_known_names_take_the_same_time(client: TestClient, engine: Bind) -> None:
    make_user(engine, username="qian", role="operator")
    known: list[float] = []
    unknown: list[float] = []
    for n in range(MAX_NAME_FAILURES - 1):
        for name, times in (("qian", known), (f"ghost{n}", unknown)):
            started = time.perf_counter()
            answer = client.post("/api/auth/token", data={"username": name, "password": "nope"})
            times.append(time.perf_counter() - started)
            assert answer.status_code == 401
    ratio = statistics.median(unknown) / statistics.median(known)
    print(
        f"sign-in refusal, median: known {statistics.median(known) * 1000:.0f} ms, "
        f"unknown {statistics.median(unknown) * 1000:.0f} ms, ratio {ratio:.2f}"
    )
    assert 0.6 < ratio < 1.6


def test_signing_out_of_the_api_revokes_the_token(client: TestClient, engine: Bind) -> None:
    password = make_user(engine, username="zhou", role="manager")
    first = _token(client, "zhou", password)
    second = _token(client, "zhou", password)
    for token in (first, second):
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/rankings/outlets?period=2026-02", headers=headers).is_success
    out = client.post("/api/auth/logout", headers={"Authorization": f"Bearer {first}"})
    assert out.json() == {"detail": "已退出登录", "revoked": 1}
    gone = client.get(
        "/api/rankings/outlets?period=2026-02", headers={"Authorization": f"Bearer {first}"}
    )
    assert gone.status_code == 401
    still = {"Authorization": f"Bearer {second}"}
    assert client.get("/api/rankings/outlets?period=2026-02", headers=still).is_success
    everywhere = client.post("/api/auth/logout?everywhere=true", headers=still)
    assert everywhere.json()["revoked"] == 1
    assert client.get("/api/rankings/outlets?period=2026-02", headers=still).status_code == 401


def test_signing_out_of_the_pages_revokes_the_cookie_and_needs_the_csrf_token(
    client: TestClient, engine: Bind
) -> None:
    password = make_user(engine, username="wu", role="manager")
    client.post("/login", data={"username": "wu", "password": password})
    cookie = client.cookies.get("huifang_token")
    assert cookie and client.get("/rankings").status_code == 200
    assert "/logout" in client.get("/rankings").text
    token = client.headers.pop("X-CSRF-Token")
    assert client.post("/logout", follow_redirects=False).status_code == 403  # no CSRF token
    client.headers["X-CSRF-Token"] = token
    out = client.post("/logout", follow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (303, "/login")
    assert client.get("/rankings", follow_redirects=False).headers["location"] == "/login"
    client.cookies.set("huifang_token", cookie)  # the old cookie, replayed, is dead too
    assert client.get("/rankings", follow_redirects=False).status_code == 303


def test_every_answer_carries_the_security_headers(client: TestClient) -> None:
    for path in ("/login", "/api/rankings/outlets?period=2026-02", "/static/dashboard.js"):
        headers = client.get(path).headers
        policy = headers["content-security-policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy, path
        assert "script-src 'self';" in policy
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert headers["x-frame-options"] == "DENY"


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """HUIFANG_ENVIRONMENT=production for one test (with this run's own key ring)."""
    monkeypatch.setenv("HUIFANG_KEYS", get_keyring().to_json())
    monkeypatch.setenv("HUIFANG_ENVIRONMENT", "production")
    clear_caches()
    yield
    monkeypatch.undo()
    clear_caches()


def test_in_production_docs_need_a_sign_in_and_cookies_are_always_secure(
    engine: Bind, production: None
) -> None:
    password = make_user(engine, username="dev", role="operator")
    with TestClient(create_app()) as client:
        assert client.get("/openapi.json").status_code == 401
        docs = client.get("/docs", follow_redirects=False)
        assert (docs.status_code, docs.headers["location"]) == (303, "/login")
        assert client.get("/redoc").status_code == 404
        token = _token(client, "dev", password)
        described = client.get("/openapi.json", headers={"Authorization": f"Bearer {token}"})
        assert described.status_code == 200 and "/api/rankings/outlets" in described.json()["paths"]
        # Plain http here (as behind a proxy that does not say it ended TLS): Secure all the same.
        form = client.get("/login")
        assert "Secure" in form.headers["set-cookie"]
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert csrf is not None
        # A browser would not send a Secure cookie back over http; this client is told to.
        client.cookies.set("huifang_csrf", csrf.group(1))
        signed_in = client.post(
            "/login",
            data={"username": "dev", "password": password, "csrf_token": csrf.group(1)},
            follow_redirects=False,
        )
        cookie = signed_in.headers["set-cookie"]
        assert cookie.startswith("huifang_token=") and "Secure" in cookie and "HttpOnly" in cookie
        assert "SameSite=strict" in cookie
        client.cookies.set("huifang_token", token)
        assert "swagger-ui" in client.get("/docs").text


def test_outside_production_the_docs_are_open(client: TestClient) -> None:
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/docs").status_code == 200
