"""`huifang ledger feed FILE [--check]` against the test database: CSV and Excel."""

from datetime import timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from core_ledger.feed.files import read_records
from core_ledger.feed.models import FeedRecord
from core_ledger.feed.records import parse_record
from core_ledger.outbox.models import OutboxEvent
from huifang.cli import app
from kernel.clock import as_utc, local, utcnow
from tests.conftest import Bind
from tests.core_ledger.conftest import Centre
from tests.core_ledger.feed.support import ID_2, record

runner = CliRunner()
HEADER = [
    "业务流水号",
    "业务类型",
    "提取原因",
    "办理时间",
    "网点编号",
    "柜员编号",
    "姓名",
    "身份证号码",
    "手机号码",
    "楼盘编号",
]
KEYS = [
    "business_no",
    "kind",
    "ground",
    "occurred_at",
    "outlet_code",
    "teller_code",
    "name",
    "id_number",
    "phone",
    "project_code",
]


def _csv(path: Path, records: list[dict[str, Any]]) -> Path:
    lines = [",".join(HEADER)] + [",".join(str(r[k]) for k in KEYS) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _count(engine: Bind, model: Any) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def test_a_file_is_checked_then_fed_then_re_sent(
    engine: Bind, committed_centre: Centre, tmp_path: Path
) -> None:
    loan = record(no="LN-1", kind="贷款", ground="", project_code="LP01", id_number=ID_2)
    path = _csv(tmp_path / "核心系统.csv", [record(kind="提取", ground="离休、退休"), loan])
    checked = runner.invoke(app, ["ledger", "feed", str(path), "--check"])
    assert checked.exit_code == 0, checked.output
    assert "可新增 2 条" in checked.output and "只校验，未写入" in checked.output
    assert _count(engine, FeedRecord) == 0
    fed = runner.invoke(app, ["ledger", "feed", str(path)])
    assert fed.exit_code == 0, fed.output
    assert "新增 2 条" in fed.output
    assert _count(engine, FeedRecord) == 2 and _count(engine, OutboxEvent) == 2
    again = runner.invoke(app, ["ledger", "feed", str(path)])
    assert again.exit_code == 0 and "均已收到过，未作任何更改" in again.output
    assert _count(engine, OutboxEvent) == 2


def test_bad_rows_are_listed_with_line_numbers_and_nothing_is_written(
    engine: Bind, committed_centre: Centre, tmp_path: Path
) -> None:
    path = _csv(
        tmp_path / "bad.csv",
        [record(), record(no="B", phone="110"), record(no="C", teller_code="T404")],
    )
    result = runner.invoke(app, ["ledger", "feed", str(path)], terminal_width=200)
    assert result.exit_code == 1
    assert "有 2 处错误，整批未写入" in result.output
    assert "手机号码格式不正确" in result.output and "找不到柜员 'T404'" in result.output
    lines = [line for line in result.output.splitlines() if "找不到柜员" in line]
    assert lines and lines[0].strip("│ ").startswith("4")  # the file's 4th line
    assert _count(engine, FeedRecord) == 0


def test_an_excel_export_is_read_by_its_headers(
    engine: Bind, committed_centre: Centre, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(reversed(HEADER)))  # any column order
    when = local(utcnow() - timedelta(hours=3)).replace(tzinfo=None, microsecond=0)
    # Excel keeps a phone as a number and the time as a date-time cell in local time.
    row = record(phone=13655550001, occurred_at=when)
    sheet.append([row[k] for k in reversed(KEYS)])
    path = tmp_path / "导出.xlsx"
    book.save(path)
    result = runner.invoke(app, ["ledger", "feed", str(path), "--source", "core2"])
    assert result.exit_code == 0, result.output
    with Session(engine) as session:
        stored = session.exec(select(FeedRecord)).one()
    assert (stored.source, stored.phone, stored.channel) == ("core2", "+8613655550001", "file")
    assert local(as_utc(stored.occurred_at)).replace(tzinfo=None) == when


def test_a_file_without_the_needed_columns_is_refused(
    engine: Bind, committed_centre: Centre, tmp_path: Path
) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("账号,金额\n1,2\n", encoding="utf-8")
    result = runner.invoke(app, ["ledger", "feed", str(path)])
    assert result.exit_code == 1 and "缺少列：业务流水号" in result.output


def test_the_example_file_reads_clean() -> None:
    example = Path(__file__).parents[3] / "docs" / "core-system-feed-example.csv"
    rows = read_records(example.read_bytes(), filename=example.name)
    assert len(rows) == 4
    for number, raw in rows:
        record, problems = parse_record(number, raw)
        assert problems == [] and record is not None
