"""The public HTTP contract of the skeleton: auth, bad input, forged webhooks."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select
from twilio.request_validator import RequestValidator

from callbacks.models import CallAttempt, CallbackTask, SurveyAnswer
from core_ledger.journal.models import Posting
from ivr.config import get_ivr_settings
from tests.conftest import Bind, link_staff, make_user
from tests.core_ledger.conftest import documents_json


@pytest.fixture
def auth(client: TestClient, engine: Bind) -> dict[str, str]:
    password = make_user(engine, username="teller1", role="teller")
    answer = client.post("/api/auth/token", data={"username": "teller1", "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _bearer(client: TestClient, engine: Bind, *, username: str, role: str) -> dict[str, str]:
    password = make_user(engine, username=username, role=role)
    answer = client.post("/api/auth/token", data={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _setup(client: TestClient, auth: dict[str, str], engine: Bind) -> str:
    """An outlet and its teller (only an admin creates them), then a depositor at the counter."""
    admin = _bearer(client, engine, username="root", role="admin")
    client.post("/api/ledger/outlets", json={"code": "WD01", "name": "城东网点"}, headers=admin)
    client.post(
        "/api/ledger/staff",
        json={"code": "T01", "name": "李娜", "outlet_code": "WD01", "phone": "13900001111"},
        headers=admin,
    )
    link_staff(engine, username="teller1", staff_code="T01")  # teller1 signs in as 李娜
    answer = client.post(
        "/api/ledger/depositors",
        json={"id_number": "11010519491231002X", "name": "王芳", "phone": "138 1234 5678"},
        headers=auth,
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["phone_masked"] == "138****5678"
    return str(answer.json()["account_no"])


def test_api_routes_need_a_token(client: TestClient, engine: Bind) -> None:
    answer = client.get("/api/rankings/outlets", params={"period": "2026-11"})
    assert answer.status_code == 401
    assert "令牌" in answer.json()["detail"]


def test_wrong_password_gets_401(client: TestClient, engine: Bind) -> None:
    make_user(engine, username="op", role="operator")
    answer = client.post("/api/auth/token", data={"username": "op", "password": "wrong-one"})
    assert answer.status_code == 401


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"outlet_code": "NOPE"}, 403, "不能记在网点 NOPE"),
        ({"amount_fen": -5}, 422, "金额必须大于 0"),
        ({"amount_fen": 0}, 422, "金额必须大于 0"),
        ({"teller_code": "T99"}, 403, "不能以柜员 T99 的名义办理"),
        ({"account_no": "000"}, 404, "找不到公积金账号"),
        ({"amount_fen": 10**8}, 409, "超过账户余额"),  # above the balance, below the ceiling
    ],
)
def test_bad_withdrawals_get_a_clear_4xx_and_post_nothing(
    client: TestClient,
    auth: dict[str, str],
    engine: Bind,
    change: dict[str, Any],
    status: int,
    words: str,
) -> None:
    account_no = _setup(client, auth, engine)
    body = {
        "account_no": account_no,
        "amount_fen": 100,
        "outlet_code": "WD01",
        "teller_code": "T01",
        "idempotency_key": "k1",
        "documents": documents_json(),
        **change,
    }
    answer = client.post("/api/ledger/withdrawals", json=body, headers=auth)
    assert answer.status_code == status, answer.text
    assert words in answer.json()["detail"]
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Posting)).one() == 0


@pytest.mark.parametrize("phone", ["12345", "phone", "+86 123"])
def test_malformed_phone_is_refused(client: TestClient, auth: dict[str, str], phone: str) -> None:
    answer = client.post(
        "/api/ledger/depositors",
        json={"id_number": "11010519491231002X", "name": "王芳", "phone": phone},
        headers=auth,
    )
    assert answer.status_code == 422
    assert "手机号码格式不正确" in answer.json()["detail"]


def test_bad_period_is_refused(client: TestClient, engine: Bind) -> None:
    password = make_user(engine, username="boss", role="manager")
    token = client.post("/api/auth/token", data={"username": "boss", "password": password})
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    answer = client.get("/api/rankings/outlets", params={"period": "2026-13"}, headers=headers)
    assert answer.status_code == 422


def _a_task_with_an_attempt(client: TestClient, auth: dict[str, str], engine: Bind) -> int:
    from callbacks.relay import relay_outbox
    from callbacks.service import begin_attempt

    account_no = _setup(client, auth, engine)
    client.post(
        "/api/ledger/remittances",
        json={
            "account_no": account_no,
            "amount_fen": 5000,
            "month": "2026-10",
            "idempotency_key": "r1",
        },
        headers=auth,
    )
    posted = client.post(
        "/api/ledger/withdrawals",
        json={
            "account_no": account_no,
            "amount_fen": 100,
            "outlet_code": "WD01",
            "teller_code": "T01",
            "idempotency_key": "w1",
            "documents": documents_json(),
        },
        headers=auth,
    )
    assert posted.status_code == 201, posted.text
    with Session(engine) as session:
        relay_outbox(session)
        task = session.exec(select(CallbackTask)).one()
        attempt = begin_attempt(session, task_id=task.id or 0, attempt_no=1)
        assert attempt is not None
        session.commit()
        return attempt.id or 0


@pytest.mark.parametrize("signature", [None, "", "forged==", "WRONG"])
def test_forged_or_missing_signature_gets_403_and_changes_nothing(
    client: TestClient, auth: dict[str, str], engine: Bind, signature: str | None
) -> None:
    attempt_id = _a_task_with_an_attempt(client, auth, engine)
    path = f"/twilio/voice/answer?attempt={attempt_id}&q=attitude&try=0"
    headers = {} if signature is None else {"X-Twilio-Signature": signature}
    answer = client.post(path, data={"Digits": "1", "CallSid": "CA1"}, headers=headers)
    assert answer.status_code == 403
    status = client.post(
        f"/twilio/voice/status?attempt={attempt_id}",
        data={"CallStatus": "completed", "SequenceNumber": "3"},
        headers=headers,
    )
    assert status.status_code == 403
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(SurveyAnswer)).one() == 0
        assert session.get(CallAttempt, attempt_id).status == "placing"  # type: ignore[union-attr]


def test_a_correctly_signed_answer_is_kept_once(
    client: TestClient, auth: dict[str, str], engine: Bind
) -> None:
    attempt_id = _a_task_with_an_attempt(client, auth, engine)
    settings = get_ivr_settings()
    path = f"/twilio/voice/answer?attempt={attempt_id}&q=attitude&try=0"
    params = {"Digits": "1", "CallSid": "CA1"}
    signature = RequestValidator(settings.twilio_auth_token).compute_signature(
        settings.webhook_url(path), params
    )
    first = client.post(path, data=params, headers={"X-Twilio-Signature": signature})
    again = client.post(path, data=params, headers={"X-Twilio-Signature": signature})
    assert first.status_code == again.status_code == 200
    assert first.text == again.text
    with Session(engine) as session:
        answers = session.exec(select(SurveyAnswer)).all()
    assert [(a.question, a.value) for a in answers] == [("attitude", "very_satisfied")]
