"""The streaming XLSX writer, read back by openpyxl."""
from datetime import datetime
from decimal import Decimal

import openpyxl
import pytest

from reporting.xlsx import XlsxWriter


def test_xlsx_cells_keep_their_text_numbers_and_dates(tmp_path):
    path = tmp_path / "book.xlsx"
    moment = datetime(2026, 3, 31, 23, 59, 58)
    rows = [("Ampersand & <tag> \"q\"", " padded ", "bell\x07gone", 42, Decimal("0.05"), moment, "", None, "Zoë 山田")]
    with XlsxWriter(path, ["Data", "About <1>"], title="T & T") as book:
        assert book.write_sheet(iter(rows), header=("a", "b", "c", "d", "e", "f", "g", "h", "i"), frozen_header=True) == 1
        book.write_sheet(iter([("k", "v")]))
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Data", "About <1>"]
    sheet = workbook["Data"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    values = [cell.value for cell in sheet[2]]
    assert values[:6] == ["Ampersand & <tag> \"q\"", " padded ", "bellgone", 42, 0.05, moment]
    assert values[6:8] == [None, None] and values[8] == "Zoë 山田"
    assert sheet["F2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert [cell.value for cell in workbook["About <1>"][1]] == ["k", "v"]


def test_a_workbook_with_a_missing_sheet_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="2 sheets were named but 1 written"):
        with XlsxWriter(tmp_path / "book.xlsx", ["One", "Two"]) as book:
            book.write_sheet(iter([(1,)]))
