"""Separation of duties (maker-checker) over HTTP: money going out needs two people."""

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Bind, make_user
from tests.core_ledger.conftest import Centre


def login(client: TestClient, engine: Bind, username: str, role: str) -> dict[str, str]:
    password = make_user(engine, username=username, role=role)
    answer = client.post("/api/auth/token", data={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.mark.parametrize(
    ("path", "allowed", "label"),
    [
        ("/api/ledger/interest/settlements", "supervisor", "柜员"),
        ("/api/ledger/repayments/run", "supervisor", "柜员"),
        ("/api/ledger/payments/999/settlement", "finance", "柜员"),
        ("/api/ledger/remittances/999/bank-confirmation", "finance", "柜员"),
    ],
)
def test_a_teller_cannot_settle_confirm_or_run_what_belongs_to_finance_or_a_supervisor(
    client: TestClient,
    engine: Bind,
    committed_centre: Centre,
    path: str,
    allowed: str,
    label: str,
) -> None:
    body = {"paid": True, "bank_ref": "B1", "amount_fen": 100, "failure_reason": ""}
    teller = login(client, engine, "teller1", "teller")
    refused = client.post(path, json=body, headers=teller)
    assert refused.status_code == 403
    assert f"当前账号（{label}）无权执行此操作" in refused.json()["detail"]
    other = "finance" if allowed == "supervisor" else "supervisor"
    wrong = client.post(path, json=body, headers=login(client, engine, "x", other))
    assert wrong.status_code == 403
    permitted = client.post(path, json=body, headers=login(client, engine, "y", allowed))
    assert permitted.status_code != 403, permitted.text  # 200, or 404 for the made-up number
