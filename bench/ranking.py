"""Benchmark the monthly outlet ranking against a raw GROUP BY over the same table.

Run from the repo root: .venv/bin/python bench/ranking.py [--rows N] [--repeat R]

It creates a scratch PostgreSQL database next to HUIFANG_BENCH_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/test), migrates it to the real schema, loads N callback
ratings (default 1 M, --full 10 M: 60 outlets, 480 tellers, twelve months, a few held back by
anti-gaming flags) with INSERT … SELECT generate_series, then times, in the same run and
interleaved:

  ranking  scoring.rankings.callback_ranking(kind="outlet", period=2026-11): the query (people
           counted per outlet and pair of ratings), the outlet names, the per-person scores,
           intervals, shrinkage and ranks — everything the page needs;
  raw      SELECT outlet_id, count(*), count(*) FILTER (tier …) … WHERE period = '2026-11'
           GROUP BY outlet_id — the least a database can do to count one month's tiers.

It prints the medians and their ratio (goal ≤ 1.5×) and drops the scratch database.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session  # noqa: E402

from bench.results import record  # noqa: E402
from core_ledger.org.models import Staff  # noqa: E402
from huifang import migrate  # noqa: E402
from kernel.db import driver_url, make_engine  # noqa: E402
from kernel.periods import month  # noqa: E402
from scoring.rankings import callback_ranking  # noqa: E402

GOAL = 1.5
OUTLETS, TELLERS_PER_OUTLET, MONTHS = 60, 8, 12
CHUNK = 1_000_000
RAW = text(
    """
    SELECT outlet_id, count(*),
           count(*) FILTER (WHERE attitude = 'very_satisfied')
             + count(*) FILTER (WHERE efficiency = 'very_satisfied'),
           count(*) FILTER (WHERE attitude = 'satisfied')
             + count(*) FILTER (WHERE efficiency = 'satisfied'),
           count(*) FILTER (WHERE attitude = 'unsatisfied')
             + count(*) FILTER (WHERE efficiency = 'unsatisfied')
    FROM callback_rating WHERE period = :period GROUP BY outlet_id
    """
)
# Tiers drawn per outlet so the ranking has something to rank: better outlets skew happy.
LOAD = text(
    """
    INSERT INTO callback_rating (task_id, audience, outlet_id, teller_id, period, business_at,
                                 attitude, efficiency, repeat_trip, favour_asked, phone,
                                 phone_index, held, rated_at)
    SELECT g,
           CASE WHEN g % 7 = 0 THEN 'project_contact' ELSE 'depositor' END,
           o,
           :first_staff + (o - 1) * :tellers + (g / 7) % :tellers,
           to_char(make_date(2026, m, 1), 'YYYY-MM'),
           make_date(2026, m, 1) + ((g / 13) % 28) * interval '1 day' + interval '2 hours',
           CASE WHEN r1 < 0.40 + o * 0.005 THEN 'very_satisfied'
                WHEN r1 < 0.93 THEN 'satisfied' ELSE 'unsatisfied' END,
           CASE WHEN r2 < 0.35 + o * 0.005 THEN 'very_satisfied'
                WHEN r2 < 0.92 THEN 'satisfied'
                WHEN r2 < 0.99 THEN 'unsatisfied' ELSE NULL END,
           random() < 0.06, random() < 0.0005,
           NULL,  -- the number is sealed in Python (kernel.crypto); the ranking never reads it
           left(md5('+86138' || lpad((g % 100000000)::text, 8, '0')), 32),  -- a stand-in index
           g % 997 = 0,
           now()
    FROM (SELECT g, 1 + g % :outlets AS o, 1 + (g / :outlets) % :months AS m,
                 random() AS r1, random() AS r2
          FROM generate_series(:start, :stop) AS g) AS s
    """
)


def scratch_database(admin_url: str) -> tuple[Engine, str]:
    name = f"huifang_bench_{os.getpid()}"
    admin = create_engine(driver_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    return admin, admin_url.rsplit("/", 1)[0] + "/" + name


def load(engine: Engine, rows: int) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO outlet (code, name, created_at) SELECT 'WD' || lpad(i::text, 3, '0'),"
                " '第' || i || '网点', now() FROM generate_series(1, :n) AS i"
            ),
            {"n": OUTLETS},
        )
        # Through the ORM: a teller's phone is sealed and found by its blind index.
        with Session(bind=connection) as session:
            session.add_all(
                Staff(
                    code=f"T{i:04d}",
                    name=f"柜员{i}",
                    outlet_id=1 + (i - 1) // TELLERS_PER_OUTLET,
                    phone=f"+86139{i:08d}",
                )
                for i in range(1, OUTLETS * TELLERS_PER_OUTLET + 1)
            )
            session.flush()
        first_staff = connection.execute(text("SELECT min(id) FROM staff")).scalar_one()
    started = time.perf_counter()
    for start in range(1, rows + 1, CHUNK):
        stop = min(rows, start + CHUNK - 1)
        with engine.begin() as connection:
            connection.execute(
                LOAD,
                {
                    "start": start,
                    "stop": stop,
                    "outlets": OUTLETS,
                    "months": MONTHS,
                    "tellers": TELLERS_PER_OUTLET,
                    "first_staff": first_staff,
                },
            )
        print(f"  loaded {stop:>11,} rows  ({time.perf_counter() - started:6.1f} s)", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE callback_rating"))
        connection.execute(text("VACUUM ANALYZE outlet"))


def time_once(action: object) -> float:
    started = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="callback ratings to load")
    parser.add_argument("--full", action="store_true", help="full size: 10 M callback ratings")
    parser.add_argument("--repeat", type=int, default=9, help="timed runs of each query")
    args = parser.parse_args()
    if args.full:
        args.rows = 10_000_000
    if args.rows < 1 or args.repeat < 1:
        raise SystemExit("--rows and --repeat must be at least 1")
    admin_url = os.environ.get(
        "HUIFANG_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
    )
    admin, url = scratch_database(admin_url)
    engine = make_engine(url)
    try:
        print(f"scratch database {url.rsplit('/', 1)[1]}: migrating and loading {args.rows:,} rows")
        migrate.upgrade(url)
        load(engine, args.rows)
        period = month(2026, 11)
        with engine.connect() as connection:
            in_month = connection.execute(RAW, {"period": period.key}).all()
        month_rows = sum(r[1] for r in in_month)
        print(f"{period.key}: {month_rows:,} ratings over {len(in_month)} outlets")

        def ranking() -> None:
            with Session(engine) as session:
                rows = callback_ranking(session, kind="outlet", period=period)
                assert len(rows) == OUTLETS

        def raw() -> None:
            with engine.connect() as connection:
                assert len(connection.execute(RAW, {"period": period.key}).all()) == OUTLETS

        ranking()  # warm the caches and the pool once each
        raw()
        timings: dict[str, list[float]] = {"ranking": [], "raw": []}
        for _ in range(args.repeat):
            timings["ranking"].append(time_once(ranking))
            timings["raw"].append(time_once(raw))
        ranked, base = (statistics.median(timings[k]) for k in ("ranking", "raw"))
        print(f"raw GROUP BY      median {base * 1000:8.1f} ms  (of {args.repeat})")
        print(f"outlet ranking    median {ranked * 1000:8.1f} ms  (of {args.repeat})")
        ratio = ranked / base
        verdict = "within" if ratio <= GOAL else "OVER"
        print(f"ratio ranking / raw = {ratio:.2f}x  ({verdict} the {GOAL}x goal)")
        record(
            "ranking",
            {
                "rows": args.rows,
                "month_rows": month_rows,
                "repeat": args.repeat,
                "raw_group_by_ms": round(base * 1000, 1),
                "ranking_ms": round(ranked * 1000, 1),
                "ratio_to_raw_group_by": round(ratio, 3),
                "goal": f"<= {GOAL}x raw GROUP BY",
            },
        )
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(
                text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
            )
        admin.dispose()


if __name__ == "__main__":
    main()
