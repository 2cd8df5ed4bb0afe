"""Two senders racing with the same batch: each record is written, and called back, once."""

import threading
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from core_ledger.feed.models import FeedRecord
from core_ledger.feed.service import FeedOutcome, accept_records
from core_ledger.outbox.models import OutboxEvent
from kernel.db import session_scope
from tests.conftest import Bind
from tests.core_ledger.conftest import make_centre
from tests.core_ledger.feed.support import record

pytestmark = pytest.mark.committed


def _count(engine: Bind, model: Any) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def test_the_same_batch_sent_twice_at_once_is_written_once(engine: Bind) -> None:
    assert isinstance(engine, Engine)
    if engine.dialect.name != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's; SQLite has one writer anyway")
    with Session(engine) as session:
        make_centre(session, depositors=0)
        session.commit()
    rows = [(n + 2, record(no=f"R{n}")) for n in range(200)]
    outcomes: list[FeedOutcome] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def send() -> None:
        try:
            start.wait()
            with session_scope(engine) as session:
                outcomes.append(
                    accept_records(
                        session, source="core", rows=rows, channel="api", received_by="core"
                    )
                )
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted((o.created, o.unchanged) for o in outcomes) == [(0, 200), (200, 0)]
    assert _count(engine, FeedRecord) == 200
    assert _count(engine, OutboxEvent) == 200
