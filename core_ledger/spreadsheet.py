"""Files the centre's people and systems send: Excel (.xlsx) or CSV (UTF-8 or GBK), by header.

One reader for every upload (remittance lists, the core system's batch files): rows as lists
of cells, and columns found by the names a header may give them, in any order.
"""

import csv
import io
from collections.abc import Iterator, Mapping
from typing import Any

from openpyxl import load_workbook

from kernel.errors import Invalid


def table_rows(data: bytes, *, filename: str) -> Iterator[list[Any]]:
    """Every row of the file's first sheet (Excel) or of the CSV, the header first."""
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm")):
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds for a damaged file
            raise Invalid(
                f"无法读取 Excel 文件 {filename}：{error}（请另存为 .xlsx 后重试）"
            ) from None
        sheet = book.active
        if sheet is None:
            raise Invalid(f"Excel 文件 {filename} 中没有可读取的工作表")
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
        return
    if name.endswith((".csv", ".txt")):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise Invalid(f"无法识别文件 {filename} 的编码，请保存为 UTF-8 或 GBK 编码的 CSV")
        yield from csv.reader(io.StringIO(text))
        return
    raise Invalid(f"不支持的文件类型：{filename}（请使用 .xlsx 或 .csv 文件）")


def header_columns(
    header: list[Any], names: Mapping[str, tuple[str, ...]]
) -> tuple[dict[str, int], list[str]]:
    """({field: column index} of the fields the header names, the header's labels as read).

    A field's column is the first whose label is one of its names, or the field's own key.
    """
    labels = [str(cell or "").strip() for cell in header]
    found: dict[str, int] = {}
    for field, accepted in names.items():
        for index, label in enumerate(labels):
            if label in accepted or label.lower() == field:
                found[field] = index
                break
    return found, labels
