"""File formats of the usage export: a zip of a UTF-8 (with BOM) CSV and parameters.json, or an XLSX workbook.

Both writers stream: rows come from an iterator and go straight to the file, so memory does not grow with rows.
`on_progress(rows_written)` is called every `every` rows.
"""
import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connections
from django.db.models import QuerySet

from .columns import EXPORT_HEADERS, export_row
from .xlsx import XlsxWriter

CSV_NAME = "PSTN usage details.csv"
PARAMETERS_NAME = "parameters.json"
SHEET_NAME = "PSTN usage details"
XLSX_MAX_ROWS = 1_048_575  # an Excel sheet's 1,048,576 rows less the header
PROGRESS_EVERY = 5000
LINE_END = "\n"  # PostgreSQL's COPY ends lines so; Excel reads either


class ValuesCsv:
    """CSV bytes of the export, each row formatted in Python from a tuple of EXPORT_FIELDS (any database).

    `rows` counts the rows formatted so far; once iterated, all of them."""

    def __init__(self, values: Iterable[tuple[Any, ...]], *, chunk_rows: int = 1000) -> None:
        self.values = values
        self.chunk_rows = chunk_rows
        self.rows = 0

    def __iter__(self):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator=LINE_END)
        for values_row in self.values:
            writer.writerow(export_row(values_row, text=True))
            self.rows += 1
            if self.rows % self.chunk_rows == 0:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode()


class PostgresCopyCsv:
    """CSV bytes written by PostgreSQL itself (COPY (query) TO STDOUT), the same bytes ValuesCsv gives, without a
    Python object per row: a year of a large tenant's calls fits the export's time budget this way.

    `queryset` selects export_sql_columns() in order. While streaming, `rows` counts line ends (a value holding a
    line break counts twice); once iterated it is PostgreSQL's own count of rows copied."""

    def __init__(self, queryset: QuerySet[Any, Any]) -> None:
        self.queryset = queryset
        self.rows = 0

    def __iter__(self):
        sql, params = self.queryset.query.sql_with_params()
        # A connection of its own: while a COPY streams, its connection can run nothing else, and the export
        # writes its progress through the usual one.
        connection = connections.create_connection(self.queryset.db)
        try:
            with connection.cursor() as cursor:
                raw = cursor.cursor  # the psycopg cursor under Django's wrapper
                with raw.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
                    for chunk in copy:
                        data = bytes(chunk)
                        self.rows += data.count(b"\n")
                        yield data
                self.rows = raw.rowcount
        finally:
            connection.close()


def _header_line():
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=LINE_END).writerow(EXPORT_HEADERS)
    return buffer.getvalue()


def write_csv_zip(path: str, source: "ValuesCsv | PostgresCopyCsv", *, parameters: Callable[[int], dict[str, Any]],
                  on_progress: Callable[[int], None], every: int = PROGRESS_EVERY) -> int:
    """Writes the zip at `path` from `source` (ValuesCsv or PostgresCopyCsv); returns the number of rows.
    `parameters(rows)` gives parameters.json's content once the rows are written."""
    next_report = every
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open(CSV_NAME, "w", force_zip64=True) as csv_file:
            # The BOM makes Excel read the file as UTF-8 (names such as "Zoë" or "Łukasz").
            csv_file.write(_header_line().encode("utf-8-sig"))
            for chunk in source:
                csv_file.write(chunk)
                if source.rows >= next_report:
                    on_progress(source.rows)
                    next_report = source.rows + every
        archive.writestr(PARAMETERS_NAME, json.dumps(parameters(source.rows), indent=2, ensure_ascii=False))
    return source.rows


def _parameter_rows(parameters, prefix=""):
    for key, value in parameters.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _parameter_rows(value, prefix=f"{name}.")
        elif isinstance(value, list):
            yield name, ", ".join(str(v) for v in value)
        else:
            yield name, value


def _sheet_rows(values, on_progress, every):
    rows = 0
    for values_row in values:
        if rows == XLSX_MAX_ROWS:
            raise ValueError(f"The export has more than {XLSX_MAX_ROWS:,} rows, more than an Excel sheet holds.")
        yield export_row(values_row, text=False)
        rows += 1
        if rows % every == 0:
            on_progress(rows)


def write_xlsx(path: str, values: Iterable[tuple[Any, ...]], *, parameters: Callable[[int], dict[str, Any]],
               on_progress: Callable[[int], None], every: int = PROGRESS_EVERY) -> int:
    """Writes a workbook of the rows (header frozen) and a Parameters sheet; returns the number of rows."""
    with XlsxWriter(path, [SHEET_NAME, "Parameters"], title=SHEET_NAME) as book:
        rows = book.write_sheet(_sheet_rows(values, on_progress, every), header=EXPORT_HEADERS, frozen_header=True)
        book.write_sheet(_parameter_rows(parameters(rows)), header=("Parameter", "Value"))
    return rows
