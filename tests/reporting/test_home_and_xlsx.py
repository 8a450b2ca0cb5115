"""The Home card of Reports, and the streaming XLSX writer read back by openpyxl."""
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from reporting.xlsx import XlsxWriter
from tests.reporting.factories import CallRecordFactory


def _card(response, title):
    return next(card for card in response.context["cards"] if card["title"] == title)


def test_home_card_shows_this_months_minutes_and_charges(client_as, reports_reader, tenant, other_tenant):
    now = timezone.now()
    month_start = datetime(now.year, now.month, 1, tzinfo=UTC)
    CallRecordFactory(tenant=tenant, start_at=month_start + timedelta(minutes=1), duration_seconds=3600,
                      charge=Decimal("1.25"))
    CallRecordFactory(tenant=tenant, start_at=month_start, duration_seconds=59, charge=Decimal("0.10"))
    CallRecordFactory(tenant=tenant, start_at=month_start - timedelta(seconds=1), duration_seconds=600,
                      charge=Decimal("9.00"))
    CallRecordFactory(tenant=other_tenant, start_at=month_start + timedelta(minutes=1), charge=Decimal("7.00"))
    card = _card(client_as(reports_reader).get(reverse("accounts:home")), "PSTN usage")
    assert card["figures"] == [("Minutes this month", "60"), ("Charges this month", "$1.35")]
    assert card["lines"] == [f"2 calls since {month_start:%b} 1 (UTC)"]
    assert ("PSTN usage report", reverse("reporting:pstn_usage")) in card["links"]
    assert ("Credits dashboard", reverse("reporting:credits_dashboard")) in card["links"]


def test_home_card_is_only_for_report_readers(client_as, billing_admin):
    response = client_as(billing_admin).get(reverse("accounts:home"))
    assert not [card for card in response.context["cards"] if card["title"] == "PSTN usage"]


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
