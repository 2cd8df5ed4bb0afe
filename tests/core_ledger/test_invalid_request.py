"""A request that cannot be read is a 422 in Chinese naming each field, never FastAPI's English."""

from fastapi.testclient import TestClient

from tests.conftest import Bind, make_user
from tests.core_ledger.conftest import Centre


def _bearer(client: TestClient, engine: Bind, role: str) -> dict[str, str]:
    password = make_user(engine, username=f"v-{role}", role=role, staff_code="T01")
    answer = client.post("/api/auth/token", data={"username": f"v-{role}", "password": password})
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_wrong_types_and_missing_fields_are_named_in_chinese(
    client: TestClient, engine: Bind, committed_centre: Centre
) -> None:
    teller = _bearer(client, engine, "teller")
    answer = client.post(
        "/api/ledger/loans/applications",
        json={
            "account_no": committed_centre.accounts[0],
            "amount_fen": "五十万",
            "term_months": 1.5,
        },
        headers=teller,
    )
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert detail.startswith("请求内容有误：") and "请改正后重新提交" in detail
    assert "amount_fen 应为整数（收到 '五十万'）" in detail
    assert "term_months 应为整数" in detail
    assert "project_code 缺少必填项" in detail
    assert "Input should" not in answer.text and "Field required" not in answer.text
    assert {e["loc"][-1] for e in answer.json()["errors"]} >= {"amount_fen", "project_code"}


def test_a_bad_date_and_a_body_that_is_not_json(
    client: TestClient, engine: Bind, committed_centre: Centre
) -> None:
    supervisor = _bearer(client, engine, "supervisor")
    bad_day = client.post(
        "/api/ledger/repayments/run", json={"on": "2026-13-01"}, headers=supervisor
    )
    assert bad_day.status_code == 422
    assert "on 日期格式不正确（应为 YYYY-MM-DD" in bad_day.json()["detail"]
    not_json = client.post(
        "/api/ledger/repayments/run",
        content=b"{not json",
        headers={**supervisor, "Content-Type": "application/json"},
    )
    assert not_json.status_code == 422 and "不是有效的 JSON" in not_json.json()["detail"]
