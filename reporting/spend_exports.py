"""Spend by department as CSV and XLSX: a row per group (or user), a column per month, the total and the calls."""
import csv

from core.spreadsheets import safe_text

from .xlsx import XlsxWriter


def _header(table, first):
    return [first, *(f"{month:%Y-%m}" for month in table.months), "Total", "Calls"]


def write_spend_csv(table, stream, *, first):
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(_header(table, first))
    for row in table.rows:
        writer.writerow([safe_text(row.upn or row.label), *(f"{amount:.2f}" for amount in row.months), f"{row.total:.2f}",
                         row.calls])
    writer.writerow(["Total", *(f"{amount:.2f}" for amount in table.totals), f"{table.total:.2f}", table.calls])


def write_spend_xlsx(table, stream, *, first, title, created):
    """Amounts are numbers (US dollars), names are text cells (an inline string is never read as a formula)."""
    rows = [[row.upn or row.label, *row.months, row.total, row.calls] for row in table.rows]
    rows.append(["Total", *table.totals, table.total, table.calls])
    with XlsxWriter(stream, [title[:31]], title=title, created=created) as book:
        book.write_sheet(rows, header=_header(table, first), frozen_header=True)
