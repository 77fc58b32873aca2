"""The CSV channel's reading, checking and importing (port.referrals.csv_import), without the views."""

import codecs
import datetime as dt
import zoneinfo
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from port.audit.models import AuditEvent
from port.participants.models import Participant
from port.referrals.csv_import.checking import RowState, referral_import_check
from port.referrals.csv_import.columns import COLUMN_NAMES
from port.referrals.csv_import.parsing import parse_row
from port.referrals.csv_import.reading import CsvFileRefused, read_table, read_upload
from port.referrals.csv_import.selectors import already_received_count, referral_import_get
from port.referrals.csv_import.services import (
    IMPORT_ALL,
    IMPORT_VALID_ONLY,
    ImportRefused,
    referral_import_cancel,
    referral_import_confirm,
    referral_import_upload,
)
from port.referrals.models import Channel, OverdoseEvent, Referral, ReferralImport
from port.testing.factories import submit_referral
from port.testing.referrals import NEW_YORK, good_row, make_csv, png_bytes, upload, xlsx_bytes

UTC = dt.UTC


def refused(raw: bytes | str, **limits) -> list[str]:
    with pytest.raises(CsvFileRefused) as info:
        read_upload(raw.encode() if isinstance(raw, str) else raw, **limits)
    return info.value.messages


FULL_ROW = {
    "external_id": "ED-0001",
    "source": "emergency_department",
    "received_at": "2025-01-15T14:30:00-05:00",
    "acuity": "high",
    "available_from": "2025-01-15 18:00",
    "first_name": "Testy",
    "last_name": "Example",
    "preferred_name": "Tess",
    "date_of_birth": "1990-04-12",
    "phone": "(412) 555-0100",
    "address": "100 Example Street",
    "location_notes": "Back entrance",
    "preferred_language": "Spanish",
    "overdose_occurred_at": "2025-01-15 13:50",
    "overdose_location": "Example Park",
    "substances": "fentanyl; cocaine ;",
    "naloxone_doses": "2",
    "naloxone_given_by": "EMS",
    "transported": "Yes",
    "consent_to_contact": "no",
    "notes": "Line one\nline two",
}


def table_values(text: str) -> list[dict[str, str]]:
    table = read_table(text)
    return [table.values(row) for row in table.rows]


# ---------------------------------------------------------------------------------------------
# Reading the file


def test_a_file_with_every_column_is_read_into_a_submission():
    assert set(FULL_ROW) == set(COLUMN_NAMES)
    [values] = table_values(make_csv([FULL_ROW]))
    submission, problems = parse_row(values, zone=NEW_YORK)
    assert problems == {}
    assert submission.external_id == "ED-0001"
    assert submission.source == "emergency_department"
    assert submission.received_at == dt.datetime(2025, 1, 15, 19, 30, tzinfo=UTC)
    assert submission.acuity == "high"
    assert submission.available_from == dt.datetime(2025, 1, 15, 23, 0, tzinfo=UTC)  # 18:00 in New York
    person = submission.participant
    assert (person.first_name, person.last_name, person.preferred_name) == ("Testy", "Example", "Tess")
    assert person.date_of_birth == dt.date(1990, 4, 12)
    assert (person.phone, person.address, person.location_notes, person.preferred_language) == (
        "(412) 555-0100",
        "100 Example Street",
        "Back entrance",
        "Spanish",
    )
    overdose = submission.overdose
    assert overdose.occurred_at == dt.datetime(2025, 1, 15, 18, 50, tzinfo=UTC)
    assert overdose.location == "Example Park"
    assert overdose.substances == ["fentanyl", "cocaine"]
    assert (overdose.naloxone_doses, overdose.naloxone_given_by, overdose.transported) == (2, "ems", True)
    assert submission.consent_to_contact is False
    assert submission.notes == "Line one\nline two"


def test_a_utf8_byte_order_mark_does_not_spoil_the_first_column_name():
    raw = codecs.BOM_UTF8 + make_csv([{"source": "ems", "phone": "412-555-0100"}]).encode()
    table = read_upload(raw)
    assert table.columns == ["source", "phone"]
    assert table.values(table.rows[0]) == {"source": "ems", "phone": "412-555-0100"}


def test_windows_line_endings_are_read_including_inside_quoted_values():
    text = make_csv(
        [
            {"source": "ems", "phone": "412-555-0100", "notes": "first\r\nsecond"},
            {"source": "fire", "phone": "412-555-0101", "notes": ""},
        ],
        line_ending="\r\n",
    )
    assert "\r\n" in text
    rows = table_values(text)
    assert [row["source"] for row in rows] == ["ems", "fire"]
    assert rows[0]["notes"] == "first\r\nsecond"


def test_old_mac_line_endings_are_read():
    assert [row["source"] for row in table_values("source,phone\rems,412-555-0100\rfire,412-555-0101\r")] == [
        "ems",
        "fire",
    ]


def test_semicolon_delimited_files_are_read_and_quoted_substance_lists_kept_whole():
    text = make_csv(
        [{"source": "ems", "phone": "412-555-0100", "substances": "heroin;fentanyl", "notes": "a, b, c"}], delimiter=";"
    )
    table = read_table(text)
    assert table.delimiter == ";"
    submission, problems = parse_row(table.values(table.rows[0]), zone=NEW_YORK)
    assert problems == {}
    assert submission.overdose.substances == ["heroin", "fentanyl"]
    assert submission.notes == "a, b, c"


def test_excel_unicode_text_utf16_with_a_byte_order_mark_and_tabs_is_read():
    text = make_csv(
        [{"source": "211", "first_name": "José", "phone": "412-555-0100"}], delimiter="\t", line_ending="\r\n"
    )
    table = read_upload(text.encode("utf-16"))  # Python writes the byte-order mark first
    assert table.delimiter == "\t"
    assert table.values(table.rows[0])["first_name"] == "José"


def test_header_names_are_case_insensitive_and_trimmed():
    table = read_table("  External_ID , SOURCE,First Name ,date-of-birth\nX1,ems,Jo,1990-01-01\n")
    assert table.columns == ["external_id", "source", "first_name", "date_of_birth"]


def test_us_date_formats_are_read():
    values = {
        "source": "ems",
        "phone": "412-555-0100",
        "date_of_birth": "7/4/1985",
        "received_at": "01/16/2025 09:05",
        "overdose_occurred_at": "1/15/2025 9:40 PM",
        "available_from": "01/16/2025 13:00:30",
    }
    submission, problems = parse_row(values, zone=NEW_YORK)
    assert problems == {}
    assert submission.participant.date_of_birth == dt.date(1985, 7, 4)
    assert submission.received_at == dt.datetime(2025, 1, 16, 14, 5, tzinfo=UTC)
    assert submission.overdose.occurred_at == dt.datetime(2025, 1, 16, 2, 40, tzinfo=UTC)
    assert submission.available_from == dt.datetime(2025, 1, 16, 18, 0, 30, tzinfo=UTC)


def test_naive_times_are_in_the_programs_zone_with_daylight_saving_and_offsets_are_kept():
    chicago = zoneinfo.ZoneInfo("America/Chicago")
    summer, _ = parse_row({"source": "ems", "received_at": "2025-07-01 12:00"}, zone=chicago)
    winter, _ = parse_row({"source": "ems", "received_at": "2025-01-01 12:00"}, zone=chicago)
    offset, _ = parse_row({"source": "ems", "received_at": "2025-07-01T12:00:00+02:00"}, zone=chicago)
    zulu, _ = parse_row({"source": "ems", "received_at": "2025-07-01T12:00Z"}, zone=chicago)
    assert summer.received_at == dt.datetime(2025, 7, 1, 17, 0, tzinfo=UTC)  # CDT, UTC-5
    assert winter.received_at == dt.datetime(2025, 1, 1, 18, 0, tzinfo=UTC)  # CST, UTC-6
    assert offset.received_at == dt.datetime(2025, 7, 1, 10, 0, tzinfo=UTC)
    assert zulu.received_at == dt.datetime(2025, 7, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("received_at", "2025-01-15", "needs a time as well as a date"),
        ("received_at", "01/15/2025", "needs a time as well as a date"),
        ("received_at", "yesterday", "is not a date we can read"),
        ("received_at", "1/15/25 10:00", "is not a date we can read"),
        ("received_at", "2025-02-30 10:00", "is not a real date"),
        ("received_at", "2025-01-15 25:00", "is not a real date and time"),
        ("received_at", "01/15/2025 13:00 PM", "the hour is 1 to 12"),
        ("received_at", "0005-01-15 10:00", "before 2000"),
        ("overdose_occurred_at", "15/01/2025 10:00", "the month comes first"),
        ("available_from", "tomorrow", "is not a date we can read"),
        ("date_of_birth", "13/31/1990", "the month comes first"),
        ("date_of_birth", "1990-02-30", "is not a real date"),
        ("date_of_birth", "1990-01-01 00:00", "only the date"),
        ("date_of_birth", "April 1990", "YYYY-MM-DD or MM/DD/YYYY"),
        ("naloxone_doses", "two", "is not a whole number"),
        ("naloxone_doses", "1.5", "is not a whole number"),
        ("transported", "maybe", "Use yes, no, or leave it blank"),
        ("consent_to_contact", "sure", "Use yes, no, or leave it blank"),
        ("first_name", "x" * 101, "Too long: 101 characters, at most 100"),
        ("external_id", "x" * 101, "Too long"),
        ("notes", "x" * 5001, "Too long"),
        ("substances", ";".join(f"drug{i}" for i in range(21)), "At most 20 substances"),
        ("substances", "x" * 101, "at most 100 characters"),
    ],
)
def test_cells_that_cannot_be_read_get_a_message_for_their_column(column, value, expected):
    _, problems = parse_row({"source": "ems", "phone": "412-555-0100", column: value}, zone=NEW_YORK)
    assert list(problems) == [column]
    assert expected in problems[column]


def test_a_blank_source_is_required_unless_a_default_is_given():
    _, problems = parse_row({"source": " ", "phone": "412-555-0100"}, zone=NEW_YORK)
    assert "Required" in problems["source"]
    submission, problems = parse_row({"source": "", "phone": "412-555-0100"}, zone=NEW_YORK, default_source="211")
    assert problems == {}
    assert submission.source == "211"


def test_codes_are_matched_without_regard_to_case_or_spaces():
    submission, _ = parse_row(
        {"source": "Emergency Department", "acuity": " HIGH ", "naloxone_given_by": "Law-Enforcement"}, zone=NEW_YORK
    )
    assert (submission.source, submission.acuity, submission.overdose.naloxone_given_by) == (
        "emergency_department",
        "high",
        "law_enforcement",
    )


# ---------------------------------------------------------------------------------------------
# Files refused as a whole


def test_an_empty_file_is_refused():
    assert "The file is empty" in refused(b"")[0]
    assert "The file is empty" in refused(b"  \r\n\n")[0]
    assert "The file is empty" in refused(codecs.BOM_UTF8)[0]


def test_a_header_only_file_is_refused():
    assert refused("source,phone\n") == ["The file has a header row but no referrals below it."]
    assert refused("source,phone\n,\n\n") == ["The file has a header row but no referrals below it."]


def test_a_stray_quotation_mark_is_reported_with_its_line():
    messages = refused('source,notes\nems,ok\nems,"said "hello" twice\n')
    assert messages[0].startswith("The file is not valid CSV near line 3")
    assert "quotation mark" in messages[0]


def test_an_unclosed_quotation_mark_is_reported():
    messages = refused('source,notes\nems,"never closed\nems,ok\n')
    assert "a quoted value is never closed" in messages[0]


def test_latin1_bytes_are_refused_with_the_line_and_how_to_save_as_csv_utf8():
    raw = "source,first_name\nems,Ana\nems,José\n".encode("latin-1")
    messages = refused(raw)
    assert "not saved as UTF-8: line 3" in messages[0]
    assert "0xE9" in messages[0]
    assert "CSV UTF-8" in messages[1]


def test_the_unreadable_line_is_counted_after_a_byte_order_mark_too():
    raw = codecs.BOM_UTF8 + "source,first_name\nems,Ana\nems,René\n".encode("cp1252")
    assert "line 3 has a character we cannot read (byte 0xE9)" in refused(raw)[0]


def test_utf16_without_a_byte_order_mark_is_refused():
    messages = refused("source,phone\nems,412-555-0100\n".encode("utf-16-le"))
    assert "UTF-16 text without a byte-order mark" in messages[0]
    assert "CSV UTF-8" in messages[1]


def test_damaged_utf16_is_refused():
    raw = codecs.BOM_UTF16_LE + "source,phone\nems,1\n".encode("utf-16-le") + b"\x00\xd8"  # lone surrogate
    assert "damaged on line 3" in refused(raw)[0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (png_bytes(), "This is an image (PNG), not a CSV file."),
        (xlsx_bytes(), "This is an Excel workbook (.xlsx) or another zip file, not a CSV file."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "old-style Excel workbook (.xls)"),
        (b"%PDF-1.7\n", "This is a PDF document"),
        (b"source,phone\n\x00\x01\x02\x03ems,1\n", "binary data"),
    ],
)
def test_files_that_are_not_csv_are_refused_for_what_they_are(raw, expected):
    messages = refused(raw)
    assert expected in messages[0]
    assert "CSV UTF-8" in messages[1]


def test_an_oversized_file_is_refused_before_it_is_read(settings):
    settings.INTAKE_CSV_MAX_BYTES = 100
    messages = refused("source,phone\n" + "ems,412-555-0100\n" * 10)
    assert messages == [
        "The file is 183\xa0bytes; the limit for one upload is 100\xa0bytes. Split it into smaller files."
    ]


def test_too_many_rows_are_refused(settings):
    settings.INTAKE_CSV_MAX_ROWS = 3
    assert read_upload(("source,phone\n" + "ems,412-555-0100\n" * 3).encode())
    messages = refused("source,phone\n" + "ems,412-555-0100\n" * 4)
    assert messages == ["The file has 4 rows; the limit is 3 per upload. Split it into smaller files."]


def test_a_missing_source_column_is_reported_before_anything_else():
    messages = refused("first_name,frist_name,MRN,phone\nJo,Jo,123,412-555-0100\n")
    assert messages[0] == "The required column “source” is missing."
    assert messages[1] == (
        "Unknown columns: “frist_name” (did you mean first_name?), “MRN”. Remove them or "
        "rename them to the template's columns."
    )


def test_a_file_without_a_header_row_is_told_where_the_header_goes():
    messages = refused("ED-1,ems,412-555-0100\nED-2,ems,412-555-0101\n")
    assert messages[0] == "The required column “source” is missing."
    assert "The first row must be the header row" in messages[-1]


def test_a_column_given_twice_is_refused():
    assert refused("source,phone,Phone\nems,1,2\n") == ["The column “phone” appears twice (columns 2 and 3)."]


def test_values_under_a_column_without_a_name_are_refused():
    assert refused("source,,phone\nems,x,412-555-0100\n") == ["Column 2 has values but no name in the header row."]


def test_trailing_columns_with_neither_name_nor_value_are_ignored():
    table = read_table("source,phone,,\nems,412-555-0100,,\n")
    assert table.values(table.rows[0]) == {"source": "ems", "phone": "412-555-0100"}


@pytest.mark.parametrize("body", ["ems,412-555-0100,extra\n", "ems\n"])
def test_ragged_rows_are_refused_with_their_row_numbers(body):
    messages = refused("source,phone\nems,412-555-0100\n" + body)
    assert messages[0].startswith("Every row must have as many cells as the header row (2): row 3 has ")


def test_blank_rows_are_skipped_but_rows_keep_their_spreadsheet_numbers():
    table = read_table("\nsource,phone\nems,1\n\n,\nfire,2\n")
    assert [row.number for row in table.rows] == [3, 6]
    assert table.blank_rows == 2


def test_the_rejected_rows_files_own_columns_are_ignored_on_upload():
    table = read_table("source,phone,original_row,problems\nems,1,4,phone: bad\n")
    assert table.values(table.rows[0]) == {"source": "ems", "phone": "1"}


# ---------------------------------------------------------------------------------------------
# The parser never fails with anything but its own error


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_are_read_or_refused_with_a_clear_message(raw):
    try:
        read_upload(raw)
    except CsvFileRefused as exc:
        assert exc.messages and all(isinstance(m, str) and m for m in exc.messages)


CSV_ALPHABET = st.sampled_from(
    list(",;\t\"\r\n '-/:+Zé\x00\ufeff")
    + ["source", "phone", "received_at", "date_of_birth", "ems", "01/02/2025", "2025-01-02 10:00", "x", "1"]
)


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=500), st.lists(CSV_ALPHABET, max_size=80).map("".join)))
def test_arbitrary_text_is_read_or_refused_and_its_rows_always_parse(text):
    for raw in (text.encode("utf-8", "surrogatepass"), text.encode("utf-16", "surrogatepass")):
        try:
            table = read_upload(raw)
        except CsvFileRefused as exc:
            assert exc.messages
            continue
        for row in table.rows:
            submission, problems = parse_row(table.values(row), zone=NEW_YORK, default_source="ems")
            assert all(isinstance(message, str) for message in problems.values())


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(COLUMN_NAMES), st.text(max_size=60)))
def test_any_cell_values_parse_into_a_submission_or_problems(values):
    submission, problems = parse_row(values, zone=NEW_YORK)
    assert set(problems) <= set(COLUMN_NAMES)
    for moment in (submission.received_at, submission.available_from, submission.overdose.occurred_at):
        assert moment is None or moment.tzinfo is not None


# ---------------------------------------------------------------------------------------------
# Checking and importing a batch


def test_every_row_level_problem_is_found_with_the_shared_intake_rules(cast):
    now = timezone.now()
    soon = (now + dt.timedelta(days=2)).astimezone(NEW_YORK).strftime("%Y-%m-%d %H:%M")
    far = (now + dt.timedelta(days=45)).astimezone(NEW_YORK).strftime("%Y-%m-%d %H:%M")
    future_day = (now + dt.timedelta(days=3)).astimezone(NEW_YORK).strftime("%Y-%m-%d")
    cases = [
        ({"source": "hospital"}, "source", "Unknown source. Use one of"),
        ({"acuity": "urgent"}, "acuity", "Unknown acuity. Use one of: high, elevated, standard."),
        ({"phone": "12"}, "phone", "is not a phone number we can dial"),
        ({"phone": ""}, "phone", "Give a way to reach the person"),
        ({"date_of_birth": future_day}, "date_of_birth", "The date of birth is in the future."),
        ({"date_of_birth": "1850-01-01"}, "date_of_birth", "before 1900"),
        ({"received_at": soon}, "received_at", "The received time is in the future."),
        ({"overdose_occurred_at": soon}, "overdose_occurred_at", "The overdose time is in the future."),
        ({"overdose_occurred_at": "2025-03-02 08:00"}, "overdose_occurred_at", "after the referral was received"),
        ({"available_from": far}, "available_from", "more than 30 days ahead"),
        ({"naloxone_doses": "25"}, "naloxone_doses", "from 0 to 20"),
        ({"naloxone_given_by": "neighbour"}, "naloxone_given_by", "Unknown value. Use one of"),
        ({"transported": "maybe"}, "transported", "Use yes, no"),
        ({"received_at": "tomorrow"}, "received_at", "is not a date we can read"),
        ({"external_id": "ED-0001"}, "external_id", "This external_id is also on row 2"),
    ]
    rows = [good_row(1)] + [good_row(n, **change) for n, (change, _c, _m) in enumerate(cases, start=2)]
    check = referral_import_check(batch=upload(cast, rows), now=now)
    assert check.rows[0].state == RowState.READY
    for row, (_change, column, message) in zip(check.rows[1:], cases, strict=True):
        assert row.state == RowState.PROBLEM, row.number
        assert [p.column for p in row.problems] == [column], (row.number, row.problems)
        assert message in row.problems[0].message, (row.number, row.problems)
    assert check.row_count == len(cases) + 1
    assert len(check.with_problems) == len(cases)


def test_a_row_with_several_problems_lists_each_by_column_in_file_order(cast):
    check = referral_import_check(
        batch=upload(cast, [good_row(1, naloxone_doses="lots", phone="", date_of_birth="never", acuity="??")])
    )
    assert [p.column for p in check.rows[0].problems] == ["acuity", "date_of_birth", "phone", "naloxone_doses"]


def test_a_partners_blank_source_is_their_agencys_kind(cast):
    rows = [{"source": "", "phone": "412-555-0100"}]
    assert referral_import_check(batch=upload(cast, rows)).rows[0].submission.source == "emergency_department"
    assert referral_import_check(batch=upload(cast, rows, by=cast.partner_211)).rows[0].submission.source == "211"
    staff = referral_import_check(batch=upload(cast, rows, by=cast.supervisor))
    assert "Required" in str(staff.rows[0].problems[0])


def test_rows_this_agency_already_sent_are_shown_as_already_received(cast):
    submit_referral(
        cast.program, agency=cast.ed, by=cast.partner, external_id="ED-0001", channel=Channel.API, first_name="Person1"
    )
    submit_referral(cast.program, agency=cast.two_one_one, by=cast.partner_211, external_id="ED-0002")
    check = referral_import_check(batch=upload(cast, [good_row(1, phone="bad"), good_row(2)]))
    # The agency's own earlier referral, whatever the row says now; another agency's id is not ours.
    assert [row.state for row in check.rows] == [RowState.ALREADY_RECEIVED, RowState.READY]


def test_a_row_reusing_a_reference_number_sent_for_another_person_is_a_problem_at_that_column(cast):
    submit_referral(cast.program, agency=cast.ed, by=cast.partner, external_id="ED-0001", first_name="Casey")
    check = referral_import_check(batch=upload(cast, [good_row(1), good_row(2)]))
    assert [row.state for row in check.rows] == [RowState.PROBLEM, RowState.READY]
    [problem] = check.rows[0].problems
    assert problem.column == "external_id"
    assert "already used for a referral about a different person" in problem.message
    assert "ED-0001" not in problem.message

    batch = referral_import_confirm(
        batch=upload(cast, [good_row(1), good_row(2)]), by=cast.partner, choice=IMPORT_VALID_ONLY
    )
    assert (batch.imported_count, batch.rejected_count, already_received_count(batch)) == (1, 1, 0)
    assert Referral.objects.filter(external_id="ED-0001").get().submitted_participant["first_name"] == "Casey"


def test_importing_all_rows_sends_each_through_intake_and_drops_the_file(cast):
    batch = upload(cast, [good_row(1, substances="fentanyl;xylazine"), good_row(2)])
    result = referral_import_confirm(batch=batch, by=cast.partner, choice=IMPORT_ALL)
    assert (result.state, result.imported_count, result.rejected_count, result.content) == (
        ReferralImport.State.IMPORTED,
        2,
        0,
        "",
    )
    assert result.finished_at is not None
    referrals = Referral.objects.filter(program=cast.program).order_by("external_id")
    assert [r.external_id for r in referrals] == ["ED-0001", "ED-0002"]
    assert {(r.channel, r.referring_agency, r.referred_by) for r in referrals} == {
        (Channel.CSV, cast.ed, cast.partner.user)
    }
    assert referrals[0].overdose_event.substances == ["fentanyl", "xylazine"]
    assert referrals[0].received_at == dt.datetime(2025, 3, 1, 13, 0, tzinfo=UTC)
    event = AuditEvent.objects.filter(
        target_type="referrals.referralimport", action=AuditEvent.Action.CREATE, note__startswith="CSV import"
    ).get()
    assert event.participant_ids == sorted(r.participant_id for r in referrals)
    assert event.user == cast.partner.user


def test_import_all_refuses_when_any_row_has_a_problem_and_saves_nothing(cast):
    batch = upload(cast, [good_row(1), good_row(2, phone=""), good_row(3, transported="perhaps")])
    counts = (Referral.objects.count(), Participant.objects.count(), OverdoseEvent.objects.count())
    with pytest.raises(ImportRefused) as info:
        referral_import_confirm(batch=batch, by=cast.partner, choice=IMPORT_ALL)
    assert str(info.value) == (
        "Nothing was imported: 2 rows have problems (rows 3, 4). Fix them and upload "
        "the file again, or import only the valid rows."
    )
    assert (Referral.objects.count(), Participant.objects.count(), OverdoseEvent.objects.count()) == counts
    batch.refresh_from_db()
    assert batch.state == ReferralImport.State.PREVIEW
    assert batch.content


def test_import_valid_only_keeps_the_rejected_rows_with_their_original_values_and_reasons(cast):
    rows = [good_row(1), good_row(2, phone="", date_of_birth="31/12/1990"), good_row(3)]
    batch = referral_import_confirm(batch=upload(cast, rows), by=cast.partner, choice=IMPORT_VALID_ONLY)
    assert (batch.row_count, batch.imported_count, batch.rejected_count) == (3, 2, 1)
    assert already_received_count(batch) == 0
    [rejected] = batch.rejected_rows
    assert rejected["row"] == 3
    assert dict(rejected["cells"]) == {**good_row(2), "phone": "", "date_of_birth": "31/12/1990"}
    assert rejected["problems"] == [
        "date_of_birth: This is not a real date: in this format the month comes first (MM/DD/YYYY).",
        "phone: Give a way to reach the person: a phone number, an address, or where they can be found.",
    ]
    assert set(Referral.objects.values_list("external_id", flat=True)) == {"ED-0001", "ED-0003"}


def test_uploading_the_same_file_again_never_duplicates_a_referral(cast):
    rows = [good_row(1), good_row(2), good_row(3)]
    referral_import_confirm(batch=upload(cast, rows), by=cast.partner, choice=IMPORT_ALL)
    again = upload(cast, rows)
    check = referral_import_check(batch=again)
    assert [row.state for row in check.rows] == [RowState.ALREADY_RECEIVED] * 3
    again = referral_import_confirm(batch=again, by=cast.partner, choice=IMPORT_ALL)
    assert (again.imported_count, again.rejected_count, already_received_count(again)) == (0, 0, 3)
    assert Referral.objects.count() == 3


def test_staff_without_an_agency_do_not_duplicate_their_own_uploads_either(cast):
    rows = [good_row(1, source="ems")]
    referral_import_confirm(batch=upload(cast, rows, by=cast.supervisor), by=cast.supervisor, choice=IMPORT_ALL)
    again = referral_import_confirm(batch=upload(cast, rows, by=cast.supervisor), by=cast.supervisor, choice=IMPORT_ALL)
    assert (again.imported_count, already_received_count(again)) == (0, 1)
    assert Referral.objects.get().referring_agency is None


def test_rows_are_checked_again_at_import_time(cast):
    first = upload(cast, [good_row(1), good_row(2)])
    second = upload(cast, [good_row(2), good_row(3)])
    assert [row.state for row in referral_import_check(batch=second).rows] == [RowState.READY] * 2
    referral_import_confirm(batch=first, by=cast.partner, choice=IMPORT_ALL)
    second = referral_import_confirm(batch=second, by=cast.partner, choice=IMPORT_ALL)
    assert (second.imported_count, already_received_count(second)) == (1, 1)
    assert Referral.objects.count() == 3


def test_a_batch_is_imported_only_once(cast):
    batch = upload(cast, [good_row(1)])
    referral_import_confirm(batch=batch, by=cast.partner, choice=IMPORT_ALL)
    with pytest.raises(ImportRefused, match="already imported"):
        referral_import_confirm(batch=batch, by=cast.partner, choice=IMPORT_VALID_ONLY)
    with pytest.raises(ImportRefused, match="already imported"):
        referral_import_cancel(batch=batch, by=cast.partner)
    assert Referral.objects.count() == 1


def test_only_the_uploader_imports_but_a_supervisor_may_cancel(cast):
    batch = upload(cast, [good_row(1)])
    with pytest.raises(ImportRefused, match="Only the person who uploaded"):
        referral_import_confirm(batch=batch, by=cast.supervisor, choice=IMPORT_ALL)
    cancelled = referral_import_cancel(batch=batch, by=cast.supervisor)
    assert (cancelled.state, cancelled.content) == (ReferralImport.State.CANCELLED, "")
    with pytest.raises(ImportRefused, match="cancelled"):
        referral_import_confirm(batch=batch, by=cast.partner, choice=IMPORT_ALL)
    assert not Referral.objects.exists()


def test_an_unknown_choice_is_refused(cast):
    with pytest.raises(ImportRefused, match="Choose whether"):
        referral_import_confirm(batch=upload(cast, [good_row(1)]), by=cast.partner, choice="some")


def test_a_refused_file_saves_nothing(cast):
    with pytest.raises(CsvFileRefused):
        referral_import_upload(by=cast.partner, file_name="x.csv", raw=b"first_name\nJo\n")
    assert not ReferralImport.objects.exists()
    assert not AuditEvent.objects.filter(target_type="referrals.referralimport").exists()


def test_a_peer_cannot_upload(cast):
    with pytest.raises(ImportRefused):
        referral_import_upload(by=cast.peer, file_name="x.csv", raw=make_csv([good_row(1)]).encode())


def test_batches_are_visible_to_the_program_and_to_partners_of_the_same_agency_only(cast):
    batch = upload(cast, [good_row(1)])
    for viewer in (cast.partner, cast.supervisor, cast.admin):
        assert referral_import_get(viewer=viewer, pk=batch.pk) == batch
    from django.http import Http404

    for viewer in (cast.partner_211, cast.outsider, cast.peer):
        with pytest.raises(Http404):
            referral_import_get(viewer=viewer, pk=batch.pk)


def test_the_columns_are_all_documented():
    doc = (Path(settings.BASE_DIR) / "docs" / "intake-csv.md").read_text()
    for name in COLUMN_NAMES:
        assert f"`{name}`" in doc, name


def test_wrong_columns_are_reported_before_a_broken_row_further_down():
    assert refused('first_name,phone\nJo,1\nAl,"2\n')[0] == "The required column “source” is missing."


def test_a_semicolon_header_below_blank_lines_is_recognised():
    table = read_table("\n\nsource;phone\nems;412-555-0100\n")
    assert (table.delimiter, [row.number for row in table.rows]) == (";", [4])


def test_a_row_with_every_column_lands_on_the_participant_overdose_and_referral(cast):
    batch = referral_import_upload(by=cast.partner, file_name="full.csv", raw=make_csv([FULL_ROW]).encode())
    referral_import_confirm(batch=batch, by=cast.partner, choice=IMPORT_ALL)
    referral = Referral.objects.select_related("participant", "overdose_event", "acuity").get()
    assert (referral.external_id, referral.source, referral.acuity.code) == ("ED-0001", "emergency_department", "high")
    assert referral.received_at == dt.datetime(2025, 1, 15, 19, 30, tzinfo=UTC)
    assert referral.available_from == dt.datetime(2025, 1, 15, 23, 0, tzinfo=UTC)
    # The clock starts at the later of received and available, in the program's zone.
    assert referral.contact_deadline == dt.datetime(2025, 1, 16, 23, 0, tzinfo=UTC)
    assert (referral.consent_to_contact, referral.notes) == (False, "Line one\nline two")
    person = referral.participant
    assert (person.first_name, person.last_name, person.preferred_name, person.date_of_birth) == (
        "Testy",
        "Example",
        "Tess",
        dt.date(1990, 4, 12),
    )
    assert (person.address, person.location_notes, person.preferred_language) == (
        "100 Example Street",
        "Back entrance",
        "Spanish",
    )
    assert list(person.phones.values_list("number", flat=True)) == ["+14125550100"]
    event = referral.overdose_event
    assert (event.occurred_at, event.location, event.substances) == (
        dt.datetime(2025, 1, 15, 18, 50, tzinfo=UTC),
        "Example Park",
        ["fentanyl", "cocaine"],
    )
    assert (event.naloxone_doses, event.naloxone_given_by, event.transported) == (2, "ems", True)
