"""Bench: TwiML webhooks under load — N simultaneous emulated calls through whole surveys against
`huifang serve --workers K` on PostgreSQL + Redis, against the same load on /healthz.

    .venv/bin/python bench/twiml_load.py [--calls 60] [--web-workers 2] [--speed 0.3] [--full]

The fleet is production's shape (bench/fleet.py). N withdrawals go into the ledger's outbox, RQ
workers place the calls (calls per second raised to 100, so they start together), and the
emulator plays each person through the whole survey at `--speed` × real time, so the calls
overlap (the peak of the emulator's tasks in progress is printed). Every TwiML webhook is timed
by the emulator as Twilio would (request sent → answer read). Then the same requests — the same
count, each at the same moment after the start — go to the same server's bare /healthz, timed
by an HTTP client of the same kind. Prints p50/p95/p99 of both and their ratios.
Goal: webhook p99 ≤ 3× the bare p99 and < 50 ms. --full: 300 calls.
"""

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from sqlmodel import Session, col, select

from bench.fleet import Fleet, fleet
from bench.results import record
from callbacks.models import CallAttempt

GOAL_TO_BARE, GOAL_MS = 3.0, 50.0


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


class PeakCalls(threading.Thread):
    """Sample the emulator's calls in progress; keep the peak."""

    def __init__(self, emulator_url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.peak, self.running = emulator_url + "/_emulator/health", 0, True

    def run(self) -> None:
        with httpx.Client(timeout=5) as client:
            while self.running:
                with contextlib.suppress(httpx.HTTPError):
                    self.peak = max(self.peak, int(client.get(self.url).json()["active_tasks"]))
                time.sleep(0.2)


def webhooks(running: Fleet) -> list[dict[str, object]]:
    """Every TwiML webhook the emulator sent: when, to which path, how long the answer took."""
    with Session(running.engine) as session:
        sids = session.exec(
            select(CallAttempt.provider_sid).where(col(CallAttempt.provider_sid).is_not(None))
        ).all()
    found = []
    with httpx.Client(base_url=running.emulator_url, timeout=30) as client:
        for sid in sids:
            steps = client.get(f"/_emulator/calls/{sid}/transcript").json()["steps"]
            found += [s for s in steps if s["kind"] == "webhook" and "answered_ms" in s]
    return found


async def replay(url: str, offsets: list[float]) -> list[float]:
    """GET `url` once at each offset (seconds after the start); each answer's milliseconds."""
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=100)
    async with httpx.AsyncClient(timeout=15, limits=limits) as client:
        start = time.perf_counter()

        async def one(offset: float) -> float:
            await asyncio.sleep(max(0.0, offset - (time.perf_counter() - start)))
            sent = time.perf_counter()
            response = await client.get(url)
            response.raise_for_status()
            return (time.perf_counter() - sent) * 1000

        return list(await asyncio.gather(*(one(offset) for offset in offsets)))


def line(name: str, values: list[float]) -> str:
    p50, p95, p99 = (percentile(values, f) for f in (0.5, 0.95, 0.99))
    return f"{name:34} n={len(values):<5} p50 {p50:7.1f}  p95 {p95:7.1f}  p99 {p99:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=60)
    parser.add_argument("--web-workers", type=int, default=2, help="huifang serve --workers")
    parser.add_argument("--workers", type=int, default=4, help="RQ workers placing the calls")
    parser.add_argument("--speed", type=float, default=0.3, help="emulated time × this")
    parser.add_argument("--full", action="store_true", help="300 simultaneous calls")
    args = parser.parse_args()
    if args.full:
        args.calls = 300
    os.environ["HUIFANG_CALLS_PER_SECOND"] = "100"
    with fleet(web_workers=args.web_workers, emulator_speed=args.speed) as running:
        phones = [f"+86136{n:08d}" for n in range(args.calls)]
        running.people(phones)
        running.business(phones)
        peak = PeakCalls(running.emulator_url)
        peak.start()
        for n in range(args.workers):
            running.start(f"worker{n}", "worker", "--tick-seconds", "0.5")
        completed = running.wait_completed(args.calls)
        peak.running = False
        hooks = webhooks(running)
        if not hooks:
            raise SystemExit(f"no webhook was timed; see {running.logs}")
        first = min(float(str(h["sent_at"])) for h in hooks)
        offsets = sorted(float(str(h["sent_at"])) - first for h in hooks)
        bare = asyncio.run(replay(running.server_url + "/healthz", offsets))
    timed = [float(str(h["answered_ms"])) for h in hooks]
    by_path: dict[str, list[float]] = defaultdict(list)
    for hook in hooks:
        by_path[urlsplit(str(hook["url"])).path].append(float(str(hook["answered_ms"])))
    failed = sum(1 for h in hooks if int(str(h["http_status"])) >= 400)
    print(
        f"{completed} of {args.calls} calls completed, peak {peak.peak} emulator tasks in "
        f"progress (calls and their callbacks), serve --workers {args.web_workers}, "
        f"{failed} webhook errors"
    )
    print(line("every TwiML webhook", timed))
    for path, values in sorted(by_path.items()):
        print(line(f"  {path}", values))
    print(line("bare /healthz, same arrivals", bare))
    p99, bare_p99 = percentile(timed, 0.99), percentile(bare, 0.99)
    ratio = p99 / bare_p99
    verdict = "meets" if ratio <= GOAL_TO_BARE and p99 < GOAL_MS else "MISSES"
    print(
        f"ratio webhook p99 / bare p99 = {ratio:.2f}  (p99 {p99:.1f} ms; {verdict} the goal "
        f"≤ {GOAL_TO_BARE:.0f}× and < {GOAL_MS:.0f} ms)"
    )
    record(
        "twiml_load",
        {
            "calls": args.calls,
            "completed": completed,
            "peak_emulator_tasks": peak.peak,
            "web_workers": args.web_workers,
            "emulator_speed": args.speed,
            "webhooks": len(timed),
            "webhook_errors": failed,
            "webhook_p50_ms": round(statistics.median(timed), 1),
            "webhook_p95_ms": round(percentile(timed, 0.95), 1),
            "webhook_p99_ms": round(p99, 1),
            "bare_p50_ms": round(statistics.median(bare), 1),
            "bare_p95_ms": round(percentile(bare, 0.95), 1),
            "bare_p99_ms": round(bare_p99, 1),
            "ratio_p99_to_bare": round(ratio, 2),
            "goal": f"p99 <= {GOAL_TO_BARE}x bare and < {GOAL_MS} ms",
        },
    )


if __name__ == "__main__":
    main()
