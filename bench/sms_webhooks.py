"""Benchmark the SMS webhooks against a baseline measured in the same run.

Run from the repo root: .venv/bin/python bench/sms_webhooks.py [--people N]

The real app in process (TestClient) on a scratch PostgreSQL database and a Redis index of its own,
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Standalone script: import the working tree's packages, not whatever is installed.
REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from bench import scratch  # noqa: E402
from bench.results import record  # noqa: E402
from callbacks.models import CallAttempt  # noqa: E402
from callbacks.service import attempt_placed, begin_attempt, open_tasks  # noqa: E402
from core_ledger.org.models import Outlet  # noqa: E402
from core_ledger.outbox.models import OutboxEvent  # noqa: E402
from huifang import migrate  # noqa: E402
from huifang.app import create_app  # noqa: E402
from huifang.settings import clear_caches  # noqa: E402
from ivr.config import get_ivr_settings  # noqa: E402
from kernel.clock import utcnow  # noqa: E402
from kernel.db import get_engine  # noqa: E402
from kernel.vocabulary import Channel  # noqa: E402
from twilio_emulator.sms import inbound_params  # noqa: E402
from twilio_emulator.store import Message  # noqa: E402

TWILIO_BUDGET_S = 15.0
KEYS = ("forged_baseline", "partial", "retried", "complete", "delivery")
CENTRE = "+8657112329"
BUSINESS_AT = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)


def _configure(directory: Path, *, url: str, redis_url: str) -> str:
    os.environ.update(
        {
            "HUIFANG_DATABASE_URL": url,
            "HUIFANG_REDIS_URL": redis_url,
            "HUIFANG_VAR_DIR": str(directory),
            "HUIFANG_CALLING_WINDOWS": "00:00-24:00",
            "HUIFANG_CALLING_DAYS": "all",
            "HUIFANG_CALLBACK_DELAY_MINUTES": "0",
            "HUIFANG_VOICE_ATTEMPTS": "1",
        }
    )
    return url


def _waiting_survey(engine: Engine, *, phone: str, sid: str) -> int:
    """A withdrawal's task whose call went unanswered and whose SMS invitation went out."""
    with Session(engine, expire_on_commit=False) as session:
        outlet = Outlet(code=f"WD{phone[-4:]}", name="城东网点")
        session.add(outlet)
        session.flush()
        event = OutboxEvent(kind="withdrawal.completed", aggregate_id=int(phone[-6:]), payload={})
        session.add(event)
        session.flush()
        payload: dict[str, Any] = {
            "business_kind": "withdrawal",
            "business_id": 1,
            "occurred_at": BUSINESS_AT.isoformat(),
            "outlet_id": outlet.id,
            "outlet_name": outlet.name,
            "person": {"name": "王芳", "phone": phone},
        }
        [task] = open_tasks(session, event_id=event.id or 0, payload=payload)
        call = CallAttempt(
            task_id=task.id or 0,
            attempt_no=1,
            channel=Channel.voice,
            status="no-answer",
            ended_at=utcnow(),
        )
        task.attempts_made, task.due_at = 1, utcnow()
        session.add_all([call, task])
        session.commit()
        attempt = begin_attempt(session, task_id=task.id or 0, attempt_no=2)
        assert attempt is not None and attempt.channel == Channel.sms
        attempt_placed(session, attempt_id=attempt.id or 0, provider_sid=sid)
        session.commit()
        return attempt.id or 0


def _inbound(body: str, *, sid: str, phone: str) -> dict[str, str]:
    """What Twilio posts to the messaging URL for one incoming SMS."""
    return inbound_params(
        Message(
            sid=sid,
            account_sid=get_ivr_settings().twilio_account_sid,
            to=CENTRE,
            from_=phone,
            body=body,
            direction="inbound",
            status="received",
        )
    )


def _delivered(sid: str, *, phone: str) -> dict[str, str]:
    """What Twilio posts to a message's StatusCallback when it was delivered."""
    return {
        "AccountSid": get_ivr_settings().twilio_account_sid,
        "ApiVersion": "2010-04-01",
        "From": CENTRE,
        "To": phone,
        "MessageSid": sid,
        "MessageStatus": "delivered",
        "SmsSid": sid,
        "SmsStatus": "delivered",
    }


def _post(client: TestClient, path: str, form: dict[str, str], *, token: str = "") -> object:
    """POST a form signed as Twilio signs it (with our auth token unless another is given)."""
    settings = get_ivr_settings()
    validator = RequestValidator(token or settings.twilio_auth_token)
    signature = validator.compute_signature(settings.webhook_url(path), form)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature})


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
    with (
        tempfile.TemporaryDirectory() as directory,
        scratch.database() as database_url,
        scratch.redis_index() as redis_url,
    ):
        url = _configure(Path(directory), url=database_url, redis_url=redis_url)
        run(url, people=people)
        get_engine(url).dispose()


def run(url: str, *, people: int) -> None:
    """Set up N waiting surveys, then time each kind of request."""
    clear_caches()
    migrate.upgrade(url)
    engine = get_engine(url)
    phones = [f"+86139{n:08d}" for n in range(people)]
    sids = [f"SM{n:032d}" for n in range(people)]
    attempts = [
        _waiting_survey(engine, phone=p, sid=sid) for p, sid in zip(phones, sids, strict=True)
    ]
    with TestClient(create_app()) as client:

        def forged(n: int) -> object:
            form = _inbound("1111", sid=f"SMf{n:031d}", phone=phones[n])
            return _post(client, "/twilio/sms/inbound", form, token="0" * 32)

        def reply(body: str, prefix: str) -> Callable[[int], object]:
            def send(n: int) -> object:
                form = _inbound(body, sid=f"{prefix}{n:031d}", phone=phones[n])
                return _post(client, "/twilio/sms/inbound", form)

            return send

        partial, retried, complete = reply("11", "SMa"), reply("11", "SMa"), reply("11 很好", "SMb")

        def delivery(n: int) -> object:
            path = f"/twilio/sms/status?attempt={attempts[n]}"
            return _post(client, path, _delivered(sids[n], phone=phones[n]))

        forged(0)  # warm up
        rows = [
            ("forged signature (baseline)", _timed(forged, people)),
            ("partial reply → follow-up", _timed(partial, people)),
            ("same reply retried", _timed(retried, people)),
            ("rest of the answers → thanks", _timed(complete, people)),
            ("delivery report", _timed(delivery, people)),
        ]
    base50, base95 = statistics.median(rows[0][1]), _p95(rows[0][1])
    print(f"{people} people, PostgreSQL + Redis, in-process app")
    print(
        f"{'request':34} {'p50 ms':>8} {'p95 ms':>8} {'p50/base':>9} {'p95/base':>9} {'p95/15s':>9}"
    )
    figures: dict[str, object] = {"people": people}
    for (name, samples), key in zip(rows, KEYS, strict=True):
        p50, p95 = statistics.median(samples), _p95(samples)
        print(
            f"{name:34} {p50 * 1000:8.2f} {p95 * 1000:8.2f} {p50 / base50:9.2f} "
            f"{p95 / base95:9.2f} {p95 / TWILIO_BUDGET_S:9.5f}"
        )
        figures[f"{key}_p50_ms"], figures[f"{key}_p95_ms"] = (
            round(p50 * 1000, 2),
            round(p95 * 1000, 2),
        )
        figures[f"{key}_p95_to_baseline"] = round(p95 / base95, 2)
    record("sms_webhooks", figures)


if __name__ == "__main__":
    main()
