"""Remittance lists (汇缴清册) as units send them: Excel (.xlsx) or CSV (UTF-8 or GBK).

Columns, by header (any order): 账号 (required), 姓名 (checked against the account when
present), 缴存基数 in yuan (optional: the base on file is used when the cell is empty).
"""

from collections.abc import Callable
from typing import Any

from core_ledger.money import parse_yuan
from core_ledger.remittance.roster import RosterLine, RowErrors
from core_ledger.spreadsheet import header_columns, table_rows
from kernel.errors import DomainError, Invalid

HEADERS = {
    "account_no": ("账号", "个人账号", "公积金账号", "个人公积金账号", "account_no"),
    "name": ("姓名", "职工姓名", "name"),
    "wage_base": ("缴存基数", "工资基数", "月缴存基数", "wage_base", "wage_base_yuan"),
}
MAX_ROWS = 100_000


def _columns(header: list[Any]) -> dict[str, int]:
    found, labels = header_columns(header, HEADERS)
    if "account_no" not in found:
        raise Invalid(f"汇缴清册第 1 行须为表头，且包含“账号”列；读到的表头为：{'、'.join(labels)}")
    return found


def _text(cell: Any) -> str:
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return "" if cell is None else str(cell).strip()


def _line(row: list[Any], columns: dict[str, int], number: int) -> RosterLine | None:
    def cell(field: str) -> str:
        index = columns.get(field)
        return _text(row[index]) if index is not None and index < len(row) else ""

    account_no = cell("account_no")
    if not account_no and not any(_text(c) for c in row):
        return None  # a blank row
    if not account_no:
        raise Invalid(f"第 {number} 行缺少账号")
    base = cell("wage_base")
    return RosterLine(
        account_no=account_no,
        name=cell("name") or None,
        wage_base_fen=parse_yuan(base) if base else None,
        row=number,
    )


def read_roster(
    data: bytes, *, filename: str, on_row: Callable[[int], None] | None = None
) -> list[RosterLine]:
    """Every line of an uploaded list; RowErrors naming each bad row if any is wrong."""
    rows = table_rows(data, filename=filename)
    header = next(rows, None)
    if header is None:
        raise Invalid(f"文件 {filename} 是空的")
    columns = _columns(header)
    lines, errors = [], []
    for number, row in enumerate(rows, start=2):
        if number > MAX_ROWS:
            raise Invalid(f"汇缴清册超过 {MAX_ROWS} 行，请分单位或分批提交")
        try:
            line = _line(row, columns, number)
        except DomainError as error:
            errors.append(
                error.message
                if error.message.startswith("第")
                else f"第 {number} 行：{error.message}"
            )
            continue
        if line is not None:
            lines.append(line)
        if on_row:
            on_row(number - 1)
    if errors:
        raise RowErrors(errors)
    if not lines:
        raise Invalid(f"文件 {filename} 中没有职工明细")
    return lines
