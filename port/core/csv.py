"""CSV downloads: the one response builder every export uses, and the formula-safety of its cells.

A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, a tab or a carriage return first) gets a
leading apostrophe (`csv_safe`); a file of ours that comes back, such as the referral import's rejected rows,
gets its values back with `csv_unquote`.
"""

import csv
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse

# Excel opens a UTF-8 CSV correctly only when it starts with a byte-order mark (the upload accepts it).
CSV_ENCODING_BOM = "\ufeff"
# A cell starting with one of these is a formula to a spreadsheet; an attempted username is typed by anyone.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _is_formula(text: str) -> bool:
    # Apostrophes first too: "'=x" must come back as "'=x" from csv_unquote, so it gets its own apostrophe.
    return text.lstrip("'").startswith(_FORMULA_STARTS)


def csv_safe(value: object) -> str:
    """A cell a spreadsheet shows as text rather than runs: a leading apostrophe before a formula."""
    text = "" if value is None else str(value)
    return "'" + text if _is_formula(text) else text


def csv_unquote(cell: str) -> str:
    """The value csv_safe protected, for a file that comes back (the CSV import): exactly the one
    apostrophe it added is removed, so csv_unquote(csv_safe(value)) == value for every value."""
    return cell[1:] if cell.startswith("'") and _is_formula(cell[1:]) else cell


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[object], rows: Iterable[Iterable[object]], *, neutralise: bool = True) -> Iterator[str]:
    """A CSV file a line at a time, with a byte-order mark first and CRLF line ends.

    Every cell goes through csv_safe unless `neutralise` is False: then the caller has made each cell
    safe itself, or keeps it exactly as it is (the import template and the rejected rows keep their
    header as the upload had it, so the file re-uploads unchanged)."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    cell = csv_safe if neutralise else (lambda value: value)
    yield CSV_ENCODING_BOM + writer.writerow([cell(value) for value in header])
    for row in rows:
        yield writer.writerow([cell(value) for value in row])


def csv_response(
    filename: str, header: Iterable[object], rows: Iterable[Iterable[object]], *, neutralise: bool = True
) -> StreamingHttpResponse:
    """A CSV download, streamed while `rows` is read (pass an iterator to read a large query in chunks).

    `filename` must name no one (a public id, never a name): it ends up in the browser's history."""
    response = StreamingHttpResponse(
        (line.encode() for line in csv_lines(header, rows, neutralise=neutralise)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
