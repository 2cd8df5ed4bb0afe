"""Excel workbooks people take away: any table as a sheet, with formula injection made inert.

A cell that starts with = + - @ (or a tab / carriage return) is read by Excel and WPS as a
formula: a staff or outlet name, a suggestion typed by a caller or a finding written by an
inspector could run `=HYPERLINK(...)` or worse on the manager's machine. `append_row` stores
such text as an explicit string cell, so it shows exactly as typed and never evaluates.
Numbers stay numbers (a negative number is a number, not text that starts with "-").
"""

from collections.abc import Iterable, Sequence
from io import BytesIO

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")


def append_row(sheet: Worksheet, values: Iterable[object]) -> None:
    """Append one row; every string cell is stored as a string, never as a formula."""
    row = sheet.max_row + 1 if sheet.max_row > 1 or sheet["A1"].value is not None else 1
    sheet.cell(row=row, column=1)  # an empty row still takes its line
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column)
        assert isinstance(cell, Cell)  # a fresh row has no merged cells
        cell.value = value  # type: ignore[assignment]
        if isinstance(value, str):
            # openpyxl marks text starting with "=" as a formula: force the string type, and
            # mark formula-looking text quote-prefixed so editing the cell keeps it text.
            cell.data_type = "s"
            if value.startswith(FORMULA_STARTS):
                cell.quotePrefix = True


def table_workbook(
    *, title: str, headers: Sequence[str], rows: Iterable[Sequence[object]], notes: Sequence[str]
) -> bytes:
    """One table as an .xlsx file: a title line, bold headers, the rows, then notes below."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _sheet_title(title)
    append_row(sheet, [title])
    sheet["A1"].font = Font(bold=True, size=14)
    append_row(sheet, headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
    for values in rows:
        append_row(sheet, values)
    if notes:
        append_row(sheet, [])
        for line in notes:
            append_row(sheet, [line])
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, 2 * len(header) + 4)
    sheet.freeze_panes = "A3"
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    """Excel refuses sheet names over 31 characters or with []:*?/\\ in them."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title)
    return cleaned[:31] or "Sheet1"
