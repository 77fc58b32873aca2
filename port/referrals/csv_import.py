"""CSV upload, the third intake channel: a batch of referrals from a spreadsheet (for example an
emergency department's daily list), shown row by row with its problems before anything is saved,
then imported whole or only its valid rows through the same intake service as every other channel.

Layers, from the file inward:

- `read_upload(raw)` and `read_table(text)`: file-level checks (size, encoding, CSV syntax, header,
  ragged rows, row count). They raise `CsvFileRefused` with messages a person can act on, and touch
  no database.
- `parse_row(values, ...)`: one row into `ReferralSubmission` plus the cells that could not be read.
  No database either; the business rules stay in `intake.validate_submission`.
- `referral_import_check(batch)`: every row parsed and validated, duplicates in the file flagged,
  rows this agency already sent recognised (intake is idempotent on `external_id`).
- Writes: `referral_import_upload`, `referral_import_confirm`, `referral_import_cancel`.
- Reads, scoped to the viewer: `referral_import_get`, `referral_imports_recent`.

docs/intake-csv.md documents the file format for the people who produce it.
"""

import codecs
import csv
import datetime as dt
import difflib
import io
import re
import zoneinfo
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet, prefetch_related_objects
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from port.accounts.models import Agency, Membership
from port.accounts.roles import IMPORTING_ROLES, PARTNER_ROLES, Role
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.core.csv import csv_unquote
from port.referrals.intake import (
    IntakeRejected,
    OverdoseDetails,
    ParticipantDetails,
    ReferralSubmission,
    intake_lock,
    reference_reused_message,
    referral_intake,
    same_referral,
    time_problem,
    validate_submission,
)
from port.referrals.models import Channel, Referral, ReferralImport, Source

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

# ---------------------------------------------------------------------------------------------
# The columns: one definition used by the parser, the upload page, the template download and docs.


@dataclass(frozen=True)
class Column:
    name: str
    help: "StrPromise"
    example: str
    max_length: int | None = None
    required: bool = False


DATE_FORMATS_HELP = gettext_lazy("YYYY-MM-DD or MM/DD/YYYY")
DATETIME_FORMATS_HELP = gettext_lazy(
    "YYYY-MM-DD HH:MM (optionally with an offset such as -05:00) or MM/DD/YYYY HH:MM; "
    "times without an offset are in the program's time zone"
)

COLUMNS: tuple[Column, ...] = (
    Column(
        "external_id",
        gettext_lazy(
            "Your own identifier for this referral, such as the visit number. When it is filled in, "
            "uploading the same row again never creates a second referral."
        ),
        "ED-2025-0001",
        100,
    ),
    Column(
        "source",
        gettext_lazy(
            "Who is referring: emergency_department, 211, ems, fire, law_enforcement, self, family or "
            "other. Referral partners may leave it blank: their agency's kind is used."
        ),
        "emergency_department",
        required=True,
    ),
    Column("received_at", gettext_lazy("When the referral was made. Blank: the moment of import."), "2025-01-15 14:30"),
    Column(
        "acuity",
        gettext_lazy("The program's acuity code, such as high, elevated or standard. Blank: the least urgent level."),
        "high",
    ),
    Column(
        "available_from",
        gettext_lazy("When the person can first be reached, for example the expected discharge. Optional."),
        "2025-01-15 18:00",
    ),
    Column("first_name", gettext_lazy("Optional."), "Testy", 100),
    Column("last_name", gettext_lazy("Optional."), "Example", 100),
    Column("preferred_name", gettext_lazy("The name the person goes by. Optional."), "", 100),
    Column("date_of_birth", gettext_lazy("Optional."), "1990-04-12"),
    Column(
        "phone",
        gettext_lazy(
            "A phone number (US numbers without +1 are fine). A phone, an address or location notes is "
            "needed to reach the person."
        ),
        "(412) 555-0100",
    ),
    Column("address", gettext_lazy("Street address, if the person has one."), "", 300),
    Column("location_notes", gettext_lazy("Where to find the person when there is no address."), "", 2000),
    Column("preferred_language", gettext_lazy("Optional."), "English", 50),
    Column("overdose_occurred_at", gettext_lazy("When the overdose happened. Optional."), "2025-01-15 13:50"),
    Column("overdose_location", gettext_lazy("Where the overdose happened. Optional."), "", 300),
    Column(
        "substances",
        gettext_lazy("Suspected substances, separated by semicolons (;). Up to 20, each up to 100 characters."),
        "fentanyl; cocaine",
    ),
    Column("naloxone_doses", gettext_lazy("A whole number from 0 to 20. Optional."), "2"),
    Column(
        "naloxone_given_by",
        gettext_lazy("bystander, self, ems, fire, law_enforcement, hospital, other or unknown. Optional."),
        "ems",
    ),
    Column("transported", gettext_lazy("yes, no, or blank for not known."), "yes"),
    Column("consent_to_contact", gettext_lazy("yes, no, or blank for not known."), "yes"),
    Column("notes", gettext_lazy("Anything else the team should know. Optional."), "", 5000),
)
COLUMN_NAMES: tuple[str, ...] = tuple(column.name for column in COLUMNS)
_COLUMNS_BY_NAME = {column.name: column for column in COLUMNS}
DATE_COLUMNS = frozenset({"date_of_birth"})
DATETIME_COLUMNS = frozenset({"received_at", "available_from", "overdose_occurred_at"})
FORMAT_HELP = {name: DATE_FORMATS_HELP for name in DATE_COLUMNS} | {
    name: DATETIME_FORMATS_HELP for name in DATETIME_COLUMNS
}
# The rejected-rows download adds these two; they are ignored on upload, so a corrected
# rejected-rows file can be uploaded again as it is.
ROW_NUMBER_COLUMN = "original_row"
PROBLEMS_COLUMN = "problems"
IGNORED_COLUMNS = frozenset({ROW_NUMBER_COLUMN, PROBLEMS_COLUMN})
REQUIRED_COLUMNS = tuple(column.name for column in COLUMNS if column.required)
MAX_SUBSTANCES = 20
MAX_SUBSTANCE_LENGTH = 100
DELIMITERS = (",", ";", "\t")
# How many examples of one kind of file problem are worth listing before "and N more".
EXAMPLES_SHOWN = 5


# ---------------------------------------------------------------------------------------------
# File level: bytes -> text -> header and rows.


class CsvFileRefused(Exception):
    """The file as a whole cannot be used; `messages` say why, in words a person can act on."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = messages


@dataclass
class CsvRow:
    number: int  # the spreadsheet's row number: the header is row 1
    cells: list[str]


@dataclass
class CsvTable:
    text: str
    delimiter: str
    header: list[str]  # as written in the file
    columns: list[str | None]  # our column name for each position; None: ignored
    rows: list[CsvRow]  # without blank rows
    blank_rows: int = 0

    def values(self, row: CsvRow) -> dict[str, str]:
        return {
            name: cell
            for name, cell in zip(self.columns, row.cells, strict=True)
            if name and name not in IGNORED_COLUMNS
        }

    def original_cells(self, row: CsvRow) -> list[tuple[str, str]]:
        """The row as the file had it, header by header (for the rejected-rows download)."""
        return [
            (title, cell)
            for title, cell, name in zip(self.header, row.cells, self.columns, strict=True)
            if name not in IGNORED_COLUMNS and (title or cell)
        ]


SAVE_AS_CSV_UTF8 = gettext_lazy(
    "In Excel choose File › Save As › “CSV UTF-8 (Comma delimited) (*.csv)”; in other programs "
    "choose CSV with the UTF-8 encoding."
)

_SIGNATURES = (
    (b"PK\x03\x04", gettext_lazy("This is an Excel workbook (.xlsx) or another zip file, not a CSV file.")),
    (b"\xd0\xcf\x11\xe0", gettext_lazy("This is an old-style Excel workbook (.xls), not a CSV file.")),
    (b"\x89PNG", gettext_lazy("This is an image (PNG), not a CSV file.")),
    (b"\xff\xd8\xff", gettext_lazy("This is an image (JPEG), not a CSV file.")),
    (b"GIF8", gettext_lazy("This is an image (GIF), not a CSV file.")),
    (b"%PDF", gettext_lazy("This is a PDF document, not a CSV file.")),
)


def too_large_message(size: int) -> str:
    return _("The file is %(size)s; the limit for one upload is %(limit)s. Split it into smaller files.") % {
        "size": filesizeformat(size),
        "limit": filesizeformat(settings.INTAKE_CSV_MAX_BYTES),
    }


def _line_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def decode_upload(raw: bytes) -> str:
    """Bytes to text: UTF-8 (with or without a byte-order mark) or UTF-16 with its byte-order mark
    (Excel's "Unicode text"). Anything else is refused with the line where reading failed."""
    if not raw.strip():
        raise CsvFileRefused([_("The file is empty. Download the template to see what a file looks like.")])
    for signature, refusal in _SIGNATURES:
        if raw.startswith(signature):
            raise CsvFileRefused([str(refusal), str(SAVE_AS_CSV_UTF8)])
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not raw.startswith(codecs.BOM_UTF32_LE):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            readable = raw[: exc.start - exc.start % 2].decode("utf-16", errors="replace")
            raise CsvFileRefused(
                [
                    _("The file starts like UTF-16 text but is damaged on line %(line)d.")
                    % {"line": readable.count("\n") + 1},
                    str(SAVE_AS_CSV_UTF8),
                ]
            ) from exc
    if b"\x00" in raw:
        sample = raw[:4096]
        even = sample[0::2].count(0)
        odd = sample[1::2].count(0)
        if max(even, odd) > len(sample) // 4 and min(even, odd) * 10 < max(even, odd):
            message = _("The file looks like UTF-16 text without a byte-order mark, which we cannot read reliably.")
        else:
            message = _("The file contains binary data (NUL bytes); it is not a CSV text file.")
        raise CsvFileRefused([message, str(SAVE_AS_CSV_UTF8)])
    text = raw.removeprefix(codecs.BOM_UTF8)
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CsvFileRefused(
            [
                _(
                    "The file is not saved as UTF-8: line %(line)d has a character we cannot read (byte "
                    "0x%(byte)02X). This usually means it was saved as “CSV (Comma delimited)” in an older "
                    "encoding."
                )
                % {"line": _line_of(text, exc.start), "byte": text[exc.start]},
                str(SAVE_AS_CSV_UTF8),
            ]
        ) from exc


def normalize_header(title: str) -> str:
    """'  First Name ' -> 'first_name': header names are case-insensitive and trimmed."""
    return re.sub(r"[\s\-]+", "_", title.replace("\ufeff", "").strip().lower())


def _first_record(text: str, delimiter: str) -> list[str]:
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if any(cell.strip() for cell in record):
                return record
    except csv.Error:
        return []  # not readable as CSV with this delimiter: the caller reports it
    return []


def _choose_delimiter(text: str) -> str:
    """Comma, semicolon (spreadsheets in many European locales) or tab (Excel's "Unicode text").

    Chosen by which one splits the header row into the most known column names, then into the most
    columns: more dependable than csv.Sniffer on a short file with many empty cells.
    """

    def score(delimiter: str) -> tuple[int, int]:
        titles = [normalize_header(t) for t in _first_record(text, delimiter)]
        known = sum(1 for t in titles if t in _COLUMNS_BY_NAME or t in IGNORED_COLUMNS)
        return known, len(titles)

    return max(DELIMITERS, key=score)  # max keeps the first of equals: the comma


_CSV_ERRORS = {
    "unexpected end of data": gettext_lazy('a quoted value is never closed. Look for a stray quotation mark (").'),
    "expected after '\"'": gettext_lazy(
        "a quotation mark in the middle of a value. Put the whole value in quotation marks and "
        'double any quotation mark inside it ("").'
    ),
}


def _csv_error_message(exc: csv.Error, line: int) -> str:
    text = str(exc)
    reason = next((str(msg) for key, msg in _CSV_ERRORS.items() if key in text), text)
    return _("The file is not valid CSV near line %(line)d: %(reason)s") % {"line": line, "reason": reason}


def _more(items: list[str], shown: int = EXAMPLES_SHOWN) -> str:
    text = ", ".join(items[:shown])
    if len(items) > shown:
        text += " " + _("and %(count)d more") % {"count": len(items) - shown}
    return text


def _header_problems(header: list[str], columns: list[str | None]) -> list[str]:
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    problems = (
        [
            ngettext(
                "The required column %(names)s is missing.", "The required columns %(names)s are missing.", len(missing)
            )
            % {"names": ", ".join(f"“{name}”" for name in missing)}
        ]
        if missing
        else []
    )
    unknown = []
    for title, name in zip(header, columns, strict=True):
        if name is not None or not title.strip():
            continue
        shown = title.strip()[:60]
        guess = difflib.get_close_matches(normalize_header(title), COLUMN_NAMES, n=1, cutoff=0.8)
        unknown.append(
            _("“%(title)s” (did you mean %(guess)s?)") % {"title": shown, "guess": guess[0]} if guess else f"“{shown}”"
        )
    if unknown:
        problems.append(
            ngettext(
                "Unknown column: %(names)s. Remove it or rename it to one of the template's columns.",
                "Unknown columns: %(names)s. Remove them or rename them to the template's columns.",
                len(unknown),
            )
            % {"names": _more(unknown, 10)}
        )
    seen: dict[str, int] = {}
    for position, name in enumerate(columns, start=1):
        if name and name not in IGNORED_COLUMNS:
            if name in seen:
                problems.append(
                    _("The column “%(name)s” appears twice (columns %(a)d and %(b)d).")
                    % {"name": name, "a": seen[name], "b": position}
                )
            seen.setdefault(name, position)
    if problems and not any(name for name in columns):
        problems.append(
            _("The first row must be the header row with the column names; download the template to see them.")
        )
    return problems


def read_table(text: str, *, max_rows: int | None = None) -> CsvTable:
    """Text to header and rows, refusing files a person must fix first (nothing is saved)."""
    max_rows = settings.INTAKE_CSV_MAX_ROWS if max_rows is None else max_rows
    if "\x00" in text:
        raise CsvFileRefused(
            [_("The file contains binary data (NUL characters); it is not a CSV text file."), str(SAVE_AS_CSV_UTF8)]
        )
    if not text.strip():
        raise CsvFileRefused([_("The file is empty. Download the template to see what a file looks like.")])
    delimiter = _choose_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    # The header first: wrong or missing columns are reported before anything else in the file.
    blank_above = 0
    header: list[str] = []
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                header = record
                break
            blank_above += 1
    except csv.Error as exc:
        raise CsvFileRefused([_csv_error_message(exc, reader.line_num)]) from exc
    if not header:
        raise CsvFileRefused([_("The file is empty. Download the template to see what a file looks like.")])
    columns: list[str | None] = []
    for title in header:
        name = normalize_header(title)
        columns.append(name if name in _COLUMNS_BY_NAME or name in IGNORED_COLUMNS else None)
    problems = _header_problems(header, columns)
    if problems:
        raise CsvFileRefused(problems)
    try:
        body = list(reader)  # the upload's size limit bounds this list
    except csv.Error as exc:
        raise CsvFileRefused([_csv_error_message(exc, reader.line_num)]) from exc
    unnamed = [
        _("Column %(n)d has values but no name in the header row.") % {"n": position + 1}
        for position, title in enumerate(header)
        if not title.strip() and any(position < len(cells) and cells[position].strip() for cells in body)
    ]
    if unnamed:
        raise CsvFileRefused(unnamed)

    rows: list[CsvRow] = []
    blank_rows = 0
    ragged: list[str] = []
    # Blank rows (also above the header) are skipped, but rows keep their spreadsheet numbers.
    for number, cells in enumerate(body, start=blank_above + 2):
        if not any(cell.strip() for cell in cells):
            blank_rows += 1
            continue
        if len(cells) != len(header):
            ragged.append(_("row %(row)d has %(cells)d") % {"row": number, "cells": len(cells)})
            continue
        # A cell our own rejected-rows download protected with an apostrophe reads as it was first sent.
        rows.append(CsvRow(number=number, cells=[csv_unquote(cell) for cell in cells]))
    if ragged:
        raise CsvFileRefused(
            [
                _(
                    "Every row must have as many cells as the header row (%(count)d): %(rows)s. Check for "
                    "values with a separator (%(sep)s) inside that are not in quotation marks."
                )
                % {"count": len(header), "rows": _more(ragged), "sep": "tab" if delimiter == "\t" else delimiter}
            ]
        )
    if not rows:
        raise CsvFileRefused([_("The file has a header row but no referrals below it.")])
    if len(rows) > max_rows:
        raise CsvFileRefused(
            [
                _("The file has %(count)d rows; the limit is %(limit)d per upload. Split it into smaller files.")
                % {"count": len(rows), "limit": max_rows}
            ]
        )
    # Columns with neither a name nor a value (spreadsheets leave them) are left out by `values`.
    return CsvTable(text=text, delimiter=delimiter, header=header, columns=columns, rows=rows, blank_rows=blank_rows)


def read_upload(raw: bytes, *, max_bytes: int | None = None, max_rows: int | None = None) -> CsvTable:
    """An uploaded file's bytes to a table, or CsvFileRefused; never any other exception."""
    max_bytes = settings.INTAKE_CSV_MAX_BYTES if max_bytes is None else max_bytes
    if len(raw) > max_bytes:
        raise CsvFileRefused([too_large_message(len(raw))])
    return read_table(decode_upload(raw), max_rows=max_rows)


# ---------------------------------------------------------------------------------------------
# Row level: cells -> ReferralSubmission (types only; the rules are intake's).


class _CellError(ValueError):
    """One cell that cannot be read; its message is shown on the row."""


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?\s*(Z|[+-]\d{2}(:?\d{2})?)?", re.IGNORECASE
)
_US = re.compile(
    r"(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})"
    r"(?:[ T]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?\s*(?P<ampm>[AaPp][Mm])?)?"
)


# No message repeats the cell: what a cell says is about the person, and messages are shown and
# downloaded (the rejected-rows file keeps the cells themselves, beside the messages).


def _us_date(us: re.Match) -> dt.date:
    try:
        return dt.date(int(us["y"]), int(us["m"]), int(us["d"]))
    except ValueError as exc:
        if int(us["m"]) > 12:
            raise _CellError(_("This is not a real date: in this format the month comes first (MM/DD/YYYY).")) from exc
        raise _CellError(_("This is not a real date.")) from exc


def _not_a_date(formats: str) -> _CellError:
    return _CellError(_("This is not a date we can read. Use %(formats)s.") % {"formats": formats})


def parse_date(value: str) -> dt.date:
    value = value.strip()
    formats = str(DATE_FORMATS_HELP)
    try:
        if _ISO_DATE.fullmatch(value):
            return dt.date.fromisoformat(value)
        if _ISO_DATETIME.fullmatch(value):
            raise _CellError(_("Give only the date, without a time (%(formats)s).") % {"formats": formats})
        us = _US.fullmatch(value)
        if us:
            if us["H"] is not None:
                raise _CellError(_("Give only the date, without a time (%(formats)s).") % {"formats": formats})
            return _us_date(us)
    except ValueError as exc:
        if isinstance(exc, _CellError):
            raise
        raise _CellError(_("This is not a real date.")) from exc
    raise _not_a_date(formats)


def parse_datetime(value: str, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """ISO 8601 with or without an offset, or MM/DD/YYYY HH:MM; naive times are in `zone`."""
    value = value.strip()
    formats = str(DATETIME_FORMATS_HELP)
    try:
        if _ISO_DATETIME.fullmatch(value):
            parsed = dt.datetime.fromisoformat(re.sub(r"\s+(?=[Zz+-])", "", value).upper())
        elif (us := _US.fullmatch(value)) and us["H"] is not None:
            hour = int(us["H"])
            if us["ampm"]:
                if not 1 <= hour <= 12:
                    raise _CellError(_("With AM or PM the hour is 1 to 12."))
                hour = hour % 12 + (12 if us["ampm"].lower() == "pm" else 0)
            parsed = dt.datetime.combine(_us_date(us), dt.time(hour, int(us["M"]), int(us["S"] or 0)))
        elif _ISO_DATE.fullmatch(value) or _US.fullmatch(value):
            raise _CellError(_("This needs a time as well as a date, e.g. 2025-01-15 14:30 or 01/15/2025 14:30."))
        else:
            raise _not_a_date(formats)
        # Years far ahead are typing errors, and would overflow the clock's arithmetic; an offset no
        # place uses or a time before 2000 is refused here (as intake would), before it becomes UTC.
        if parsed.year > 2999:
            raise _CellError(_("Check the year: times after 2999 cannot be right."))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=zone)
        problem = time_problem(parsed)
        if problem:
            raise _CellError(problem)
        return parsed.astimezone(dt.UTC)
    except _CellError:
        raise
    except (ValueError, OverflowError) as exc:
        raise _CellError(_("This is not a real date and time.")) from exc


_YES = frozenset({"yes", "y", "true"})
_NO = frozenset({"no", "n", "false"})


def parse_yes_no(value: str) -> bool | None:
    lowered = value.strip().lower()
    if not lowered:
        return None
    if lowered in _YES:
        return True
    if lowered in _NO:
        return False
    raise _CellError(_("Use yes, no, or leave it blank."))


def parse_whole_number(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not re.fullmatch(r"[+-]?\d{1,6}", value):
        raise _CellError(_("This is not a whole number, such as 2."))
    return int(value)


def _code(value: str) -> str:
    """'Emergency Department' -> 'emergency_department': codes are matched leniently."""
    return re.sub(r"[\s\-]+", "_", value.strip().lower())


def default_source_for(agency: Agency | None) -> str:
    """A partner's blank `source` is its agency's kind, where that kind is also a source."""
    return agency.kind if agency is not None and agency.kind in Source.values else ""


def parse_row(
    values: dict[str, str], *, zone: zoneinfo.ZoneInfo, default_source: str = ""
) -> tuple[ReferralSubmission, dict[str, str]]:
    """One row's cells into a ReferralSubmission, and a message for each cell that could not be read.

    Only types and lengths are checked here; what makes a referral acceptable is decided by
    `validate_submission`, the same for every channel.
    """
    problems: dict[str, str] = {}

    def text(name: str) -> str:
        cell = (values.get(name) or "").strip()
        limit = _COLUMNS_BY_NAME[name].max_length
        if limit and len(cell) > limit:
            # Intake would cut it short; say so instead of dropping the rest silently.
            problems[name] = _("Too long: %(length)d characters, at most %(limit)d.") % {
                "length": len(cell),
                "limit": limit,
            }
        return cell

    def typed(name: str, parse):
        cell = (values.get(name) or "").strip()
        if not cell:
            return None
        try:
            return parse(cell)
        except _CellError as exc:
            problems[name] = str(exc)
            return None

    source = _code(values.get("source") or "") or default_source
    if not source:
        problems["source"] = _("Required. Use one of: %(choices)s.") % {"choices": ", ".join(Source.values)}

    substances = [s.strip() for s in (values.get("substances") or "").split(";") if s.strip()]
    if len(substances) > MAX_SUBSTANCES:
        problems["substances"] = _("At most %(count)d substances.") % {"count": MAX_SUBSTANCES}
    elif any(len(s) > MAX_SUBSTANCE_LENGTH for s in substances):
        problems["substances"] = _(
            "Each substance can be at most %(limit)d characters; separate substances with semicolons (;)."
        ) % {"limit": MAX_SUBSTANCE_LENGTH}

    submission = ReferralSubmission(
        source=source,
        external_id=text("external_id"),
        received_at=typed("received_at", lambda v: parse_datetime(v, zone)),
        acuity=_code(values.get("acuity") or ""),
        available_from=typed("available_from", lambda v: parse_datetime(v, zone)),
        participant=ParticipantDetails(
            first_name=text("first_name"),
            last_name=text("last_name"),
            preferred_name=text("preferred_name"),
            date_of_birth=typed("date_of_birth", parse_date),
            phone=text("phone"),
            address=text("address"),
            location_notes=text("location_notes"),
            preferred_language=text("preferred_language"),
        ),
        overdose=OverdoseDetails(
            occurred_at=typed("overdose_occurred_at", lambda v: parse_datetime(v, zone)),
            location=text("overdose_location"),
            substances=substances,
            naloxone_doses=typed("naloxone_doses", parse_whole_number),
            naloxone_given_by=_code(values.get("naloxone_given_by") or ""),
            transported=typed("transported", parse_yes_no),
        ),
        consent_to_contact=typed("consent_to_contact", parse_yes_no),
        notes=text("notes"),
    )
    return submission, problems


def column_for_field(path: str) -> str:
    """Intake's field path ('participant.phone', 'overdose.location') to this file's column name."""
    group, _dot, name = path.partition(".")
    if group == "participant" and name:
        return name
    if group == "overdose" and name:
        return f"overdose_{name}" if name in ("occurred_at", "location") else name
    return path


# ---------------------------------------------------------------------------------------------
# Checking a batch: every row, with its problems, against the database as it is now.


@dataclass(frozen=True)
class RowProblem:
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.column}: {self.message}"


class RowState:
    READY = "ready"
    ALREADY_RECEIVED = "already_received"
    PROBLEM = "problem"


@dataclass
class ImportRow:
    number: int
    cells: list[tuple[str, str]]
    submission: ReferralSubmission
    problems: list[RowProblem] = field(default_factory=list)
    existing: Referral | None = None

    @property
    def state(self) -> str:
        if self.existing is not None:
            return RowState.ALREADY_RECEIVED
        return RowState.PROBLEM if self.problems else RowState.READY

    @property
    def is_valid(self) -> bool:
        return self.state != RowState.PROBLEM

    @property
    def name(self) -> str:
        person = self.submission.participant
        first = person.preferred_name or person.first_name
        return f"{first} {person.last_name}".strip()


@dataclass
class ImportCheck:
    rows: list[ImportRow]
    blank_rows: int = 0

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def _with(self, state: str) -> list[ImportRow]:
        return [row for row in self.rows if row.state == state]

    @property
    def ready(self) -> list[ImportRow]:
        return self._with(RowState.READY)

    @property
    def already_received(self) -> list[ImportRow]:
        return self._with(RowState.ALREADY_RECEIVED)

    @property
    def with_problems(self) -> list[ImportRow]:
        return self._with(RowState.PROBLEM)

    @property
    def valid_count(self) -> int:
        return self.row_count - len(self.with_problems)

    @property
    def without_external_id(self) -> int:
        return sum(1 for row in self.rows if not row.submission.external_id)


_COLUMN_ORDER = {name: position for position, name in enumerate(COLUMN_NAMES)}


def referral_import_check(*, batch: ReferralImport, now: dt.datetime | None = None) -> ImportCheck:
    """Parse and validate every row of a batch as the database stands now.

    A row whose external_id this agency already sent is "already received": intake answers such a
    row with the referral it made before, whatever the row says now, so it is never a problem.
    """
    now = now or timezone.now()
    program = batch.program
    # validate_submission reads the program's acuity levels for every row: fetch them once.
    prefetch_related_objects([program], "acuity_levels")
    table = read_table(batch.content, max_rows=max(batch.row_count, settings.INTAKE_CSV_MAX_ROWS))
    default_source = default_source_for(batch.agency)
    rows: list[ImportRow] = []
    first_seen: dict[str, int] = {}
    for csv_row in table.rows:
        submission, parse_problems = parse_row(table.values(csv_row), zone=program.zone, default_source=default_source)
        _acuity, errors = validate_submission(program=program, submission=submission, now=now)
        problems = dict(parse_problems)
        for path, message in errors.items():
            problems.setdefault(column_for_field(path), message)
        external_id = submission.external_id
        if external_id:
            if external_id in first_seen:
                problems.setdefault(
                    "external_id",
                    _("This external_id is also on row %(row)d: each referral can be in the file only once.")
                    % {"row": first_seen[external_id]},
                )
            first_seen.setdefault(external_id, csv_row.number)
        rows.append(
            ImportRow(
                number=csv_row.number,
                cells=table.original_cells(csv_row),
                submission=submission,
                problems=sorted(
                    (RowProblem(column, message) for column, message in problems.items()),
                    key=lambda p: _COLUMN_ORDER.get(p.column, len(_COLUMN_ORDER)),
                ),
            )
        )
    existing = _already_received(batch=batch, external_ids=list(first_seen))
    for row in rows:
        sent = existing.get(row.submission.external_id)
        if sent is None:
            continue
        if same_referral(sent, row.submission):
            row.existing = sent
        elif not any(problem.column == "external_id" for problem in row.problems):
            # The same number about someone else is not a resend: intake would refuse it.
            row.problems = sorted(
                [*row.problems, RowProblem("external_id", reference_reused_message())],
                key=lambda p: _COLUMN_ORDER.get(p.column, len(_COLUMN_ORDER)),
            )
    return ImportCheck(rows=rows, blank_rows=table.blank_rows)


def _already_received(*, batch: ReferralImport, external_ids: list[str]) -> dict[str, Referral]:
    if not external_ids:
        return {}
    # Staff without an agency have no agency to be idempotent for; their own earlier uploads
    # (no agency, same external_id) count, so uploading the same file twice never duplicates.
    sent = Referral.objects.filter(program_id=batch.program_id, external_id__in=external_ids)
    sent = (
        sent.filter(referring_agency_id=batch.agency_id)
        if batch.agency_id
        else sent.filter(referring_agency__isnull=True)
    )
    # What was sent and the overdose time tell a resend from a reused number (intake.same_referral).
    sent = sent.select_related("overdose_event", "participant").only(
        "pk",
        "public_id",
        "external_id",
        "participant_id",
        "status",
        "submitted_participant",
        "overdose_event__occurred_at",
        "participant__first_name",
        "participant__last_name",
        "participant__date_of_birth",
    )
    return {referral.external_id: referral for referral in sent}


# ---------------------------------------------------------------------------------------------
# Writes.


class ImportRefused(Exception):
    """The batch cannot be imported (or cancelled) as asked; the message says why."""


IMPORT_ALL = "all"
IMPORT_VALID_ONLY = "valid_only"
IMPORT_CHOICES = (IMPORT_ALL, IMPORT_VALID_ONLY)


def referral_import_upload(*, by: Membership, file_name: str, raw: bytes) -> ReferralImport:
    """Keep an uploaded file for preview. Raises CsvFileRefused, and saves nothing, when the file
    itself has a problem (size, encoding, CSV syntax, columns, rows). Row problems are the preview's."""
    if by.role not in IMPORTING_ROLES:
        raise ImportRefused(_("Your role cannot upload referrals."))
    table = read_upload(raw)
    batch = ReferralImport.objects.create(
        program=by.program,
        agency=by.agency,
        uploaded_by=by.user,
        file_name=file_name[:200],
        content=table.text,
        row_count=len(table.rows),
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        by=by,
        target_type="referrals.referralimport",
        target_ids=[batch.pk],
        note=f"CSV upload, {len(table.rows)} rows, waiting for preview",
    )
    return batch


def _locked(batch: ReferralImport) -> ReferralImport:
    return ReferralImport.objects.select_for_update(of=("self",)).select_related("program", "agency").get(pk=batch.pk)


def _check_waiting(batch: ReferralImport) -> None:
    if batch.state == ReferralImport.State.IMPORTED:
        raise ImportRefused(_("This file was already imported; nothing was imported again."))
    if batch.state == ReferralImport.State.CANCELLED:
        raise ImportRefused(_("This upload was cancelled; upload the file again to import it."))


def _rejected_entry(row: ImportRow) -> dict:
    return {
        "row": row.number,
        "cells": [list(cell) for cell in row.cells],
        "problems": [str(problem) for problem in row.problems],
    }


@transaction.atomic
def referral_import_confirm(
    *, batch: ReferralImport, by: Membership, choice: str, now: dt.datetime | None = None
) -> ReferralImport:
    """Import a previewed batch: every row ("all", all or nothing) or only its valid rows.

    Rows are checked again (time has passed; another upload may have sent the same referrals), in
    one transaction with the batch locked, so a double submit imports once. Each row goes through
    `referral_intake`; rejected rows are kept with their reasons for download, and the file itself
    is dropped.
    """
    if choice not in IMPORT_CHOICES:
        raise ImportRefused(_("Choose whether to import every row or only the valid rows."))
    batch = _locked(batch)
    _check_waiting(batch)
    if by.user_id != batch.uploaded_by_id:
        # The referrals are sent in the uploader's name, for the uploader's agency.
        raise ImportRefused(_("Only the person who uploaded this file can import it."))
    now = now or timezone.now()
    check = referral_import_check(batch=batch, now=now)
    if choice == IMPORT_ALL and check.with_problems:
        rows = [row.number for row in check.with_problems]
        raise ImportRefused(
            ngettext(
                "Nothing was imported: row %(rows)s has a problem. Fix it and upload the file again, or "
                "import only the valid rows.",
                "Nothing was imported: %(count)d rows have problems (rows %(rows)s). Fix them and upload "
                "the file again, or import only the valid rows.",
                len(rows),
            )
            % {"count": len(rows), "rows": _more([str(n) for n in rows], 10)}
        )

    created: list[Referral] = []
    rejected: list[ImportRow] = list(check.with_problems)
    # One transaction for every row: take all their matching locks at once, in one order, so a
    # referral arriving meanwhile through another channel can never wait in a cycle with this batch.
    intake_lock(program=batch.program, submissions=[row.submission for row in check.ready])
    for row in check.ready:
        try:
            result = referral_intake(
                program=batch.program,
                submission=row.submission,
                channel=Channel.CSV,
                agency=batch.agency,
                submitted_by=by,
                now=now,
            )
        except IntakeRejected as exc:  # the checks above are the same; only a race gets here
            if choice == IMPORT_ALL:
                raise ImportRefused(
                    _("Nothing was imported: row %(row)d was refused (%(reason)s).")
                    % {"row": row.number, "reason": exc}
                ) from exc
            row.problems = [RowProblem(column_for_field(k), v) for k, v in exc.errors.items()]
            rejected.append(row)
            continue
        if result.created:
            created.append(result.referral)

    rejected.sort(key=lambda row: row.number)
    batch.state = ReferralImport.State.IMPORTED
    batch.content = ""  # the referrals now hold what was sent; the file is not kept
    batch.row_count = check.row_count
    batch.imported_count = len(created)
    batch.rejected_count = len(rejected)
    batch.rejected_rows = [_rejected_entry(row) for row in rejected]
    batch.finished_at = timezone.now()
    batch.save(
        update_fields=[
            "state",
            "content",
            "row_count",
            "imported_count",
            "rejected_count",
            "rejected_rows",
            "finished_at",
        ]
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        by=by,
        target_type="referrals.referralimport",
        target_ids=[batch.pk],
        participant_ids=[r.participant_id for r in created],
        note=f"CSV import ({choice}): {len(created)} imported, "
        f"{already_received_count(batch)} already received, {len(rejected)} rejected",
    )
    return batch


@transaction.atomic
def referral_import_cancel(*, batch: ReferralImport, by: Membership) -> ReferralImport:
    """Drop a batch waiting for preview; nothing from it is imported and the file is not kept."""
    batch = _locked(batch)
    _check_waiting(batch)
    if by.user_id != batch.uploaded_by_id and by.role not in (Role.ADMIN, Role.SUPERVISOR):
        raise ImportRefused(_("Only the person who uploaded this file, or a supervisor, can cancel it."))
    batch.state = ReferralImport.State.CANCELLED
    batch.content = ""
    batch.finished_at = timezone.now()
    batch.save(update_fields=["state", "content", "finished_at"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        by=by,
        target_type="referrals.referralimport",
        target_ids=[batch.pk],
        changes={"state": ["preview", "cancelled"]},
    )
    return batch


# ---------------------------------------------------------------------------------------------
# Reads: a batch is visible to its program's importing roles, and for partners to their agency only.


def referral_imports_visible_to(viewer: Membership) -> QuerySet[ReferralImport]:
    if viewer.role not in IMPORTING_ROLES:
        return ReferralImport.objects.none()
    batches = ReferralImport.objects.filter(program_id=viewer.program_id)
    if viewer.role in PARTNER_ROLES:
        return batches.filter(agency_id=viewer.agency_id) if viewer.agency_id else batches.none()
    return batches


def referral_import_get(*, viewer: Membership, pk: int) -> ReferralImport:
    """One batch the viewer may see, or 404 (never 403: the batch's existence is not leaked)."""
    try:
        return referral_imports_visible_to(viewer).select_related("program", "agency", "uploaded_by").get(pk=pk)
    except (ReferralImport.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def referral_imports_recent(*, viewer: Membership, limit: int = 10) -> list[ReferralImport]:
    """The viewer's latest batches (file name, state and counts only: no participant data)."""
    return list(
        referral_imports_visible_to(viewer)
        .select_related("uploaded_by")
        .defer("content", "rejected_rows")
        .order_by("-created_at", "-pk")[:limit]
    )


def example_rows(*, acuity_codes: list[str]) -> list[dict[str, str]]:
    """The template's example rows: clearly synthetic, valid for the program they are made for."""
    first = acuity_codes[0] if acuity_codes else ""
    second = acuity_codes[1] if len(acuity_codes) > 1 else ""
    return [
        {
            "external_id": "EXAMPLE-0001",
            "source": "emergency_department",
            "received_at": "2025-01-15T14:30:00-05:00",
            "acuity": first,
            "available_from": "2025-01-15 18:00",
            "first_name": "Testy",
            "last_name": "Example",
            "date_of_birth": "1990-04-12",
            "phone": "(412) 555-0100",
            "address": "100 Example Street, Springfield",
            "preferred_language": "English",
            "overdose_occurred_at": "2025-01-15 13:50",
            "overdose_location": "Example Park",
            "substances": "fentanyl; cocaine",
            "naloxone_doses": "2",
            "naloxone_given_by": "ems",
            "transported": "yes",
            "consent_to_contact": "yes",
            "notes": "Synthetic example row: delete it before uploading.",
        },
        {
            "external_id": "EXAMPLE-0002",
            "source": "211",
            "received_at": "01/16/2025 09:05",
            "acuity": second,
            "first_name": "Sample",
            "last_name": "Person",
            "preferred_name": "Sam",
            "date_of_birth": "07/04/1985",
            "location_notes": "Usually near the library steps on Example Avenue (synthetic example)",
            "preferred_language": "Spanish",
            "overdose_occurred_at": "01/15/2025 22:40",
            "substances": "heroin",
            "naloxone_doses": "1",
            "naloxone_given_by": "bystander",
            "transported": "no",
            "notes": "Synthetic example row: delete it before uploading.",
        },
        {
            "external_id": "EXAMPLE-0003",
            "source": "ems",
            "phone": "412-555-0199",
            "notes": "Synthetic example row: only a source and a way to reach the person are needed.",
        },
    ]


def already_received_count(batch: ReferralImport) -> int:
    """Rows an imported batch did not import because the referral was already received.

    Every row is imported, already received, or rejected, so the model needs no column for it."""
    return max(batch.row_count - batch.imported_count - batch.rejected_count, 0)
