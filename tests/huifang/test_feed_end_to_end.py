"""A withdrawal posted in the centre's own core system, fed in, is called back like our own."""

import os
import subprocess
import sys
import time
from datetime import timedelta

import httpx
import pytest
from sqlmodel import Session, select

from callbacks.models import CallbackTask, SurveyAnswer, TaskStatus
from kernel.clock import utcnow
from tests.conftest import Bind, Stack, make_user
from tests.core_ledger.feed.support import ID_1

pytestmark = pytest.mark.committed

PHONE = "13812345679"


def _login(base: str, engine: Bind, username: str, role: str) -> dict[str, str]:
    password = make_user(engine, username=username, role=role)
    answer = httpx.post(f"{base}/api/auth/token", data={"username": username, "password": password})
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_a_fed_withdrawal_is_called_and_answered(stack: Stack, engine: Bind) -> None:
    admin = _login(stack.app_url, engine, "admin", "admin")
    for path, body in [
        ("/api/ledger/outlets", {"code": "WD01", "name": "城东网点"}),
        (
            "/api/ledger/staff",
            {"code": "T01", "name": "李娜", "outlet_code": "WD01", "phone": "13900001111"},
        ),
    ]:
        httpx.post(stack.app_url + path, json=body, headers=admin).raise_for_status()
    core = _login(stack.app_url, engine, "core", "core_system")
    stack.emulator(
        "PUT",
        f"/_emulator/people/+86{PHONE}",
        json={"answer": "human", "inputs": ["1", "1", "1", "1", "1"]},  # 是本人, then answers
    )
    record = {
        "business_no": "TQ-E2E-1",
        "kind": "提取",
        "ground": "rent",
        "occurred_at": (utcnow() - timedelta(minutes=30)).isoformat(),
        "outlet_code": "WD01",
        "teller_code": "T01",
        "name": "张建国",
        "id_number": ID_1,
        "phone": PHONE,
    }
    fed = httpx.post(f"{stack.app_url}/api/ledger/feed", json={"records": [record]}, headers=core)
    assert fed.status_code == 200, fed.text
    again = httpx.post(f"{stack.app_url}/api/ledger/feed", json={"records": [record]}, headers=core)
    assert again.json()["unchanged"] == 1

    result = subprocess.run(
        [sys.executable, "-m", "huifang", "worker", "--burst"],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    stack.wait_idle()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with Session(engine) as session:
            task = session.exec(select(CallbackTask)).one()
            if task.status == TaskStatus.completed:
                break
        time.sleep(0.1)
    assert task.status == TaskStatus.completed, task.status
    assert (task.business_kind, task.phone, task.outlet_name) == (
        "withdrawal",
        f"+86{PHONE}",
        "城东网点",
    )
    with Session(engine) as session:
        answers = {a.question: a.value for a in session.exec(select(SurveyAnswer))}
    assert answers["attitude"] == "very_satisfied"
