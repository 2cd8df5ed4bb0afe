"""After a callback loop and a demo's centre: no whole phone or ID number in the database dump,
in any log line of the app or the worker, or in what the app exports.

The numbers looked for are every number the centre holds, read back through the models (which
open them); the dump is pg_dump's when PostgreSQL is there, else every row of every table the
database has (declared by a model or not).
"""

import io
import logging
import os
import random
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import httpx
import openpyxl
import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from callbacks.models import CallbackTask, TaskStatus
from callbacks.relay import relay_outbox
from core_ledger.accounts.models import Depositor, Unit
from core_ledger.loans.models import Project
from core_ledger.org.models import Staff
from huifang.cli import app
from huifang.demo.seed import seed
from kernel.clock import utcnow
from kernel.crypto import phone_index
from kernel.periods import month_of
from tests.conftest import Bind, Stack, _empty_tables, make_user
from tests.core_ledger.conftest import documents_json
from tests.huifang.test_end_to_end import _wait_for

pytestmark = pytest.mark.committed
ID_NUMBER, PHONE, STAFF_PHONE = "330106198505050772", "13712340011", "13900002222"


def _whole_numbers(engine: Bind) -> set[str]:
    """Every ID number and phone (national digits) the centre holds, opened by the models."""
    with Session(engine) as session:
        found = {d.id_number for d in session.exec(select(Depositor))}
        phones = [
            *(d.phone for d in session.exec(select(Depositor))),
            *(s.phone for s in session.exec(select(Staff))),
            *(u.contact_phone for u in session.exec(select(Unit))),
            *(p.contact_phone for p in session.exec(select(Project))),
            *(t.phone for t in session.exec(select(CallbackTask))),
        ]
    return found | {p.removeprefix("+86") for p in phones if p}


def _dump(engine: Engine, url: str) -> str:
    if engine.dialect.name == "postgresql":
        result = subprocess.run(
            ["pg_dump", "--data-only", "--no-owner", url], capture_output=True, text=True
        )
        if result.returncode == 0:
            return result.stdout
    rows = []
    with engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            rows += [str(tuple(r)) for r in connection.execute(text(f'select * from "{table}"'))]
    return "\n".join(rows)


def _leaks(numbers: Iterable[str], text_: str) -> list[str]:
    return sorted(n for n in numbers if n in text_)


def _seed_and_withdraw(stack: Stack, auth: dict[str, str]) -> None:
    base = stack.app_url
    for path, body in [
        ("/api/ledger/outlets", {"code": "PV01", "name": "隐私测试网点"}),
        (
            "/api/ledger/staff",
            {"code": "PVT01", "name": "李娜", "outlet_code": "PV01", "phone": STAFF_PHONE},
        ),
    ]:
        httpx.post(base + path, json=body, headers=auth).raise_for_status()
    depositor = httpx.post(
        f"{base}/api/ledger/depositors",
        json={"id_number": ID_NUMBER, "name": "王芳", "phone": PHONE},
        headers=auth,
    )
    depositor.raise_for_status()
    assert PHONE not in depositor.text and ID_NUMBER not in depositor.text
    account_no = str(depositor.json()["account_no"])
    credit = {"account_no": account_no, "amount_fen": 5_000_000, "month": "2026-10"}
    httpx.post(
        f"{base}/api/ledger/remittances", json={**credit, "idempotency_key": "r-1"}, headers=auth
    ).raise_for_status()
    stack.emulator(
        "PUT",
        f"/_emulator/people/+86{PHONE}",
        json={"answer": "human", "inputs": ["1", "1", "2", "1", "1"]},
    )
    withdrawal = {
        "account_no": account_no,
        "amount_fen": 1_200_000,
        "outlet_code": "PV01",
        "teller_code": "PVT01",
        "idempotency_key": "wd-1",
        "documents": documents_json(),
    }
    posted = httpx.post(f"{base}/api/ledger/withdrawals", json=withdrawal, headers=auth)
    assert posted.status_code == 201, posted.text


def test_no_whole_number_in_the_dump_the_logs_or_the_exports(
    stack: Stack,
    engine: Bind,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    assert isinstance(engine, Engine)
    _empty_tables(engine)  # a demo-like run from an empty centre, whatever ran before
    caplog.set_level(logging.INFO)
    password = make_user(engine)
    token = httpx.post(
        f"{stack.app_url}/api/auth/token", data={"username": "admin", "password": password}
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    _seed_and_withdraw(stack, auth)
    worker = subprocess.run(
        [sys.executable, "-m", "huifang", "worker", "--burst"],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert worker.returncode == 0, worker.stderr
    stack.wait_idle()
    mine = select(CallbackTask).where(CallbackTask.phone_index == phone_index(f"+86{PHONE}"))
    _wait_for(engine, lambda s: s.exec(mine).one().status == TaskStatus.completed)
    # A demo's centre on top: units, projects, staff, depositors, a month of business.
    with Session(engine) as session:
        seed(session, depositors=30, rng=random.Random(11))
        relay_outbox(session)
        session.commit()

    numbers = _whole_numbers(engine)
    assert {ID_NUMBER, PHONE, STAFF_PHONE} <= numbers and len(numbers) > 40

    dump = _dump(engine, database_url)
    assert "hf1$" in dump  # the dump holds the sealed values…
    assert _leaks(numbers, dump) == []  # …and not one whole number

    # The capture works and masks: a line that names a number whole reaches it masked.
    logging.getLogger("huifang.test").warning("calling %s about %s", f"+86{PHONE}", ID_NUMBER)
    assert "137****0011" in caplog.text and "330106********" in caplog.text
    lines = [caplog.text, worker.stdout, worker.stderr]
    lines += [str(vars(record)) for record in caplog.records]
    assert len(caplog.records) > 0
    assert _leaks(numbers, "\n".join(lines)) == []

    period = month_of(utcnow())
    exported = tmp_path / "rank.xlsx"
    result = CliRunner().invoke(app, ["rank", "--period", period, "--xlsx", str(exported)])
    assert result.exit_code == 0, result.output
    teller = CliRunner().invoke(app, ["rank", "--period", period, "--kind", "teller"])
    cells = [result.output, teller.output]
    for sheet in openpyxl.load_workbook(exported).worksheets:
        cells += [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    with Session(engine) as session:
        task_id = session.exec(mine).one().id
    shown = httpx.get(f"{stack.app_url}/api/callbacks/tasks/{task_id}", headers=auth)
    ranking = httpx.get(
        f"{stack.app_url}/dashboard/export/ranking-teller.xlsx", params={"period": period}
    )
    cells.append(shown.text)
    if ranking.status_code == 200 and ranking.content[:2] == b"PK":
        book = openpyxl.load_workbook(io.BytesIO(ranking.content))
        cells += [str(c.value) for s in book.worksheets for r in s.iter_rows() for c in r]
    assert "137****0011" in shown.text
    assert _leaks(numbers, "\n".join(cells)) == []
