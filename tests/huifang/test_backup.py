"""Backup and restore, rehearsed as docs/operations.md says: pg_dump, pg_restore into a fresh
database, the books balance there, and the callbacks that were waiting resume from it."""

import os
import random
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session, func, select

from callbacks.models import CallbackTask
from core_ledger.outbox.models import OutboxEvent
from huifang.demo.seed import seed
from kernel.db import driver_url
from tests.conftest import ON_SQLITE, Bind

pytestmark = [
    pytest.mark.committed,
    pytest.mark.skipif(ON_SQLITE, reason="a PostgreSQL backup (the SQLite demo has none)"),
]


def _huifang(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HUIFANG_DATABASE_URL": database_url,
        "HUIFANG_ASR": "off",
        # Not real Twilio (nothing is called here): relaying, not calling, is what is checked.
        "HUIFANG_TWILIO_API_BASE_URL": "http://127.0.0.1:9",
        "HUIFANG_CALLBACK_DELAY_MINUTES": str(10 * 365 * 24 * 60),
    }
    return subprocess.run(
        [sys.executable, "-m", "huifang", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(driver_url(url))
    try:
        with engine.connect() as connection:
            tables = connection.execute(
                text("select tablename from pg_tables where schemaname = 'public' order by 1")
            ).scalars()
            return {
                name: int(connection.execute(text(f'select count(*) from "{name}"')).scalar_one())
                for name in tables
            }
    finally:
        engine.dispose()


@pytest.fixture
def restored_url(database_url: str) -> object:
    """A fresh, empty database beside the test's, dropped afterwards."""
    name = f"huifang_restore_{secrets.token_hex(4)}"
    admin = create_engine(driver_url(database_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'create database "{name}"'))
    url = database_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump comes with PostgreSQL")
def test_a_backup_restores_balances_and_resumes(
    engine: Bind, database_url: str, restored_url: str, tmp_path: Path
) -> None:
    with Session(engine) as session:
        seed(session, depositors=12, rng=random.Random(7))
        session.commit()
        waiting = int(
            session.exec(
                select(func.count()).where(OutboxEvent.published_at == None)  # noqa: E711
            ).one()
        )
    assert waiting > 0, "the seed leaves business waiting to be called back"
    dump = tmp_path / "huifang.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", database_url], check=True
    )
    subprocess.run(["pg_restore", "--no-owner", f"--dbname={restored_url}", str(dump)], check=True)

    assert _counts(restored_url) == _counts(database_url)
    check = _huifang("ledger", "check", database_url=restored_url)
    assert check.returncode == 0, check.stdout + check.stderr
    # The callbacks resume from the restored database: its outbox is relayed into tasks.
    resumed = _huifang("worker", "--burst", database_url=restored_url)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"relayed {waiting} events" in resumed.stdout
    restored = create_engine(driver_url(restored_url))
    try:
        with Session(restored) as session:
            tasks = int(session.exec(select(func.count()).select_from(CallbackTask)).one())
            left = session.exec(
                select(func.count()).where(OutboxEvent.published_at == None)  # noqa: E711
            ).one()
    finally:
        restored.dispose()
    assert tasks >= waiting and left == 0
    # The original is untouched by what happened in the copy.
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(CallbackTask)).one() == 0
