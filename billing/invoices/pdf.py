"""Invoice and statement PDFs: Django templates in templates/billing/pdf/ laid out by WeasyPrint, offline."""
import logging
from datetime import UTC, datetime, time

from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from .models import Invoice
from .statements import StatementData, country_label
from .templatetags.invoice_tags import call_duration, money

# WeasyPrint logs every page it lays out at INFO; a 90-page statement would flood the worker's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# Everything the templates need is inline (CSS, the SVG logo, local system fonts): refuse any fetch, so a
# render never waits on the network.
_OFFLINE = URLFetcher(allowed_protocols={"data"})

# The call appendix is one monospaced cell per call: laying out one box per row instead of eight keeps a
# 5,000-call statement within seconds and a few hundred MB. Columns: (title, width, right-aligned).
CALL_COLUMNS = (("Time stamp (UTC)", 19, False), ("Username", 30, False), ("Call type", 19, False),
                ("Called to", 16, False), ("Country", 7, False), ("Duration", 8, True), ("Charge", 10, True))


def _fit(text, width, right):
    text = text if len(text) <= width else text[: width - 1] + "…"
    return text.rjust(width) if right else text.ljust(width)


def call_row(values):
    return "  ".join(_fit(value, width, right) for value, (_, width, right) in zip(values, CALL_COLUMNS, strict=True))


def invoice_pdf_context(invoice):
    context = {"invoice": invoice, "lines": list(invoice.lines.all()), "seller": invoice.seller, "buyer": invoice.buyer}
    if invoice.kind == Invoice.Kind.STATEMENT:
        data = StatementData.from_json(invoice.snapshot.data)
        context["statement"] = data
        context["usage_by_country"] = sorted(
            ({"name": country_label(row.country), "row": row} for row in data.usage_by_country),
            key=lambda item: (-item["row"].amount, item["name"]))
        context["usage_by_user"] = sorted(data.usage_by_user, key=lambda row: (-row.amount, row.display_name))
        context["calls_header"] = call_row([title for title, _, _ in CALL_COLUMNS])
        context["call_rows"] = [
            call_row([f"{c.started_at:%Y-%m-%d %H:%M:%S}", c.user_principal_name, c.call_type, c.destination,
                      c.country or "Unknown", call_duration(c.duration_seconds), money(c.charge, invoice.currency)])
            for c in sorted(data.calls, key=lambda call: (call.started_at, call.call_id))
        ]
        month_start = datetime.combine(invoice.period_start, time.min, tzinfo=UTC)
        context["calls_started_before"] = sum(1 for c in data.calls if c.started_at < month_start)
    return context


def render_invoice_pdf_bytes(invoice: Invoice) -> bytes:
    """The PDF of any invoice, statement or credit note, as bytes."""
    template = "billing/pdf/statement.html" if invoice.kind == Invoice.Kind.STATEMENT else "billing/pdf/invoice.html"
    html = render_to_string(template, invoice_pdf_context(invoice))
    return HTML(string=html, url_fetcher=_OFFLINE).write_pdf()
