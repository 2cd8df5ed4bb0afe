"""Batch files from the core system: Excel (.xlsx) or CSV (UTF-8 or GBK), one record a row.

The first row is the header; columns are found by name (Chinese or the JSON key, any order),
so a core system's own export can be sent as it is. See docs/core-system-feed.md.
"""

from collections.abc import Callable
from typing import Any

from core_ledger.feed.records import FIELD_ZH
from core_ledger.spreadsheet import header_columns, table_rows
from kernel.errors import Invalid

HEADERS: dict[str, tuple[str, ...]] = {
    "business_no": ("业务流水号", "业务编号", "流水号"),
    "kind": ("业务类型", "类型"),
    "ground": ("提取原因", "业务原因", "原因"),
    "occurred_at": ("办理时间", "业务时间", "发生时间"),
    "outlet_code": ("网点编号", "网点代码"),
    "teller_code": ("柜员编号", "柜员号"),
    "name": ("姓名", "职工姓名", "客户姓名"),
    "id_number": ("身份证号码", "身份证号", "证件号码"),
    "phone": ("手机号码", "手机号", "联系电话"),
    "project_code": ("楼盘编号", "签约楼盘编号", "项目编号"),
}
REQUIRED = ("business_no", "kind", "occurred_at", "outlet_code", "teller_code", "name")
MAX_ROWS = 100_000


def _columns(header: list[Any]) -> dict[str, int]:
    found, labels = header_columns(header, HEADERS)
    missing = [FIELD_ZH[field] for field in REQUIRED if field not in found]
    if missing:
        raise Invalid(
            f"第 1 行须为表头，缺少列：{'、'.join(missing)}；读到的表头为：{'、'.join(labels)}"
        )
    return found


def read_records(
    data: bytes, *, filename: str, on_row: Callable[[int], None] | None = None
) -> list[tuple[int, dict[str, Any]]]:
    """Every non-blank row as (line number, {field: cell}); the header is line 1."""
    rows = table_rows(data, filename=filename)
    header = next(rows, None)
    if header is None:
        raise Invalid(f"文件 {filename} 是空的")
    columns = _columns(header)
    records = []
    for number, row in enumerate(rows, start=2):
        if number > MAX_ROWS + 1:
            raise Invalid(f"文件超过 {MAX_ROWS} 行，请分批发送")
        if not any(str(cell or "").strip() for cell in row):
            continue  # a blank line
        records.append((number, {f: row[i] if i < len(row) else None for f, i in columns.items()}))
        if on_row:
            on_row(number - 1)
    if not records:
        raise Invalid(f"文件 {filename} 中没有业务记录")
    return records
