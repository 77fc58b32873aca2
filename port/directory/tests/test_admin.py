"""The directory's admin screens: upload, preview, confirm (or the valid rows only), cancel, the export
download, the records' pages and the "mark checked today" action, for program admins of the program only."""

import datetime as dt
import io
import json
import zipfile

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from port.accounts.roles import Role
from port.audit.models import AuditEvent
from port.directory.hsds.csv_io import csv_folder_files
from port.directory.hsds.json_io import json_folder_files, read_json_files
from port.directory.hsds.services import directory_import
from port.directory.models import DirectoryImport, Schedule, Service
from port.testing.cast import make_member

UPLOAD = reverse("admin:directory_directoryimport_upload")
EXPORT = reverse("admin:directory_directoryimport_export")

SERVICE = {
    "id": "ac148810-d857-441c-9679-408f346de14b",
    "name": "Walk-in counselling",
    "status": "active",
    "organization": {"id": "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610", "name": "Riverside Counselling", "description": ""},
}
BAD = {**SERVICE, "id": "5b7e3f4c-3d7e-4c19-9b6a-0a8f8a5d1e01", "name": "Second", "status": "open"}


def preview_url(batch: DirectoryImport) -> str:
    return reverse("admin:directory_directoryimport_preview", args=[batch.pk])


def upload(client: Client, program, name: str, raw: bytes, mapping: str = ""):
    return client.post(UPLOAD, {"program": program.pk, "file": _file(name, raw), "mapping": mapping})


def _file(name: str, raw: bytes):
    handle = io.BytesIO(raw)
    handle.name = name
    return handle


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(f"folder/{name}", content)
    return buffer.getvalue()


@pytest.fixture
def admin_client_(cast) -> Client:
    return cast.client_for(cast.admin)


def test_an_upload_shows_the_plan_with_every_problem_before_anything_is_imported(cast, admin_client_):
    response = upload(admin_client_, cast.program, "services.json", json.dumps([SERVICE, BAD]).encode())
    batch = DirectoryImport.objects.get(program=cast.program)
    assert response.status_code == 302 and response["Location"] == preview_url(batch)
    page = admin_client_.get(preview_url(batch))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Nothing has been imported yet." in text
    assert '<th scope="row">service</th><td>1</td><td>0</td><td>0</td><td>1</td>' in text
    assert "services.json[1]" in text and "<code>status</code>" in text and "is not one of" in text
    assert 'value="all"' not in text and 'value="valid"' in text  # all-or-nothing is off while a row is bad
    assert not Service.objects.filter(program=cast.program).exists()
    assert batch.state == DirectoryImport.State.PREVIEW and batch.format == DirectoryImport.Format.HSDS_JSON


def test_confirming_imports_everything_keeps_the_report_and_drops_the_file(cast, admin_client_):
    upload(admin_client_, cast.program, "service.json", json.dumps(SERVICE).encode())
    batch = DirectoryImport.objects.get(program=cast.program)
    response = admin_client_.post(preview_url(batch), {"choice": "all"})
    assert response.status_code == 302
    assert Service.objects.get(program=cast.program).name == "Walk-in counselling"
    batch.refresh_from_db()
    assert batch.state == DirectoryImport.State.IMPORTED and bytes(batch.content) == b""
    assert batch.report["counts"]["service"]["added"] == 1
    entry = AuditEvent.objects.get(
        target_type="directory.directoryimport", action=AuditEvent.Action.CREATE, note__startswith="Directory import"
    )
    assert entry.user == cast.admin.user and entry.target_ids == [str(batch.pk)]
    # The report page, and no second import of the same upload.
    assert "What was imported" in admin_client_.get(preview_url(batch)).content.decode()
    admin_client_.post(preview_url(batch), {"choice": "all"})
    assert Service.objects.filter(program=cast.program).count() == 1


def test_import_all_is_refused_while_a_row_has_a_problem_and_nothing_changes(cast, admin_client_):
    upload(admin_client_, cast.program, "services.json", json.dumps([SERVICE, BAD]).encode())
    batch = DirectoryImport.objects.get(program=cast.program)
    response = admin_client_.post(preview_url(batch), {"choice": "all"}, follow=True)
    assert "Nothing was imported" in response.content.decode()
    assert not Service.objects.filter(program=cast.program).exists()
    assert DirectoryImport.objects.get(pk=batch.pk).state == DirectoryImport.State.PREVIEW


def test_importing_the_valid_rows_only_reports_every_rejected_row(cast, admin_client_):
    upload(admin_client_, cast.program, "services.json", json.dumps([SERVICE, BAD]).encode())
    batch = DirectoryImport.objects.get(program=cast.program)
    response = admin_client_.post(preview_url(batch), {"choice": "valid"}, follow=True)
    text = response.content.decode()
    assert "1 records were rejected" in text and "services.json[1]" in text and "is not one of" in text
    assert list(Service.objects.filter(program=cast.program).values_list("name", flat=True)) == ["Walk-in counselling"]
    batch.refresh_from_db()
    assert batch.report["valid_only"] is True and batch.report["counts"]["service"]["rejected"] == 1


@pytest.mark.parametrize(
    "name,raw,reason",
    [
        ("services.json", b"{not json", "not valid JSON"),
        ("services.json", b"\x93caf\xe9\x94", "not UTF-8"),
        ("folder.zip", b"PK\x03\x04 broken", "not a readable zip file"),
    ],
)
def test_a_malformed_upload_is_refused_on_the_form_with_its_reason(cast, admin_client_, name, raw, reason):
    response = upload(admin_client_, cast.program, name, raw)
    assert response.status_code == 400
    assert reason in response.content.decode() and 'id="error-summary"' in response.content.decode()
    assert not DirectoryImport.objects.exists()


def test_an_empty_upload_is_refused_on_the_form(cast, admin_client_):
    response = upload(admin_client_, cast.program, "services.json", b"")
    assert response.status_code == 400 and "The file is empty" in response.content.decode()


def test_a_zip_of_the_official_csv_folder_imports_through_the_screens(cast, admin_client_, spec):
    raw = zipped(csv_folder_files(spec / "examples" / "csv"))
    upload(admin_client_, cast.program, "hsds.zip", raw)
    batch = DirectoryImport.objects.get(program=cast.program)
    assert batch.format == DirectoryImport.Format.HSDS_CSV
    admin_client_.post(preview_url(batch), {"choice": "all"})
    assert Service.objects.filter(program=cast.program).count() == 1


def test_a_spreadsheet_uploads_with_a_chosen_mapping(cast, admin_client_, shared_data):
    path = shared_data / "directories" / "layer04_dbhids-tad+map_2020-winter.csv"
    upload(admin_client_, cast.program, path.name, path.read_bytes(), mapping="philly-treatment-access")
    batch = DirectoryImport.objects.get(program=cast.program)
    assert batch.format == DirectoryImport.Format.SPREADSHEET
    text = admin_client_.get(preview_url(batch)).content.decode()
    assert "philly-treatment-access" in text and '<th scope="row">service</th>' in text


def test_cancelling_keeps_nothing_of_the_file(cast, admin_client_):
    upload(admin_client_, cast.program, "service.json", json.dumps(SERVICE).encode())
    batch = DirectoryImport.objects.get(program=cast.program)
    admin_client_.post(preview_url(batch), {"choice": "cancel"})
    batch.refresh_from_db()
    assert batch.state == DirectoryImport.State.CANCELLED and bytes(batch.content) == b""
    assert not Service.objects.filter(program=cast.program).exists()


def test_the_export_downloads_a_zip_of_the_six_hsds_files_that_validate(cast, admin_client_, spec, validators):
    directory_import(
        program=cast.program,
        dataset=read_json_files(json_folder_files(spec / "examples")),
        actor=None,
        valid_only=False,
    )
    response = admin_client_.get(EXPORT, {"program": cast.program.pk, "format": "hsds-json"})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert f"directory-{cast.program.slug}-hsds-json-" in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert set(archive.namelist()) == {
            "organizations.json",
            "services.json",
            "locations.json",
            "service_at_locations.json",
            "taxonomies.json",
            "taxonomy_terms.json",
        }
        services = json.loads(archive.read("services.json"))
    assert services
    for obj in services:
        assert not [e.message for e in validators["service.json"].iter_errors(obj)]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, note__startswith="Directory export").exists()
    response = admin_client_.get(EXPORT, {"program": cast.program.pk, "format": "hsds-csv"})
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert {"datapackage.json", "services.csv", "organizations.csv"} <= set(archive.namelist())


def test_the_export_form_refuses_another_programs_directory(cast, admin_client_):
    response = admin_client_.get(EXPORT, {"program": cast.other_program.pk, "format": "hsds-json"})
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")


def test_an_admin_of_another_program_cannot_open_or_import_into_this_one(cast, admin_client_):
    upload(admin_client_, cast.program, "service.json", json.dumps(SERVICE).encode())
    batch = DirectoryImport.objects.get(program=cast.program)
    other_admin = cast.client_for(make_member(cast.other_program, "otto", Role.ADMIN))
    assert other_admin.get(preview_url(batch)).status_code == 404
    assert other_admin.post(preview_url(batch), {"choice": "all"}).status_code == 404
    assert not Service.objects.exists()
    response = upload(other_admin, cast.program, "service.json", json.dumps(SERVICE).encode())
    assert response.status_code == 400 and DirectoryImport.objects.count() == 1


@pytest.mark.parametrize("role", ["supervisor", "peer", "partner", "outsider"])
def test_other_roles_are_sent_to_the_admin_sign_in(cast, role):
    client = cast.client_for(getattr(cast, role))
    for url in (UPLOAD, EXPORT):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def test_mark_checked_today_sets_the_assured_date_to_the_programs_today_and_is_audited(cast):
    directory_import(
        program=cast.program,
        dataset=read_json_files([("s.json", json.dumps(SERVICE).encode())]),
        actor=None,
        valid_only=False,
    )
    service = Service.objects.get(program=cast.program)
    with time_machine.travel(dt.datetime(2031, 3, 1, 3, 30, tzinfo=dt.UTC), tick=False):
        response = cast.verified_client_for(cast.admin).post(
            reverse("admin:directory_service_changelist"),
            {"action": "mark_checked_today", "_selected_action": [service.pk]},
        )
    assert response.status_code == 302, response.content
    assert response["Location"] == reverse("admin:directory_service_changelist"), response["Location"]
    service.refresh_from_db()
    # 03:30 UTC is still the last day of February in New York.
    assert service.assured_date == dt.date(2031, 2, 28)
    entry = AuditEvent.objects.get(target_type="directory.service", note__contains="marked checked")
    assert entry.target_ids == [str(service.pk)] and entry.changes[str(service.pk)]["assured_date"][1] == "2031-02-28"


def test_a_schedule_added_on_the_service_page_is_in_the_services_program(cast, admin_client_):
    directory_import(
        program=cast.program,
        dataset=read_json_files([("s.json", json.dumps(SERVICE).encode())]),
        actor=None,
        valid_only=False,
    )
    service = Service.objects.get(program=cast.program)
    url = reverse("admin:directory_service_change", args=[service.pk])
    assert admin_client_.get(url).status_code == 200
    data = {
        "organization": service.organization_id,
        "name": service.name,
        "status": "active",
        "assured_date": "2031-01-15",
        **{
            f"{prefix}-{name}": value
            for prefix in ("service_at_locations", "schedules", "phones", "languages")
            for name, value in (("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0), ("MIN_NUM_FORMS", 0), ("MAX_NUM_FORMS", 1000))
        },
        "schedules-TOTAL_FORMS": 1,
        "schedules-0-description": "Mon-Fri 9-5",
        "schedules-0-opens_at": "09:00",
        "schedules-0-closes_at": "17:00",
    }
    response = admin_client_.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    schedule = Schedule.objects.get(service=service)
    assert schedule.program == cast.program and schedule.opens_at == dt.time(9)
    service.refresh_from_db()
    assert service.assured_date == dt.date(2031, 1, 15)
    assert AuditEvent.objects.filter(target_type="directory.service", action=AuditEvent.Action.UPDATE).exists()
