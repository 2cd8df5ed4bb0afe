"""Drill: simultaneous emulated calls, wave after wave, against production's shape (issue 18).

`huifang serve --workers 2`, RQ workers and the emulator run as processes (bench/fleet.py, on a
scratch database and a leased Redis index); waves of calls go through whole surveys until the
time is up. Zero webhook errors, every call completed, and the server's memory (the RSS of the
serve process and its workers, sampled after each wave) flat. After the first wave every
connection of the run's database is dropped (as a PostgreSQL restart does): the web processes
and the workers recover by themselves and the next waves lose nothing. The figures are printed.

Reduced: 50 calls a wave for 1 minute. HUIFANG_DRILL_FULL=1: 300 calls a wave for 10 minutes.
"""

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session

from bench.fleet import Fleet, fleet
from bench.twiml_load import webhooks
from core_ledger.org.models import Outlet
from core_ledger.outbox.service import emit
from kernel.db import driver_url
from tests.conftest import ON_SQLITE

FULL = os.environ.get("HUIFANG_DRILL_FULL", "") not in ("", "0")
CALLS, SECONDS = (300, 600) if FULL else (50, 60)
# Memory may settle after the first wave (caches, pools); after that it must not keep growing.
GROWTH_ALLOWED = 1.3

pytestmark = pytest.mark.skipif(ON_SQLITE, reason="production's shape: PostgreSQL and Redis")


def rss_kib(group: int) -> int:
    """The resident memory of every process in a process group (serve and its workers)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == group:  # pgrp
                status = (stat.parent / "status").read_text()
                total += int(status.split("VmRSS:")[1].split()[0])
        except (OSError, IndexError, ValueError):
            continue  # a process that ended while being read
    return total


def _drop_every_connection(database_url: str) -> int:
    """End every backend of one database (never the shared server); how many were ended."""
    admin = create_engine(driver_url(database_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            ended = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
    finally:
        admin.dispose()
    return int(ended)


def _wave(running: Fleet, wave: int) -> int:
    """A wave of withdrawals with people who answer; the number of calls in it."""
    phones = [f"+86137{wave:03d}{n:05d}" for n in range(CALLS)]
    running.people(phones)
    with Session(running.engine) as session:
        outlet = Outlet(code=f"SK{wave:03d}", name=f"演练网点{wave}")
        session.add(outlet)
        session.flush()
        for n, phone in enumerate(phones):
            business_id = wave * 100_000 + n + 1
            payload: dict[str, object] = {
                "business_kind": "withdrawal",
                "business_id": business_id,
                "occurred_at": datetime.now(UTC).isoformat(),
                "outlet_id": outlet.id,
                "outlet_name": outlet.name,
                "teller_id": None,
                "person": {"name": "李明", "phone": phone},
            }
            emit(session, kind="withdrawal.completed", aggregate_id=business_id, payload=payload)
        session.commit()
    return len(phones)


def test_waves_of_simultaneous_calls_finish_without_an_error_and_memory_stays_flat(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUIFANG_CALLS_PER_SECOND", "100")
    with fleet(web_workers=2, emulator_speed=0.3) as running:
        for n in range(2):
            running.start(f"worker{n}", "worker", "--tick-seconds", "0.5")
        server = running.processes["web"].pid
        samples = [rss_kib(server)]
        placed, wave, dropped, started = 0, 0, 0, time.monotonic()
        while wave < 2 or time.monotonic() - started < SECONDS:
            placed += _wave(running, wave)
            wave += 1
            completed = running.wait_completed(placed, stall=60)
            assert completed == placed, f"{placed - completed} calls did not complete"
            samples.append(rss_kib(server))
            if wave == 1:
                # What a PostgreSQL restart does to the run's own (scratch) database: the web
                # processes and the workers must carry on by themselves.
                dropped = _drop_every_connection(running.env["HUIFANG_DATABASE_URL"])
        hooks = webhooks(running)
        failed = [h for h in hooks if int(str(h["http_status"])) >= 400]
    warm = samples[1]
    print(
        f"\nsoak: {wave} waves of {CALLS} calls in {time.monotonic() - started:.0f} s, "
        f"{placed} calls, {len(hooks)} webhooks, {len(failed)} errors, {dropped} database "
        f"connections dropped after wave 1; serve RSS KiB "
        f"start {samples[0]}, after wave 1 {warm}, end {samples[-1]} (all: {samples})"
    )
    assert hooks and failed == [], failed[:5]
    assert dropped > 0, "the drill dropped no connection"
    assert samples[-1] <= warm * GROWTH_ALLOWED, f"memory grew: {samples}"
