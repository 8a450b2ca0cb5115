"""File formats of the usage export: a zip of a UTF-8 (with BOM) CSV and parameters.json, or an XLSX workbook.

Both writers stream: rows come from an iterator and go straight to the file, so memory does not grow with rows.
`on_progress(rows_written)` is called every `every` rows.
"""
import csv
import io
import json
import zipfile

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .columns import EXPORT_HEADERS, export_row

CSV_NAME = "PSTN usage details.csv"
PARAMETERS_NAME = "parameters.json"
SHEET_NAME = "PSTN usage details"
XLSX_MAX_ROWS = 1_048_575  # an Excel sheet's 1,048,576 rows less the header
PROGRESS_EVERY = 5000


def write_csv_zip(path, values, *, parameters, on_progress, every=PROGRESS_EVERY):
    """Writes the zip at `path`; returns the number of rows. `parameters()` gives parameters.json's content once
    the rows are written (so that it can hold the row count)."""
    rows = 0
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open(CSV_NAME, "w", force_zip64=True) as raw:
            # utf-8-sig writes the BOM Excel needs to read the file as UTF-8 (names like "Zoë", "Łukasz").
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="", write_through=False)
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow(EXPORT_HEADERS)
            for values_row in values:
                writer.writerow(export_row(values_row, text=True))
                rows += 1
                if rows % every == 0:
                    on_progress(rows)
            text.flush()
            text.detach()
        archive.writestr(PARAMETERS_NAME, json.dumps(parameters(rows), indent=2, ensure_ascii=False))
    return rows


def _parameter_rows(parameters, prefix=""):
    for key, value in parameters.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _parameter_rows(value, prefix=f"{name}.")
        elif isinstance(value, list):
            yield name, ", ".join(str(v) for v in value)
        else:
            yield name, value


def write_xlsx(path, values, *, parameters, on_progress, every=PROGRESS_EVERY):
    """Writes a write-only workbook (rows stream to disk) with the rows and a Parameters sheet; returns the rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET_NAME)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([_bold_cell(sheet, title, bold) for title in EXPORT_HEADERS])
    rows = 0
    for values_row in values:
        if rows == XLSX_MAX_ROWS:
            raise ValueError(f"The export has more than {XLSX_MAX_ROWS:,} rows, more than an Excel sheet holds.")
        sheet.append(export_row(values_row, text=False))
        rows += 1
        if rows % every == 0:
            on_progress(rows)
    about = book.create_sheet("Parameters")
    for key, value in _parameter_rows(parameters(rows)):
        about.append([key, value])
    book.save(path)
    return rows


def _bold_cell(sheet, value, font):
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = font
    return cell
