"""File level: bytes -> text -> header and rows. Size, encoding (UTF-8 with or without a byte-order
mark, UTF-16 with one; spreadsheets and other files recognised and refused), the separator (comma,
semicolon or tab), CSV syntax, header, ragged rows and row count: a problem raises `CsvFileRefused` with
messages a person can act on. No database."""

import codecs
import csv
import difflib
import io
import re
from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from port.core.csv import csv_unquote
from port.referrals.csv_import.columns import COLUMN_NAMES, COLUMNS_BY_NAME, IGNORED_COLUMNS, REQUIRED_COLUMNS

DELIMITERS = (",", ";", "\t")
# How many examples of one kind of file problem are worth listing before "and N more".
EXAMPLES_SHOWN = 5


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
    for signature, explanation in _SIGNATURES:
        if raw.startswith(signature):
            raise CsvFileRefused([str(explanation), str(SAVE_AS_CSV_UTF8)])
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
        known = sum(1 for t in titles if t in COLUMNS_BY_NAME or t in IGNORED_COLUMNS)
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


def examples_listed(items: list[str], shown: int = EXAMPLES_SHOWN) -> str:
    """The first `shown` items, then "and N more"."""
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
            % {"names": examples_listed(unknown, 10)}
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
        columns.append(name if name in COLUMNS_BY_NAME or name in IGNORED_COLUMNS else None)
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
                % {
                    "count": len(header),
                    "rows": examples_listed(ragged),
                    "sep": "tab" if delimiter == "\t" else delimiter,
                }
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
