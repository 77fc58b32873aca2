"""Small-cell suppression for any published table of counts, written once (the analyst's figures, the
reports to come).

A table is counts in rows and columns, published with its row totals, its column totals, or both (and then
a grand total). Primary suppression hides every count from 1 to SMALL_CELL - 1 ("fewer than 11"), totals
included. Complementary suppression then hides more, until no hidden count can be worked out from what is
published:

- every line (a row or a column with its total, and the totals with the grand total) has no hidden member
  or at least two;
- no hidden count is pinned by its line's bounds (every hidden count is at least 1, a small one at most 10:
  two hidden 1s in a row of known total are both pinned);
- no hidden count is determined by all the published equations together (Gaussian elimination over
  fractions: a count that is a combination of published totals and cells is found out).

The complement chosen is the line's smallest non-zero shown count (a zero is useless: nothing is hidden by
hiding it, and a reader knows the rule); when the line has none, its total is hidden instead.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

SMALL_CELL = 11


@dataclass
class Cell:
    """A count, or None when suppressed: `small` (1 to SMALL_CELL - 1) or hidden so that a small one cannot
    be worked out from a total (`complementary`, whatever its size)."""

    value: int | None
    small: bool = False

    @property
    def suppressed(self) -> bool:
        return self.value is None

    @property
    def complementary(self) -> bool:
        return self.value is None and not self.small


def is_small(count: int) -> bool:
    return 0 < count < SMALL_CELL


def suppress(count: int) -> Cell:
    """One count published on its own: primary suppression only."""
    return Cell(None, small=True) if is_small(count) else Cell(count)


@dataclass
class SuppressedTable:
    cells: list[list[Cell]]
    row_totals: list[Cell] | None  # None when the table publishes no row totals
    column_totals: list[Cell] | None
    grand_total: Cell | None  # published only with both row and column totals


Key = tuple  # ("cell", i, j), ("row", i), ("column", j), ("grand",)


def suppress_table(
    counts: Sequence[Sequence[int]], *, row_totals: bool = True, column_totals: bool = True
) -> SuppressedTable:
    """The table with primary and complementary suppression (see the module's docstring)."""
    rows = [list(row) for row in counts]
    width = len(rows[0]) if rows else 0
    if any(len(row) != width for row in rows):
        raise ValueError("Every row of a table needs the same number of counts.")
    values: dict[Key, int] = {("cell", i, j): n for i, row in enumerate(rows) for j, n in enumerate(row)}
    lines: list[list[Key]] = []  # each: the total first, then its members
    if row_totals:
        for i, row in enumerate(rows):
            values[("row", i)] = sum(row)
            lines.append([("row", i)] + [("cell", i, j) for j in range(width)])
    if column_totals:
        for j in range(width):
            values[("column", j)] = sum(row[j] for row in rows)
            lines.append([("column", j)] + [("cell", i, j) for i in range(len(rows))])
    grand = row_totals and column_totals
    if grand:
        values[("grand",)] = sum(map(sum, rows))
        lines.append([("grand",)] + [("row", i) for i in range(len(rows))])
        lines.append([("grand",)] + [("column", j) for j in range(width)])

    small = {key for key, n in values.items() if is_small(n)}
    hidden = set(small)
    while True:
        line = next((line for line in lines if _exposed(line, hidden, small, values)), None)
        if line is None:
            determined = _determined(lines, hidden, values)
            if not determined:
                break
            key = min(determined)
            line = next(line for line in lines if key in line and not set(line) <= hidden)
        hidden.add(_complement(line, hidden, values))

    def cell(key: Key) -> Cell:
        return Cell(None, small=key in small) if key in hidden else Cell(values[key])

    return SuppressedTable(
        cells=[[cell(("cell", i, j)) for j in range(width)] for i in range(len(rows))],
        row_totals=[cell(("row", i)) for i in range(len(rows))] if row_totals else None,
        column_totals=[cell(("column", j)) for j in range(width)] if column_totals else None,
        grand_total=cell(("grand",)) if grand else None,
    )


def _complement(line: list[Key], hidden: set[Key], values: dict[Key, int]) -> Key:
    shown = [key for key in line[1:] if key not in hidden and values[key] > 0]
    if shown:
        return min(shown, key=lambda key: (values[key], key))
    if line[0] not in hidden:
        return line[0]
    # Every member is zero or hidden and so is the total: hide a zero (only reached by a pathological table).
    return next(key for key in line if key not in hidden)


def _exposed(line: list[Key], hidden: set[Key], small: set[Key], values: dict[Key, int]) -> bool:
    """Whether a hidden member of the line follows from it alone: by subtraction, or by its bounds."""
    members = [key for key in line if key in hidden]
    if not members:
        return False
    if len(members) == 1:
        return True
    if line[0] in hidden:
        return False
    rest = values[line[0]] - sum(values[key] for key in line[1:] if key not in hidden)
    low = {key: 1 for key in members}
    high = {key: SMALL_CELL - 1 if key in small else rest for key in members}
    for key in members:
        others_low = sum(low[k] for k in members if k != key)
        others_high = sum(high[k] for k in members if k != key)
        if max(low[key], rest - others_high) >= min(high[key], rest - others_low):
            return True
    return False


def _determined(lines: list[list[Key]], hidden: set[Key], values: dict[Key, int]) -> set[Key]:
    """The hidden counts that the published equations fix: unit vectors in the row space of the system."""
    unknowns = sorted(hidden)
    column = {key: n for n, key in enumerate(unknowns)}
    matrix = []
    for line in lines:
        row = [Fraction(0)] * len(unknowns)
        for sign, key in [(1, line[0])] + [(-1, key) for key in line[1:]]:
            if key in column:
                row[column[key]] += sign
        if any(row):
            matrix.append(row)
    pivots = _row_reduce(matrix)
    free = [c for c in range(len(unknowns)) if c not in pivots.values()]
    return {unknowns[c] for r, c in pivots.items() if all(matrix[r][f] == 0 for f in free)}


def _row_reduce(matrix: list[list[Fraction]]) -> dict[int, int]:
    """Reduce in place to reduced row echelon form; the pivot column of each non-zero row."""
    pivots: dict[int, int] = {}
    r = 0
    for c in range(len(matrix[0]) if matrix else 0):
        pivot = next((i for i in range(r, len(matrix)) if matrix[i][c] != 0), None)
        if pivot is None:
            continue
        matrix[r], matrix[pivot] = matrix[pivot], matrix[r]
        lead = matrix[r][c]
        matrix[r] = [x / lead for x in matrix[r]]
        for i in range(len(matrix)):
            if i != r and matrix[i][c] != 0:
                factor = matrix[i][c]
                matrix[i] = [a - factor * b for a, b in zip(matrix[i], matrix[r], strict=True)]
        pivots[r] = c
        r += 1
    return pivots
