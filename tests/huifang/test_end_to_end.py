"""One withdrawal becomes an answered phone callback and a ranked outlet, on real parts."""

import os
import subprocess
import sys
import time
from collections.abc import Callable

import httpx
import pytest
from sqlmodel import Session, func, select

from callbacks.models import CallAttempt, CallbackTask, SurveyAnswer, TaskEvent, TaskStatus
from core_ledger.journal.models import Posting
from kernel.clock import utcnow
from kernel.periods import month_of
from tests.conftest import Bind, Stack, make_user
from tests.core_ledger.conftest import documents_json

# The app serves from its own threads and the worker runs as a subprocess: committed data.
pytestmark = pytest.mark.committed

PHONE = "13812345678"


def _token(base: str, engine: Bind) -> dict[str, str]:
    password = make_user(engine)
    answer = httpx.post(f"{base}/api/auth/token", data={"username": "admin", "password": password})
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _seed_outlet_and_depositor(base: str, auth: dict[str, str]) -> str:
    for path, body in [
        ("/api/ledger/outlets", {"code": "WD01", "name": "城东网点"}),
        (
            "/api/ledger/staff",
            {"code": "T01", "name": "李娜", "outlet_code": "WD01", "phone": "13900001111"},
        ),
    ]:
        httpx.post(base + path, json=body, headers=auth).raise_for_status()
    depositor = httpx.post(
        f"{base}/api/ledger/depositors",
        json={"id_number": "11010519491231002X", "name": "王芳", "phone": PHONE},
        headers=auth,
    )
    depositor.raise_for_status()
    account_no = str(depositor.json()["account_no"])
    credit = {
        "account_no": account_no,
        "amount_fen": 5_000_000,
        "month": "2026-10",
        "idempotency_key": "remit-1",
    }
    httpx.post(f"{base}/api/ledger/remittances", json=credit, headers=auth).raise_for_status()
    return account_no


def _run_worker_burst() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "huifang", "worker", "--burst"],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def _wait_for(engine: Bind, predicate: Callable[[Session], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Session(engine) as session:
            if predicate(session):
                return
        time.sleep(0.1)
    with Session(engine) as session:
        state = [
            (
                t.status,
                t.attempts_made,
                [
                    (e.to_status, e.note)
                    for e in session.exec(select(TaskEvent).where(TaskEvent.task_id == t.id))
                ],
            )
            for t in session.exec(select(CallbackTask))
        ]
        attempts = [
            (a.status, a.provider_sid, a.answered_by) for a in session.exec(select(CallAttempt))
        ]
    raise AssertionError(f"condition not reached in time: {state} {attempts}")


def test_withdrawal_is_called_back_and_moves_the_outlet_score(stack: Stack, engine: Bind) -> None:
    auth = _token(stack.app_url, engine)
    account_no = _seed_outlet_and_depositor(stack.app_url, auth)
    stack.emulator(
        "PUT",
        f"/_emulator/people/+86{PHONE}",
        json={"answer": "human", "inputs": ["1", "1", "2", "1", "1"]},  # 是本人, then answers
    )
    period = month_of(utcnow())
    before = httpx.get(
        f"{stack.app_url}/api/rankings/outlets", params={"period": period}, headers=auth
    ).json()
    assert before == []

    withdrawal = {
        "account_no": account_no,
        "amount_fen": 1_200_000,
        "outlet_code": "WD01",
        "teller_code": "T01",
        "idempotency_key": "wd-1",
        "documents": documents_json(),
    }
    posted = httpx.post(f"{stack.app_url}/api/ledger/withdrawals", json=withdrawal, headers=auth)
    assert posted.status_code == 201, posted.text
    assert posted.json()["balance_fen"] == 3_800_000

    _run_worker_burst()
    stack.wait_idle()
    _wait_for(engine, lambda s: s.exec(select(CallbackTask)).one().status == TaskStatus.completed)

    with Session(engine) as session:
        answers = {a.question: a.value for a in session.exec(select(SurveyAnswer))}
    assert answers == {
        "attitude": "very_satisfied",
        "efficiency": "satisfied",
        "repeat_trip": "no",
        "favour_asked": "no",
    }
    # The call asked for 王女士 (her resident ID's 17th digit is even), never her full name.
    with Session(engine) as session:
        sid = session.exec(select(CallAttempt.provider_sid)).one()
    transcript = stack.emulator("GET", f"/_emulator/calls/{sid}/transcript")
    assert isinstance(transcript, dict)
    said = "".join(str(step.get("text", "")) for step in transcript["steps"])
    assert "请问您是王女士本人吗？" in said and "王芳" not in said
    after = httpx.get(
        f"{stack.app_url}/api/rankings/outlets", params={"period": period}, headers=auth
    ).json()
    assert [(r["outlet_code"], r["score"], r["answers"], r["rank"]) for r in after] == [
        ("WD01", 90.0, 1, 1)  # (100 for 非常满意 + 80 for 满意) / 2
    ]


def test_same_idempotency_key_gives_one_posting_and_one_callback(
    stack: Stack, engine: Bind
) -> None:
    auth = _token(stack.app_url, engine)
    account_no = _seed_outlet_and_depositor(stack.app_url, auth)
    stack.emulator(
        "PUT",
        f"/_emulator/people/+86{PHONE}",
        json={"answer": "human", "inputs": ["1", "2", "2", "1", "1"]},
    )
    body = {
        "account_no": account_no,
        "amount_fen": 100_000,
        "outlet_code": "WD01",
        "teller_code": "T01",
        "idempotency_key": "same-key",
        "documents": documents_json(),
    }
    first = httpx.post(f"{stack.app_url}/api/ledger/withdrawals", json=body, headers=auth)
    second = httpx.post(f"{stack.app_url}/api/ledger/withdrawals", json=body, headers=auth)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    conflict = httpx.post(
        f"{stack.app_url}/api/ledger/withdrawals",
        json={**body, "amount_fen": 200_000},
        headers=auth,
    )
    assert conflict.status_code == 409

    _run_worker_burst()
    stack.wait_idle()
    _run_worker_burst()
    with Session(engine) as session:
        withdrawals = session.exec(select(func.count()).where(Posting.kind == "withdrawal")).one()
        tasks = session.exec(select(func.count()).select_from(CallbackTask)).one()
    assert (withdrawals, tasks) == (1, 1)
