"""`huifang rank` as a manager runs it: a table, an Excel workbook, clear messages."""

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import Session

from kernel.clock import centre_tz
from tests.conftest import Bind
from tests.scoring.factories import S, U, V, outlet, rate, teller

# `huifang rank` runs as a subprocess: it sees committed data only.
pytestmark = pytest.mark.committed

OCT = datetime(2026, 10, 12, 10, 0, tzinfo=centre_tz())
NOV = datetime(2026, 11, 12, 10, 0, tzinfo=centre_tz())


def _rank(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "huifang", "rank", *args],
        env={**os.environ, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_rank_prints_the_table_flags_the_twice_last_and_writes_excel(
    engine: Bind, tmp_path: Path
) -> None:
    with Session(engine) as session:
        a, b = outlet(session, "WD01", "城东网点"), outlet(session, "WD02", "城西网点")
        teller(session, a, "T1")
        for when in (OCT, NOV):
            for _ in range(8):
                rate(session, a, V, S, when=when)
                rate(session, b, U, S, when=when)
        session.commit()
    book = tmp_path / "rank.xlsx"
    result = _rank("--period", "2026-11", "--xlsx", str(book))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "网点满意度排名 · 2026年11月" in result.stdout
    assert "城东网点" in result.stdout and "90.0" in result.stdout
    assert "约谈提醒：WD02 2026年10月、2026年11月均回访满意度排名末位" in result.stdout
    assert "回访人次" in result.stdout
    sheet = load_workbook(book)["网点排名"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[2], r[4]) for r in rows] == [(1, "WD01", 90.0), (2, "WD02", 40.0)]
    assert "评分方法" in load_workbook(book).sheetnames


def test_rank_other_kinds_and_bad_input(engine: Bind) -> None:
    result = _rank("--period", "2026-Q4", "--kind", "leader")
    assert result.returncode == 0, result.stderr
    assert "暂无班子成员评价数据" in result.stdout
    bad = _rank("--period", "2026-13")
    assert bad.returncode == 2
    assert "YYYY-MM" in bad.stdout
    wrong_kind = _rank("--period", "2026-11", "--kind", "unit")
    assert wrong_kind.returncode == 2
