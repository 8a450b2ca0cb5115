"""Text written into CSV files people open in a spreadsheet: a cell that starts like a formula is kept as text."""

# Excel, LibreOffice and Google Sheets run a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value):
    """`value` as text a spreadsheet shows as written: a leading apostrophe before what would start a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
