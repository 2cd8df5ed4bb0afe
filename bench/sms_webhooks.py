"""Benchmark the SMS webhooks against a baseline measured in the same run.

Run from the repo root: .venv/bin/python bench/sms_webhooks.py [--people N]

The real app in process (TestClient, a migrated SQLite database in a temporary directory),
N people each waiting for their SMS survey. Timed per request: a complete reply (parse,
callbacks, the survey closed and rated, TwiML), a partial reply (follow-up), the same reply
retried by Twilio, and a delivery report; the baseline is a request with a forged signature,
which costs the framework, the form and the signature check and writes nothing.
Prints p50/p95 and their ratios to the baseline, and p95 as a share of Twilio's 15 s budget.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# Standalone script: import the working tree's packages, not whatever is installed.
REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from huifang import migrate  # noqa: E402
from huifang.app import create_app  # noqa: E402
from huifang.settings import clear_caches  # noqa: E402
from kernel.db import get_engine  # noqa: E402
from tests.ivr.test_sms_support import (  # noqa: E402
    inbound_form,
    post_signed,
    signature,
    sms_attempt,
    status_form,
    unanswered_task,
)

TWILIO_BUDGET_S = 15.0


def _configure(directory: Path) -> str:
    url = f"sqlite:///{directory / 'bench.db'}"
    os.environ.update(
        {
            "HUIFANG_DATABASE_URL": url,
            "HUIFANG_VAR_DIR": str(directory),
            "HUIFANG_CALLING_WINDOWS": "00:00-24:00",
            "HUIFANG_CALLING_DAYS": "all",
            "HUIFANG_CALLBACK_DELAY_MINUTES": "0",
            "HUIFANG_VOICE_ATTEMPTS": "1",
        }
    )
    return url


def _timed(action: Callable[[int], object], count: int) -> list[float]:
    samples = []
    for n in range(count):
        start = time.perf_counter()
        action(n)
        samples.append(time.perf_counter() - start)
    return samples


def _p95(samples: list[float]) -> float:
    return sorted(samples)[max(0, int(len(samples) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200)
    people = parser.parse_args().people
    with tempfile.TemporaryDirectory() as scratch:
        url = _configure(Path(scratch))
        run(url, people=people)


def run(url: str, *, people: int) -> None:
    """Set up N waiting surveys, then time each kind of request."""
    clear_caches()
    migrate.upgrade(url)
    engine = get_engine(url)
    phones = [f"+86139{n:08d}" for n in range(people)]
    sids = [f"SM{n:032d}" for n in range(people)]
    attempts = [
        sms_attempt(engine, task_id=unanswered_task(engine, phone=p), sid=sid)
        for p, sid in zip(phones, sids, strict=True)
    ]
    with TestClient(create_app()) as client:

        def forged(n: int) -> object:
            form = inbound_form("1122", sid=f"SMf{n:031d}", phone=phones[n])
            bad = signature("/twilio/sms/inbound", form, token="0" * 32)
            return client.post(
                "/twilio/sms/inbound", data=form, headers={"X-Twilio-Signature": bad}
            )

        def reply(body: str, prefix: str) -> Callable[[int], object]:
            def send(n: int) -> object:
                form = inbound_form(body, sid=f"{prefix}{n:031d}", phone=phones[n])
                return post_signed(client, "/twilio/sms/inbound", form)

            return send

        partial, retried, complete = reply("11", "SMa"), reply("11", "SMa"), reply("22 很好", "SMb")

        def delivery(n: int) -> object:
            path = f"/twilio/sms/status?attempt={attempts[n]}"
            return post_signed(client, path, status_form(sids[n], "delivered"))

        forged(0)  # warm up
        rows = [
            ("forged signature (baseline)", _timed(forged, people)),
            ("partial reply → follow-up", _timed(partial, people)),
            ("same reply retried", _timed(retried, people)),
            ("rest of the answers → thanks", _timed(complete, people)),
            ("delivery report", _timed(delivery, people)),
        ]
    base50, base95 = statistics.median(rows[0][1]), _p95(rows[0][1])
    print(f"{people} people, SQLite, in-process app")
    print(
        f"{'request':34} {'p50 ms':>8} {'p95 ms':>8} {'p50/base':>9} {'p95/base':>9} {'p95/15s':>9}"
    )
    for name, samples in rows:
        p50, p95 = statistics.median(samples), _p95(samples)
        print(
            f"{name:34} {p50 * 1000:8.2f} {p95 * 1000:8.2f} {p50 / base50:9.2f} "
            f"{p95 / base95:9.2f} {p95 / TWILIO_BUDGET_S:9.5f}"
        )


if __name__ == "__main__":
    main()
