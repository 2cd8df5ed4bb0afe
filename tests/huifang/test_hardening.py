"""What a security pass sent at the API: each is a clear 4xx, never a 500, and nothing stored."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DataError, StatementError
from sqlmodel import Session, select

from core_ledger.org.models import Outlet
from kernel.db import make_engine
from kernel.errors import Invalid
from kernel.periods import parse_month
from kernel.redact import redact
from tests.conftest import ON_SQLITE, Bind, make_user


def _bearer(client: TestClient, engine: Bind, role: str) -> dict[str, str]:
    password = make_user(engine, username=f"h-{role}", role=role)
    token = client.post("/api/auth/token", data={"username": f"h-{role}", "password": password})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def test_a_body_over_the_limit_is_refused_before_it_is_read(client: TestClient) -> None:
    huge = b"a" * (21 * 1024 * 1024)
    response = client.post(
        "/api/auth/token",
        content=huge,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413


@pytest.mark.skipif(ON_SQLITE, reason="PostgreSQL refuses NUL in text; SQLite stores it")
def test_nul_bytes_at_sign_in_are_a_4xx(client: TestClient, engine: Bind) -> None:
    api = client.post("/api/auth/token", data={"username": "ad\x00min", "password": "x"})
    assert 400 <= api.status_code < 500, api.text
    page = client.post("/login", data={"username": "ad\x00min", "password": "x"})
    assert 400 <= page.status_code < 500 or page.status_code in (200, 303), page.text
    assert page.status_code != 500


@pytest.mark.skipif(ON_SQLITE, reason="ids past 32 bits overflow PostgreSQL's integer")
def test_an_id_past_32_bits_is_a_4xx(client: TestClient, engine: Bind) -> None:
    headers = _bearer(client, engine, "operator")
    response = client.get(f"/api/callbacks/exceptions/{2**40}", headers=headers)
    assert 400 <= response.status_code < 500, response.text


def test_unstorable_text_is_a_422_and_nothing_is_written(client: TestClient, engine: Bind) -> None:
    headers = _bearer(client, engine, "admin")
    surrogate = client.post(
        "/api/ledger/outlets",
        content='{"code": "WD77", "name": "城东\\ud800网点"}',
        headers={**headers, "Content-Type": "application/json"},
    )
    assert surrogate.status_code == 422, surrogate.text
    assert "无效字符" in surrogate.json()["detail"]
    if not ON_SQLITE:
        nul = client.post(
            "/api/ledger/outlets", json={"code": "WD78", "name": "城东\x00网点"}, headers=headers
        )
        assert nul.status_code == 422, nul.text
    with Session(engine) as session:
        assert session.exec(select(Outlet).where(Outlet.code.in_(["WD77", "WD78"]))).all() == []  # type: ignore[attr-defined]


@pytest.mark.skipif(ON_SQLITE, reason="the parameters of a PostgreSQL error")
def test_database_errors_never_carry_their_parameters(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection, pytest.raises((DataError, StatementError)) as raised:
            connection.execute(text("select cast(:phone as integer)"), {"phone": "+8613912345678"})
    finally:
        engine.dispose()
    message = str(raised.value)
    assert "parameters hidden" in message and "[parameters:" not in message
    # PostgreSQL quotes a refused value in its own message: the log mask takes it out.
    assert "13912345678" not in redact(message)


@pytest.mark.parametrize("period", ["0001-01", "9999-12", "0000-Q1", "3000"])
def test_a_period_out_of_range_is_a_422(client: TestClient, engine: Bind, period: str) -> None:
    headers = _bearer(client, engine, "manager")
    response = client.get("/api/rankings/outlets", params={"period": period}, headers=headers)
    assert response.status_code == 422, response.text
    assert "年份应在 1990–2099 年之间" in response.json()["detail"]
    page = client.get("/callbacks/metrics", params={"period": period})
    assert page.status_code != 500


def test_parse_month_refuses_month_zero_of_year_zero() -> None:
    with pytest.raises(Invalid, match="年份应在"):
        parse_month("0000-01")
    assert parse_month("2026/05") == "2026-05"


def test_the_api_description_names_every_error_shape(client: TestClient, engine: Bind) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]
    operations = [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        if path.startswith("/api/")
        for method, operation in methods.items()
    ]
    assert len(operations) > 20
    for path, method, operation in operations:
        for status in ("401", "403", "404", "409", "413", "422"):
            assert status in operation["responses"], (method, path, status)
    # And the app answers in that shape: a domain 404 and a 409 carry detail and code.
    headers = _bearer(client, engine, "admin")
    missing = client.get("/api/callbacks/exceptions/999999", headers=headers)
    assert missing.status_code == 404 and set(missing.json()) == {"detail", "code"}
    client.post("/api/ledger/outlets", json={"code": "WD55", "name": "甲"}, headers=headers)
    twice = client.post("/api/ledger/outlets", json={"code": "WD55", "name": "甲"}, headers=headers)
    assert twice.status_code == 409 and set(twice.json()) == {"detail", "code"}


def test_the_frameworks_own_refusals_are_said_in_chinese(client: TestClient) -> None:
    """An unknown address, a wrong method, a body that cannot be parsed: no English words."""
    page = client.get("/no-such-page", headers={"accept": "text/html"})
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert "页面不存在" in page.text and "Not Found" not in page.text
    api = client.get("/api/no-such-thing", headers={"accept": "text/html"})
    assert api.status_code == 404 and api.json()["code"] == "not_found"
    assert "找不到这个地址" in api.json()["detail"]
    wrong = client.delete("/api/auth/token")
    assert wrong.status_code == 405 and "DELETE" in wrong.json()["detail"]
    assert wrong.headers["allow"]  # what is accepted, as HTTP asks
    broken = client.post(
        "/api/auth/token",
        content=b"--x\r\nContent-Disposition: form-data; name=username\r\n\r\nno end",
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert 400 <= broken.status_code < 500
    assert not any(word in broken.text for word in ("error parsing", "Not Found"))
    # Our own HTTP refusals keep their words.
    token = client.get("/api/callbacks/exceptions")
    assert token.status_code == 401 and "请先登录" in token.json()["detail"]
