"""Bench: callbacks completed per minute, ledger outbox → stored answers, with N RQ workers,
against the rate of no-op RQ jobs on the same Redis in the same run.

    .venv/bin/python bench/pipeline.py [--callbacks 120] [--workers 4] [--web-workers 2] [--full]

The fleet is production's shape (bench/fleet.py): `huifang serve --workers K`, `huifang worker`
processes, `huifang emulator` (no pauses: the people answer at once), PostgreSQL and Redis.
N withdrawals are written to the ledger's outbox; the workers relay them into callback tasks,
place the calls, the emulator drives each survey through the webhooks, and the answers are
stored. The rate is taken between the first and the last completion (start-up excluded), and
the baseline the same way: as many plain `rq worker --burst` processes working through no-op
jobs on the same Redis. Goal: callbacks/min ≥ 50% of no-op jobs/min. --full: 1,000 callbacks.
The account's calls per second are raised to 100 (--cps): at Twilio's default of 1 the pacing
alone holds the pipeline to 60 callbacks a minute, whatever our code does.
"""

import argparse
import os
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from redis import Redis
from rq import Queue
from rq.job import Job
from rq.registry import FinishedJobRegistry

from bench.fleet import Fleet, fleet
from bench.results import record

GOAL = 0.5
NOOP_QUEUE = "bench-noop"


def per_minute(times: list[datetime]) -> float:
    """Completions per minute between the first and the last."""
    span = (times[-1] - times[0]).total_seconds()
    return (len(times) - 1) / span * 60 if span > 0 else float("nan")


def callbacks(running: Fleet, *, count: int, workers: int) -> tuple[float, float]:
    """Run `count` callbacks through `workers` workers; (per minute steady, wall seconds)."""
    phones = [f"+86137{n:08d}" for n in range(count)]
    running.people(phones)
    running.business(phones)
    started = time.monotonic()
    for n in range(workers):
        running.start(f"worker{n}", "worker", "--tick-seconds", "0.5")
    done = running.wait_completed(count)
    wall = time.monotonic() - started
    if done < count:
        print(f"the processes' logs: {running.logs}")
    running.stop(*(f"worker{n}" for n in range(workers)))
    return per_minute(running.completion_times()), wall


def noop_jobs(running: Fleet, *, count: int, workers: int) -> tuple[float, float]:
    """`count` no-op jobs through `workers` plain RQ burst workers; (per minute, wall seconds)."""
    redis = Redis.from_url(running.env["HUIFANG_REDIS_URL"])
    queue = Queue(NOOP_QUEUE, connection=redis)
    queue.enqueue_many([Queue.prepare_data("bench.noop.noop") for _ in range(count)])
    started = time.monotonic()
    url = running.env["HUIFANG_REDIS_URL"]
    for n in range(workers):
        running.start(f"noop{n}", "worker", "--burst", "--url", url, NOOP_QUEUE, module="rq.cli")
    for n in range(workers):
        running.wait(f"noop{n}")
    wall = time.monotonic() - started
    ids = FinishedJobRegistry(NOOP_QUEUE, connection=redis).get_job_ids()
    ended = sorted(j.ended_at for j in Job.fetch_many(ids, connection=redis) if j and j.ended_at)
    redis.close()
    if len(ended) != count:
        raise SystemExit(f"only {len(ended)} of {count} no-op jobs finished")
    return per_minute(ended), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callbacks", type=int, default=120)
    parser.add_argument("--workers", type=int, default=4, help="RQ workers")
    parser.add_argument("--web-workers", type=int, default=2, help="huifang serve --workers")
    parser.add_argument("--noop-jobs", type=int, default=600)
    parser.add_argument(
        "--cps",
        type=float,
        default=100.0,
        help="HUIFANG_CALLS_PER_SECOND: Twilio's default account allows 1, which alone caps "
        "the pipeline at 60 callbacks/min; 100 (the most we allow) measures our own code",
    )
    parser.add_argument("--full", action="store_true", help="1,000 callbacks, 3,000 no-op jobs")
    args = parser.parse_args()
    if args.full:
        args.callbacks, args.noop_jobs = 1000, 3000
    os.environ["HUIFANG_CALLS_PER_SECOND"] = str(args.cps)
    with fleet(web_workers=args.web_workers, emulator_speed=0) as running:
        rate, wall = callbacks(running, count=args.callbacks, workers=args.workers)
        print(
            f"callbacks  {args.callbacks:>5} with {args.workers} workers: {rate:8.0f}/min "
            f"(first to last completion; {wall:.1f} s from the workers' start)"
        )
        base, base_wall = noop_jobs(running, count=args.noop_jobs, workers=args.workers)
        print(
            f"no-op jobs {args.noop_jobs:>5} with {args.workers} workers: {base:8.0f}/min "
            f"(first to last; {base_wall:.1f} s from the workers' start)"
        )
    ratio = rate / base
    verdict = "meets" if ratio >= GOAL else "BELOW"
    print(f"ratio callbacks / no-op jobs = {ratio:.3f}  ({verdict} the {GOAL:.0%} goal)")
    record(
        "pipeline",
        {
            "callbacks": args.callbacks,
            "rq_workers": args.workers,
            "web_workers": args.web_workers,
            "calls_per_second": args.cps,
            "callbacks_per_min": round(rate),
            "callbacks_wall_s": round(wall, 1),
            "noop_jobs": args.noop_jobs,
            "noop_jobs_per_min": round(base),
            "ratio_to_noop_jobs": round(ratio, 3),
            "goal": f">= {GOAL} of no-op RQ jobs per minute",
        },
    )


if __name__ == "__main__":
    main()
