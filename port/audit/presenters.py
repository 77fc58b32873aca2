"""CSV cells every export writes: a formula is shown as text, and a file that comes back gets its values
back; and a CSV file a line at a time, for a streaming response."""

import csv
from collections.abc import Iterable, Iterator

# Excel opens a UTF-8 CSV correctly only when it starts with a byte-order mark.
CSV_ENCODING_BOM = "\ufeff"
# A cell starting with one of these is a formula to a spreadsheet; an attempted username is typed by anyone.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _is_formula(text: str) -> bool:
    # Apostrophes first too: "'=x" must come back as "'=x" from csv_unquote, so it gets its own apostrophe.
    return text.lstrip("'").startswith(_FORMULA_STARTS)


def csv_safe(value) -> str:
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


def csv_lines(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """A CSV file, a line at a time (for a streaming response), with a byte-order mark first."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield CSV_ENCODING_BOM + writer.writerow([csv_safe(cell) for cell in header])
    for row in rows:
        yield writer.writerow([csv_safe(cell) for cell in row])
