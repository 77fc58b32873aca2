"""CSV import: absurd times and offsets and control characters get a message on their column, and no
message repeats what the cell said."""

import datetime as dt

import pytest

from port.referrals.csv_import.checking import RowState, referral_import_check
from port.referrals.csv_import.parsing import parse_row
from port.testing.referrals import NEW_YORK, good_row, upload

NOW = dt.datetime(2026, 6, 10, 16, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("received_at", "Robin 2025-01-15"),
        ("received_at", "2025-02-30 10:00"),
        ("received_at", "2025-01-15 25:00"),
        ("received_at", "01/15/2025 13:00 PM"),
        ("received_at", "31/12/2025 10:00"),
        ("received_at", "2024-02-03"),
        ("date_of_birth", "Robin's birthday"),
        ("date_of_birth", "1990-02-30"),
        ("date_of_birth", "13/31/1990"),
        ("naloxone_doses", "Robin"),
        ("transported", "Robin"),
        ("consent_to_contact", "Robin"),
    ],
)
def test_a_cell_that_cannot_be_read_is_not_repeated_in_its_message(column, value):
    _submission, problems = parse_row({"source": "ems", "phone": "412-555-0100", column: value}, zone=NEW_YORK)

    assert list(problems) == [column]
    assert value not in problems[column]
    assert "Robin" not in problems[column]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("2025-01-15 10:00+16:00", "UTC offset"),
        ("2025-01-15T10:00:00-15:30", "UTC offset"),
        ("3000-01-01 10:00", "after 2999"),
        ("0001-01-01 00:00", "before 2000"),
        ("0001-01-01 00:00+14:00", "before 2000"),
        ("1900-01-01 00:00", "before 2000"),
    ],
)
def test_an_impossible_offset_or_year_is_refused_on_its_column(value, words):
    _submission, problems = parse_row({"source": "ems", "phone": "412-555-0100", "received_at": value}, zone=NEW_YORK)

    assert words in problems["received_at"]


def test_a_referral_from_1999_is_refused_by_the_shared_rules(cast):
    rows = [good_row(1, received_at="1999-06-01 10:00"), good_row(2, overdose_occurred_at="1999-06-01 10:00")]

    check = referral_import_check(batch=upload(cast, rows), now=NOW)

    assert [row.state for row in check.rows] == [RowState.PROBLEM, RowState.PROBLEM]
    assert [(p.column, "before 2000" in p.message) for p in check.rows[0].problems] == [("received_at", True)]
    assert [p.column for p in check.rows[1].problems] == ["overdose_occurred_at"]


@pytest.mark.parametrize(
    ("column", "cell"),
    [
        ("first_name", "Ro\x1bbin"),
        ("last_name", "Sam\x07ple"),
        ("phone", "412\x7f555"),
        ("external_id", "ED\x85-1"),
        ("substances", "fentanyl; heroin\x01"),
        ("first_name", "Ro\nbin"),
    ],
)
def test_a_control_character_in_a_cell_is_refused_on_its_column(cast, column, cell):
    check = referral_import_check(batch=upload(cast, [good_row(1, **{column: cell})]), now=NOW)

    [row] = check.rows
    assert row.state == RowState.PROBLEM
    assert [(p.column, "control character" in p.message) for p in row.problems] == [(column, True)]


def test_line_breaks_in_a_notes_cell_are_fine(cast):
    check = referral_import_check(batch=upload(cast, [good_row(1, notes="Line one\nLine two")]), now=NOW)

    assert check.rows[0].state == RowState.READY


def test_a_repeated_external_id_is_not_repeated_in_the_message(cast):
    rows = [good_row(1, external_id="Robin-Sample-1"), good_row(2, external_id="Robin-Sample-1")]

    check = referral_import_check(batch=upload(cast, rows), now=NOW)

    [problem] = check.rows[1].problems
    assert "also on row 2" in problem.message
    assert "Robin" not in problem.message
