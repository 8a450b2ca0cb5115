"""Export to Excel: the CSV zip and XLSX hold exactly the report's rows, jobs move to done with progress, another
tenant's export is a 404, and nothing half-written is ever offered."""
import csv
import io
import json
import os
import uuid
import zipfile
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from billing.rating.models import CallRecord
from reporting import exports
from reporting.columns import EXPORT_FIELDS, EXPORT_HEADERS
from reporting.models import ExportJob
from reporting.services import export_run
from tests.factories import UserFactory
from tests.reporting.factories import CallRecordFactory

START = reverse("reporting:export_start")


@pytest.fixture(autouse=True)
def committed(transactional_db):
    """On PostgreSQL the CSV is read by COPY on a connection of its own, which only sees committed rows."""


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def calls(tenant, other_tenant, charged_call, fund):
    now = timezone.now().replace(microsecond=0)
    fund(100, at=now - timedelta(days=30))
    zoe = UserFactory(tenant=tenant, upn="zoe@contoso.test", display_name='Zoë "ZZ" Łukasiewicz, Jr.',
                      usage_location="PL")
    rows = [
        charged_call("0.42", user=zoe, start_at=now - timedelta(days=1), usage_country="PL", callee_country="DE",
                     callee_number="+4930901820", destination_context="International",
                     destination_name="Germany - Fixed"),
        CallRecordFactory(tenant=tenant, user=zoe, start_at=now - timedelta(days=2), call_type="user_in",
                          capability="FREECALL", caller_number="+14255550199", caller_country="US",
                          callee_number="+48221234567", callee_country="PL", conference_id=""),
        CallRecordFactory(tenant=tenant, start_at=now - timedelta(days=3), call_type="conf_out",
                          conference_id="conf-881", capability="MCOMEETADD", duration_source="operator"),
    ]
    CallRecordFactory(tenant=tenant, start_at=now - timedelta(days=40))  # outside 28 days
    CallRecordFactory(tenant=other_tenant, start_at=now - timedelta(days=1))
    return rows


def _start(client, data, captured):
    with captured(execute=True):
        response = client.post(START, data)
    return response


def _job(response):
    assert response.status_code == 302, response.content[:500]
    return ExportJob.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])


def _download(client, job):
    response = client.get(reverse("reporting:export_download", args=[job.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _expected_rows(records):
    """The export rows written out by hand from the records, oldest first."""
    out = []
    for r in sorted(records, key=lambda r: (r.start_at, r.pk)):
        inbound = r.call_type in ("user_in", "conf_in", "unassigned_in")
        out.append([str(r.usage_id), r.call_id, r.conference_id, r.usage_country,
                    str(r.user_object_id) if r.user_object_id else "", r.user_principal_name, r.user_display_name,
                    r.caller_number, r.call_type, "Inbound" if inbound else "Outbound", r.number_type,
                    r.destination_context, r.destination_name, r.callee_number,
                    r.caller_country if inbound else r.callee_country, f"{r.start_at:%Y-%m-%dT%H:%M:%S}Z",
                    f"{r.end_at:%Y-%m-%dT%H:%M:%S}Z", str(r.duration_seconds), f"{r.connection_charge:.2f}",
                    f"{r.charge:.2f}", "USD", r.capability, "Microsoft",
                    {"microsoft": "Microsoft", "operator": "Operator"}[r.duration_source], ""])
    return out


def test_csv_export_is_a_zip_of_a_utf8_bom_csv_and_parameters_json(client_as, reports_reader, calls,
                                                                    django_capture_on_commit_callbacks):
    client = client_as(reports_reader)
    job = _job(_start(client, {"range": "28", "format": "csv"}, django_capture_on_commit_callbacks))
    job.refresh_from_db()
    assert (job.status, job.progress, job.row_count, job.total_rows) == ("succeeded", 100, 3, 3)
    archive = zipfile.ZipFile(io.BytesIO(_download(client, job)))
    assert sorted(archive.namelist()) == ["PSTN usage details.csv", "parameters.json"]
    raw = archive.read("PSTN usage details.csv")
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == list(EXPORT_HEADERS)
    assert rows[1:] == _expected_rows(calls)
    about = json.loads(archive.read("parameters.json"))
    today = timezone.now().date()
    assert about["report"] == "PSTN usage details" and about["rowCount"] == 3 and about["format"] == "csv"
    assert about["dateRange"] == {"range": "28", "from": (today - timedelta(days=27)).isoformat(),
                                  "to": today.isoformat()}
    assert about["requestedBy"] == reports_reader.upn and about["columns"] == list(EXPORT_HEADERS)


def test_export_charges_equal_the_ledger_debits_of_the_exported_calls(client_as, reports_reader, calls, tenant,
                                                                     django_capture_on_commit_callbacks):
    from billing.credits.models import LedgerEntry

    client = client_as(reports_reader)
    job = _job(_start(client, {"range": "28", "format": "csv"}, django_capture_on_commit_callbacks))
    archive = zipfile.ZipFile(io.BytesIO(_download(client, job)))
    rows = list(csv.DictReader(io.StringIO(archive.read("PSTN usage details.csv").decode("utf-8-sig"))))
    exported = sum((Decimal(row["Charge"]) for row in rows), Decimal("0"))
    ledger = -sum((e.amount for e in LedgerEntry.objects.filter(account__tenant=tenant,
                                                                call_id__in=[r["Call ID"] for r in rows])), Decimal("0"))
    assert exported == ledger == Decimal("0.42")


def test_xlsx_export_holds_the_same_rows_with_numbers_and_dates(client_as, reports_reader, calls,
                                                                django_capture_on_commit_callbacks):
    client = client_as(reports_reader)
    job = _job(_start(client, {"range": "28", "format": "xlsx"}, django_capture_on_commit_callbacks))
    job.refresh_from_db()
    assert job.status == "succeeded" and job.file_name.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(_download(client, job)))
    assert book.sheetnames == ["PSTN usage details", "Parameters"]
    sheet = book["PSTN usage details"]
    rows = [[("" if v is None else v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert tuple(rows[0]) == EXPORT_HEADERS and sheet.freeze_panes == "A2"
    expected = _expected_rows(calls)
    for row, want in zip(rows[1:], expected, strict=True):
        assert [str(v) for v in row[:15]] == want[:15]
        assert row[15] == calls_by_id(calls)[row[1]].start_at.replace(tzinfo=None)
        assert row[17] == int(want[17]) and Decimal(str(row[19])) == Decimal(want[19])
    parameters = dict(book["Parameters"].iter_rows(min_row=2, values_only=True))
    assert parameters["rowCount"] == 3 and parameters["report"] == "PSTN usage details"


def calls_by_id(records):
    return {r.call_id: r for r in records}


def test_filters_are_applied_to_the_export_and_recorded(client_as, reports_reader, calls,
                                                        django_capture_on_commit_callbacks):
    client = client_as(reports_reader)
    job = _job(_start(client, {"range": "28", "format": "csv", "username": "zoe@contoso.test",
                               "context": "International"}, django_capture_on_commit_callbacks))
    archive = zipfile.ZipFile(io.BytesIO(_download(client, job)))
    rows = list(csv.reader(io.StringIO(archive.read("PSTN usage details.csv").decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == [calls[0].call_id]
    filters = json.loads(archive.read("parameters.json"))["filters"]
    assert filters["username"] == "zoe@contoso.test" and filters["domesticInternational"] == "International"


@pytest.fixture
def queued(monkeypatch):
    """Exports are queued but no worker has taken them yet: the task ids sent, in order."""
    from reporting.tasks import export_pstn_usage

    sent = []
    monkeypatch.setattr(export_pstn_usage, "delay", sent.append)
    return sent


def test_htmx_export_answers_with_a_progress_bar_that_polls_until_done(client_as, reports_reader, calls, queued):
    client = client_as(reports_reader)
    response = client.post(START, {"range": "28", "format": "csv"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    job = ExportJob.objects.get()
    assert job.status == "pending" and queued == [str(job.pk)]
    assert "<progress" in body and f'hx-get="/reports/exports/{job.pk}/"' in body and 'hx-trigger="every 1s"' in body
    export_run(job_id=job.pk)
    done = client.get(reverse("reporting:export_status", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done and "PSTN usage details 20" in done and 'value="100"' in done


def test_the_csv_writer_reports_progress_every_n_rows(tmp_path):
    seen = []
    source = exports.ValuesCsv(iter([_values_row(n) for n in range(25)]), chunk_rows=5)
    rows = exports.write_csv_zip(tmp_path / "x.zip", source, parameters=lambda rows: {"rowCount": rows},
                                 on_progress=seen.append, every=10)
    assert rows == 25 and seen == [10, 20]


def _values_row(n):
    record = CallRecordFactory.build(call_id=f"c{n}", start_at=timezone.now())
    return tuple(getattr(record, field) for field in EXPORT_FIELDS)


def test_the_job_shows_progress_while_rows_are_written(tenant, reports_reader, monkeypatch):
    from reporting import services
    from reporting.parameters import UsageParameters
    from reporting.periods import preset_range
    from reporting.selectors.usage import export_values

    now = timezone.now()
    CallRecordFactory.create_batch(25, tenant=tenant, start_at=now - timedelta(hours=3))
    seen = []
    writer = services.write_csv_zip

    def small_steps(path, source, *, parameters, on_progress):
        def record(rows):
            on_progress(rows)
            seen.append(ExportJob.objects.values_list("status", "progress", "row_count").get())
        return writer(path, source, parameters=parameters, on_progress=record, every=10)

    # Small chunks and steps so that a 25-row export reports progress twice on the way.
    monkeypatch.setattr(services, "write_csv_zip", small_steps)
    monkeypatch.setattr(services, "export_csv", lambda *, tenant, parameters: exports.ValuesCsv(
        export_values(tenant=tenant, parameters=parameters), chunk_rows=5))
    job = services.export_request(tenant=tenant, actor=reports_reader,
                                  parameters=UsageParameters(period=preset_range(7, today=now.date())), format="csv")
    assert seen == [("running", 40, 10), ("running", 80, 20)]
    job.refresh_from_db()
    assert (job.status, job.progress, job.row_count, job.total_rows) == ("succeeded", 100, 25, 25)


def test_another_tenants_export_is_not_found(client_as, reports_reader, other_tenant_admin, calls,
                                             django_capture_on_commit_callbacks):
    job = _job(_start(client_as(reports_reader), {"range": "28", "format": "csv"}, django_capture_on_commit_callbacks))
    outsider = client_as(other_tenant_admin)
    assert outsider.get(reverse("reporting:export_status", args=[job.pk])).status_code == 404
    assert outsider.get(reverse("reporting:export_download", args=[job.pk])).status_code == 404


def test_a_failed_export_keeps_no_file_and_says_why(client_as, reports_reader, calls, monkeypatch, settings,
                                                    django_capture_on_commit_callbacks):
    def disk_full(self, name, data, *args, **kwargs):
        raise OSError(28, "No space left on device")

    # Every row is written before parameters.json; failing there shows a nearly complete file is not kept either.
    monkeypatch.setattr(zipfile.ZipFile, "writestr", disk_full)
    client = client_as(reports_reader)
    job = _job(_start(client, {"range": "28", "format": "csv"}, django_capture_on_commit_callbacks))
    job.refresh_from_db()
    assert job.status == "failed" and not job.file and job.finished_at
    assert job.error.startswith("The export could not be completed.")
    assert not list((settings.MEDIA_ROOT).rglob("*.zip"))
    assert client.get(reverse("reporting:export_download", args=[job.pk])).status_code == 404
    page = client.get(reverse("reporting:export_status", args=[job.pk])).content.decode()
    assert "Failed" in page and "The export could not be completed." in page


def test_running_an_export_twice_writes_it_once(tenant, reports_reader, calls, django_capture_on_commit_callbacks):
    from reporting.parameters import UsageParameters
    from reporting.periods import preset_range
    from reporting.services import export_request

    job = export_request(tenant=tenant, actor=reports_reader,
                         parameters=UsageParameters(period=preset_range(28, today=timezone.now().date())), format="csv")
    first = export_run(job_id=job.pk)
    second = export_run(job_id=job.pk)
    assert first.status == second.status == "succeeded" and first.file.name == second.file.name
    assert second.finished_at == first.finished_at


def test_a_job_whose_worker_died_is_taken_over_after_the_time_limit(tenant, reports_reader, calls):
    from reporting.services import STALE_AFTER

    job = ExportJob.objects.create(tenant=tenant, requested_by=reports_reader, requested_by_label=reports_reader.upn,
                                   parameters={"dateRange": {"range": "28", "from": "2026-01-01", "to": "2026-01-28"},
                                               "filters": {}}, format="csv", status="running",
                                   started_at=timezone.now() - timedelta(minutes=5))
    assert export_run(job_id=job.pk).status == "running"  # a live worker has it
    ExportJob.objects.filter(pk=job.pk).update(started_at=timezone.now() - STALE_AFTER - timedelta(minutes=1))
    assert export_run(job_id=job.pk).status == "succeeded"


def test_an_xlsx_export_larger_than_a_sheet_is_refused_before_it_starts(client_as, reports_reader, calls, monkeypatch):
    monkeypatch.setattr("reporting.services.XLSX_MAX_ROWS", 2)
    response = client_as(reports_reader).post(START, {"range": "28", "format": "xlsx"})
    assert response.status_code == 400
    assert "This report has 3 rows; an Excel sheet holds 2." in response.context["errors"]["format"]
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize(("data", "field"), [
    ({"range": "28", "format": "pdf"}, "format"),
    ({"range": "28"}, "format"),
    ({"range": "custom", "from": "2024-01-01", "to": "2024-02-01", "format": "csv"}, "from"),
    ({"range": "custom", "from": "2026-05-02", "to": "2026-05-01", "format": "csv"}, "from"),
    ({"range": "28", "call_type": "bogus", "format": "csv"}, "call_type"),
])
def test_bad_export_requests_are_refused_with_nothing_queued(client_as, reports_reader, data, field):
    response = client_as(reports_reader).post(START, data)
    assert response.status_code == 400 and field in response.context["errors"]
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize("persona", ["billing_admin", "license_admin"])
def test_only_report_readers_may_export(client_as, request, persona):
    assert client_as(request.getfixturevalue(persona)).post(START, {"range": "28", "format": "csv"}).status_code == 403


def test_a_pending_export_has_nothing_to_download(client_as, reports_reader, calls, queued):
    client = client_as(reports_reader)
    client.post(START, {"range": "28", "format": "csv"})
    job = ExportJob.objects.get()
    assert job.status == "pending"
    assert client.get(reverse("reporting:export_download", args=[job.pk])).status_code == 404
    page = client.get(reverse("reporting:export_status", args=[job.pk])).content.decode()
    assert "Waiting for a worker" in page and 'http-equiv="refresh"' in page


def test_old_exports_and_their_files_are_purged(tenant, reports_reader, calls, settings):
    from reporting.parameters import UsageParameters
    from reporting.periods import preset_range
    from reporting.services import KEEP_FILES_FOR, export_request, exports_purge

    job = export_request(tenant=tenant, actor=reports_reader,
                         parameters=UsageParameters(period=preset_range(28, today=timezone.now().date())), format="csv")
    path = export_run(job_id=job.pk).file.path
    assert exports_purge(now=timezone.now() + KEEP_FILES_FOR - timedelta(hours=1)) == 0
    assert exports_purge(now=timezone.now() + KEEP_FILES_FOR + timedelta(hours=1)) == 1
    assert not ExportJob.objects.exists() and not os.path.exists(path)


def test_the_export_is_recorded_in_the_audit_log(client_as, reports_reader, calls):
    from accounts.models import AuditLog

    client_as(reports_reader).post(START, {"range": "7", "format": "xlsx", "capability": "MCOPSTNPP"})
    entry = AuditLog.objects.get(action="reports.export")
    assert entry.actor == reports_reader and entry.after["format"] == "xlsx"
    assert entry.after["filters"] == {"capability": "MCOPSTNPP"}


@pytest.mark.postgres
def test_postgresql_writes_the_same_csv_bytes_as_python(tenant, tmp_path):
    """COPY is used on PostgreSQL for speed; its bytes must equal the Python writer's for awkward values."""
    from reporting.parameters import UsageParameters
    from reporting.periods import preset_range
    from reporting.selectors.usage import export_csv, export_values

    now = timezone.now()
    awkward = ['Comma, Person', 'Quote "Q" Person', "Line\nBreak", " padded ", "Zoë Łukasz 山田", "", "x" * 256,
               '=HYPERLINK("http://x","y")', "+SUM(1)", "-2+3", "@cmd", "\t=1", "+14255550100", "-0.45"]
    for n, name in enumerate(awkward):
        CallRecordFactory(tenant=tenant, start_at=now - timedelta(hours=n, microseconds=654321), user_display_name=name,
                          conference_id=name[:100], charge=Decimal("12.30"), connection_charge=Decimal("0.05"),
                          call_type=["user_out", "user_in", "conf_in", "unassigned_in"][n % 4],
                          duration_source=["microsoft", "operator"][n % 2],
                          user_object_id=uuid.uuid4() if n % 2 else None)
    parameters = UsageParameters(period=preset_range(7, today=now.date()))
    copy = export_csv(tenant=tenant, parameters=parameters)
    assert isinstance(copy, exports.PostgresCopyCsv)
    python = exports.ValuesCsv(export_values(tenant=tenant, parameters=parameters))
    copied, formatted = b"".join(copy), b"".join(python)
    assert copied == formatted
    assert copy.rows == python.rows == CallRecord.objects.count()


@pytest.mark.postgres
def test_progress_is_written_while_postgresql_streams_the_csv(tenant, reports_reader, monkeypatch):
    """The COPY has a connection of its own, so the job row can be updated while rows stream."""
    from reporting import services
    from reporting.parameters import UsageParameters
    from reporting.periods import preset_range

    now = timezone.now()
    CallRecordFactory.create_batch(25, tenant=tenant, start_at=now - timedelta(hours=3))
    seen = []
    writer = services.write_csv_zip

    def recording(path, source, *, parameters, on_progress):
        assert isinstance(source, exports.PostgresCopyCsv)

        def record(rows):
            on_progress(rows)
            seen.append(ExportJob.objects.values_list("progress", "row_count").get())
        return writer(path, source, parameters=parameters, on_progress=record, every=10)

    monkeypatch.setattr(services, "write_csv_zip", recording)
    job = services.export_request(tenant=tenant, actor=reports_reader,
                                  parameters=UsageParameters(period=preset_range(7, today=now.date())), format="csv")
    job.refresh_from_db()
    assert job.status == "succeeded" and seen == [(40, 10), (80, 20)]
