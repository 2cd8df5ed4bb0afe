"""Bench: a 10,000-depositor monthly remittance through the ledger vs a raw COPY of as many rows.

    .venv/bin/python bench/remittance.py [--depositors 10000] [--rounds 3]

Makes a scratch database on HUIFANG_BENCH_DATABASE_URL's server (default
postgresql://postgres@127.0.0.1:5432/test), migrates it, registers one unit with N depositors,
then for each round (a new month) times `remit_at_counter` — validation, shares, row locks,
remittance lines, the journal, balances and the commit — and, in the same run, a psycopg COPY
of the same number of journal rows into a scratch table. Prints rows/s for both and the ratio
(goal ≥ 0.30). The scratch database is dropped at the end.

Where the time went (auto_explain with triggers): the ledger's own statements ran at about COPY
speed, and half the posting was the row-level foreign-key checks, one `SELECT … FOR KEY SHARE`
per row per key, four keys over the 10,000 remittance lines and journal lines. Those keys are
now checked once per statement (migration e7f8a9b0c1d2). `--fk-cost` measures the before in
the same run: it declares the four keys again, row by row, and times more rounds.
"""

import argparse
import os
import secrets
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from bench.results import record
from core_ledger.accounts import service as accounts
from core_ledger.accounts.models import Depositor
from core_ledger.identity import make_credit_code, make_resident_id
from core_ledger.journal.books import check_books
from core_ledger.journal.models import FundAccount, JournalLine
from core_ledger.org import service as org
from core_ledger.remittance import service as remittances
from huifang import migrate
from kernel.crypto import id_number_index, phone_index
from kernel.db import driver_url, make_engine
from kernel.periods import current_month, shift

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def _scratch_database(admin_url: str) -> tuple[str, str]:
    name = f"huifang_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(driver_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, admin_url.rsplit("/", 1)[0] + "/" + name


def _drop(admin_url: str, name: str) -> None:
    admin = create_engine(driver_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _setup(session: Session, *, depositors: int, first_month: str) -> str:
    """One outlet, one teller, one unit with N depositors (bulk-loaded: setup is not timed)."""
    org.create_outlet(session, code="WD01", name="市民中心网点")
    org.create_staff(session, code="T01", name="李娜", outlet_code="WD01", phone="13900001111")
    unit = accounts.register_unit(
        session,
        credit_code=make_credit_code(area="430902", serial=1),
        name="基准测试单位",
        contact_name="张三",
        contact_phone="13800000000",
        bank_name="中国建设银行",
        bank_account_no="43001234567890",
        unit_rate="0.12",
        employee_rate="0.12",
        first_month=first_month,
    )
    people = []
    for index in range(depositors):
        birth = date(1960, 1, 1) + timedelta(days=index // 999)
        id_number = make_resident_id(area="430902", birth=birth, sequence=index % 999)
        phone = f"+861380{index:07d}"
        people.append(
            {
                "id_number": id_number,
                "id_number_index": id_number_index(id_number),  # a Core INSERT sets its own
                "name": f"职工{index}",
                "phone": phone,
                "phone_index": phone_index(phone),
            }
        )
    session.execute(insert(Depositor), people)
    ids = session.exec(select(Depositor.id).order_by(col(Depositor.id))).all()
    session.execute(
        insert(FundAccount),
        [
            {
                "account_no": f"8{depositor_id:011d}",
                "depositor_id": depositor_id,
                "unit_id": unit.id,
                "wage_base_fen": 400_000 + (i * 37) % 2_000_000,
                "status": "normal",
                "balance_fen": 0,
            }
            for i, depositor_id in enumerate(ids)
        ],
    )
    session.commit()
    return unit.code


def _time_ledger(engine: Engine, *, unit_code: str, month: str) -> tuple[float, int]:
    with Session(engine) as session:
        before = session.exec(select(func.count()).select_from(JournalLine)).one()
        started = time.perf_counter()
        remittances.remit_at_counter(
            session,
            unit_code=unit_code,
            month=month,
            idempotency_key=f"bench-{month}",
            outlet_code="WD01",
            teller_code="T01",
        )
        session.commit()
        elapsed = time.perf_counter() - started
        rows = session.exec(select(func.count()).select_from(JournalLine)).one() - before
    return elapsed, int(rows)


def _time_copy(url: str, *, rows: int, like_journal: bool) -> float:
    """COPY `rows` journal rows into a scratch table: shaped like journal_line (its columns,
    defaults and indexes, no foreign keys) or a bare heap; returns the seconds it took."""
    data = [(1, "deposits", 1 + i, -192_000) for i in range(rows)]
    table = "bench_journal_copy" if like_journal else "bench_bare_copy"
    shape = (
        "(LIKE journal_line INCLUDING ALL)"
        if like_journal
        else "(posting_id int, gl_account varchar(16), fund_account_id int, amount_fen bigint)"
    )
    with psycopg.connect(url.replace("+psycopg", "")) as connection:
        connection.execute(f"CREATE TABLE IF NOT EXISTS {table} {shape}")
        connection.commit()
        started = time.perf_counter()
        statement = f"COPY {table} (posting_id, gl_account, fund_account_id, amount_fen) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in data:
                copy.write_row(row)
        connection.commit()
        return time.perf_counter() - started


# The four keys of the two tables a remittance writes 10,000 rows into (child, column, parent).
_BULK_KEYS = (
    ("journal_line", "posting_id", "posting"),
    ("journal_line", "fund_account_id", "fund_account"),
    ("remittance_line", "remittance_id", "remittance"),
    ("remittance_line", "fund_account_id", "fund_account"),
)


def _with_row_level_keys(engine: Engine, url: str, *, unit_code: str, months: list[str]) -> float:
    """Before, measured in the same run: the same rounds with the four keys declared as foreign
    keys again (checked row by row) instead of the statement triggers; the median ratio."""
    with engine.begin() as connection:
        for child in ("journal_line", "remittance_line"):
            connection.execute(text(f"ALTER TABLE {child} DISABLE TRIGGER {child}_keys_insert"))
        for child, column, parent in _BULK_KEYS:
            connection.execute(
                text(f"ALTER TABLE {child} ADD FOREIGN KEY ({column}) REFERENCES {parent} (id)")
            )
    ratios = []
    for month in months:
        elapsed, rows = _time_ledger(engine, unit_code=unit_code, month=month)
        ratios.append(_time_copy(driver_url(url), rows=rows, like_journal=True) / elapsed)
        print(f"row-level foreign keys, {month}: ledger {rows / elapsed:>9,.0f} rows/s")
    return statistics.median(ratios)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depositors", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--fk-cost",
        action="store_true",
        help="then time it again with the bulk tables' keys declared row by row (as before)",
    )
    args = parser.parse_args()
    admin_url = os.environ.get("HUIFANG_BENCH_DATABASE_URL", DEFAULT_URL)
    name, url = _scratch_database(admin_url)
    try:
        migrate.upgrade(url)
        engine = make_engine(url)
        first = shift(current_month(), -args.rounds * (2 if args.fk_cost else 1))
        with Session(engine) as session:
            unit_code = _setup(session, depositors=args.depositors, first_month=first)
        ledger, shaped, bare = [], [], []
        for round_no in range(args.rounds):
            elapsed, rows = _time_ledger(engine, unit_code=unit_code, month=shift(first, round_no))
            ledger.append(rows / elapsed)
            shaped.append(rows / _time_copy(driver_url(url), rows=rows, like_journal=True))
            bare.append(rows / _time_copy(driver_url(url), rows=rows, like_journal=False))
            print(
                f"round {round_no + 1}: ledger {ledger[-1]:>9,.0f} rows/s "
                f"({elapsed * 1000:.0f} ms for {rows:,} journal rows)   "
                f"COPY {shaped[-1]:>9,.0f} rows/s (journal-shaped), {bare[-1]:>9,.0f} (bare)"
            )
        with Session(engine) as session:
            problems = check_books(session)
        row_level = None
        if args.fk_cost:
            later = [shift(first, args.rounds + n) for n in range(args.rounds)]
            row_level = _with_row_level_keys(engine, url, unit_code=unit_code, months=later)
        engine.dispose()
        rate = statistics.median(ledger)
        copy_rate, bare_rate = statistics.median(shaped), statistics.median(bare)
        print(f"\nremittance of {args.depositors:,} depositors, median of {args.rounds} rounds")
        print(f"  ledger (remit_at_counter + commit):        {rate:>10,.0f} rows/s")
        print(f"  COPY into a table shaped like the journal: {copy_rate:>10,.0f} rows/s")
        print(f"  COPY into a bare table:                    {bare_rate:>10,.0f} rows/s")
        print(
            f"  ratio ledger / COPY (journal-shaped):      {rate / copy_rate:>10.2f}  (goal ≥ 0.30)"
        )
        print(f"  ratio ledger / COPY (bare):                {rate / bare_rate:>10.2f}")
        if row_level is not None:
            print(f"  ratio with row-level foreign keys (before): {row_level:>8.2f}")
        print(f"  books after the bench: {problems or 'balanced'}")
        record(
            "remittance",
            {
                "depositors": args.depositors,
                "rounds": args.rounds,
                "ledger_rows_per_s": round(rate),
                "copy_journal_shaped_rows_per_s": round(copy_rate),
                "copy_bare_rows_per_s": round(bare_rate),
                "ratio_to_copy_journal_shaped": round(rate / copy_rate, 3),
                "ratio_to_copy_bare": round(rate / bare_rate, 3),
                "goal": ">= 0.30 of journal-shaped COPY",
                "books": problems or "balanced",
                "ratio_with_row_level_foreign_keys": row_level and round(row_level, 3),
            },
        )
    finally:
        _drop(admin_url, name)


if __name__ == "__main__":
    main()
