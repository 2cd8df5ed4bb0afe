"""Who may open a page: no sign-in goes to /login, a wrong role gets 403, an outage an error."""

import pytest
from fastapi.testclient import TestClient

from huifang.app import create_app
from huifang.settings import clear_caches
from kernel.auth import TOKEN_COOKIE
from tests.conftest import Bind, make_user

PAGES = ["/", "/rankings", "/rankings/alerts", "/exceptions", "/exceptions/1", "/callbacks/metrics"]


def sign_in(client: TestClient, engine: Bind, role: str) -> None:
    password = make_user(engine, username=f"page-{role}", role=role)
    form = {"username": f"page-{role}", "password": password}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303


@pytest.mark.parametrize("path", PAGES)
def test_a_page_sends_whoever_is_not_signed_in_to_the_sign_in_form(
    client: TestClient, path: str
) -> None:
    answer = client.get(path, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/login")


def test_a_stale_cookie_counts_as_not_signed_in(client: TestClient) -> None:
    client.cookies.set(TOKEN_COOKIE, "expired-or-made-up")
    answer = client.post("/exceptions/1/claim", follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/login")


@pytest.mark.parametrize("path", ["/rankings", "/exceptions", "/callbacks/metrics"])
def test_a_teller_gets_a_page_that_says_their_role_may_not_see_it(
    client: TestClient, engine: Bind, path: str
) -> None:
    sign_in(client, engine, "teller")
    answer = client.get(path)
    assert answer.status_code == 403
    assert "当前账号（柜员）无权查看此页面" in answer.text
    assert "page-teller" in answer.text  # still shown as signed in


def test_an_inspector_reads_rankings_but_not_the_exception_queue(
    client: TestClient, engine: Bind
) -> None:
    sign_in(client, engine, "inspector")
    assert client.get("/rankings").status_code == 200
    assert client.get("/exceptions").status_code == 403
    assert client.get("/callbacks/metrics").status_code == 403


def test_an_admin_passes_every_page_check(client: TestClient, engine: Bind) -> None:
    sign_in(client, engine, "admin")
    for path in ("/rankings", "/exceptions", "/callbacks/metrics"):
        assert client.get(path).status_code == 200, path


def test_a_database_outage_is_an_error_not_a_sign_in_form(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUIFANG_DATABASE_URL", "postgresql://nobody@127.0.0.1:9/nowhere")
    clear_caches()
    try:
        with TestClient(create_app()) as client:
            client.cookies.set(TOKEN_COOKIE, "a-token-that-must-be-looked-up")
            page = client.get("/rankings", follow_redirects=False)
        # A 503 saying the database is unavailable (retry later), never a redirect to sign in.
        assert page.status_code == 503 and "location" not in page.headers
        assert "数据库暂时不可用" in page.json()["detail"]
    finally:
        monkeypatch.undo()
        clear_caches()
