"""Text written into CSV and XLSX files people open in a spreadsheet: a cell that starts like a formula is kept as
text (OWASP, "CSV Injection"), in Python (safe_text) and in PostgreSQL's COPY of the usage export (safe_text_sql)."""
import re

from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Concat

# Excel, LibreOffice and Google Sheets run a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_START_RE = "^[=+@\t\r-]"
# A plain signed number ("+14255550100", "-0.45") is no formula: it is written as it is.
_PLAIN_NUMBER_RE = r"^[+-]?[0-9]+(\.[0-9]+)?$"
_PLAIN_NUMBER = re.compile(_PLAIN_NUMBER_RE)


def safe_text(value):
    """`value` as text a spreadsheet shows as written: a leading apostrophe before what would start a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.match(text):
        return f"'{text}"
    return text


def safe_text_sql(field):
    """safe_text of a text column as a database expression (the same decision, value for value)."""
    return Case(When(Q(**{f"{field}__regex": _FORMULA_START_RE}) & ~Q(**{f"{field}__regex": _PLAIN_NUMBER_RE}),
                     then=Concat(Value("'"), F(field))), default=F(field))
