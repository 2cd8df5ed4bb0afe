"""Workbooks people download: formula-looking text stays text, numbers stay numbers."""

from io import BytesIO
from zipfile import ZipFile

from openpyxl import load_workbook

from kernel.spreadsheet import table_workbook

TRICKS = ["=1+1", "+86 138", "-2+3", "@SUM(A1)", "\t=cmd", '=HYPERLINK("http://x","y")']


def test_text_that_looks_like_a_formula_is_stored_as_text_and_shown_as_typed() -> None:
    content = table_workbook(
        title="=evil title",
        headers=("名称", "数量"),
        rows=[(text, -3) for text in TRICKS] + [("城东网点", 2.5)],
        notes=("说明：=不是公式",),
    )
    sheet = load_workbook(BytesIO(content)).active
    assert sheet is not None
    assert sheet["A1"].value == "=evil title" and sheet["A1"].data_type == "s"
    assert [c.value for c in sheet[2]] == ["名称", "数量"]
    for row, text in enumerate(TRICKS, start=3):
        cell = sheet.cell(row=row, column=1)
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
        assert sheet.cell(row=row, column=2).value == -3  # a negative number is still a number
    plain = sheet.cell(row=3 + len(TRICKS), column=1)
    assert (plain.value, plain.quotePrefix) == ("城东网点", False)
    assert sheet.cell(row=3 + len(TRICKS), column=2).value == 2.5
    assert sheet.cell(row=sheet.max_row - 1, column=1).value is None  # a blank line before notes
    assert sheet.cell(row=sheet.max_row, column=1).value == "说明：=不是公式"
    with ZipFile(BytesIO(content)) as book:
        xml = book.read("xl/worksheets/sheet1.xml").decode()
    assert "=1+1" in xml and "<f>" not in xml  # no formula anywhere in the sheet
