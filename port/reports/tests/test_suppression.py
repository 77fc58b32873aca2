"""Complementary suppression: a reader with every published cell and total tries to recover each hidden
count, and must fail."""

import random
from fractions import Fraction

import pytest

from port.reports.suppression import SMALL_CELL, Cell, SuppressedTable, suppress_table


def published_equations(counts, table):
    """The reader's view: one equation per published line, over the hidden counts (unknowns), as
    (coefficients by unknown, constant)."""
    known, unknown = {}, []

    def term(key, cell, value):
        if cell.suppressed:
            unknown.append(key)
        else:
            assert cell.value == value  # what is shown is true
            known[key] = value

    n, m = len(counts), len(counts[0])
    for i in range(n):
        for j in range(m):
            term(("cell", i, j), table.cells[i][j], counts[i][j])
    lines: list[tuple[tuple, list[tuple]]] = []
    if table.row_totals is not None:
        for i in range(n):
            term(("row", i), table.row_totals[i], sum(counts[i]))
            lines.append((("row", i), [("cell", i, j) for j in range(m)]))
    if table.column_totals is not None:
        for j in range(m):
            term(("column", j), table.column_totals[j], sum(row[j] for row in counts))
            lines.append((("column", j), [("cell", i, j) for i in range(n)]))
    if table.grand_total is not None:
        term(("grand",), table.grand_total, sum(map(sum, counts)))
        lines.append((("grand",), [("row", i) for i in range(n)]))
        lines.append((("grand",), [("column", j) for j in range(m)]))
    equations = []
    for total, members in lines:
        coefficients: dict[tuple, int] = {}
        constant = Fraction(0)
        for sign, key in [(1, total)] + [(-1, key) for key in members]:
            if key in known:
                constant -= sign * known[key]
            else:
                coefficients[key] = coefficients.get(key, 0) + sign
        equations.append((coefficients, constant))
    return unknown, equations


def rank(rows: list[list[Fraction]]) -> int:
    rows = [list(row) for row in rows]
    r = 0
    for c in range(len(rows[0]) if rows else 0):
        pivot = next((i for i in range(r, len(rows)) if rows[i][c] != 0), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        for i in range(r + 1, len(rows)):
            factor = rows[i][c] / rows[r][c]
            rows[i] = [a - factor * b for a, b in zip(rows[i], rows[r], strict=True)]
        r += 1
    return r


def recoverable(counts, table) -> list[tuple]:
    """Hidden counts the published equations determine: those whose unit vector adds no rank."""
    unknown, equations = published_equations(counts, table)
    matrix = [[Fraction(coefficients.get(key, 0)) for key in unknown] for coefficients, _ in equations]
    base = rank(matrix)
    found = []
    for n, key in enumerate(unknown):
        unit = [Fraction(int(k == n)) for k in range(len(unknown))]
        if rank(matrix + [unit]) == base:
            found.append(key)
    return found


def hidden_values(counts, table) -> set:
    return {counts[i][j] for i, row in enumerate(table.cells) for j, cell in enumerate(row) if cell.suppressed}


def assert_safe(counts, **published) -> SuppressedTable:
    table = suppress_table(counts, **published)
    for i, row in enumerate(counts):
        for j, count in enumerate(row):
            if 0 < count < SMALL_CELL:
                assert table.cells[i][j].small, (i, j)
    assert not recoverable(counts, table), recoverable(counts, table)
    return table


# ---- targeted cases ----


def test_a_row_with_one_small_cell_hides_the_smallest_non_zero_other():
    table = assert_safe([[40, 3, 0, 25]], row_totals=True, column_totals=False)
    assert table.row_totals is not None
    assert [c.value for c in table.cells[0]] == [40, None, 0, None] and table.row_totals[0] == Cell(68)


def test_a_row_with_one_small_cell_and_only_zeros_hides_its_total():
    # 5 + zeros: the total is 5, small itself; with a column total above 11 the line still needs protecting.
    counts = [[0, 5, 0], [12, 9, 14]]
    table = assert_safe(counts)
    assert table.row_totals is not None
    assert table.cells[0][1].small and table.row_totals[0].suppressed


def test_two_small_cells_that_would_pin_each_other_are_not_left_alone():
    # Two hidden cells known to sum to 2, each at least 1: both would be 1.
    table = assert_safe([[1, 1, 30]], row_totals=True, column_totals=False)
    assert table.row_totals is not None
    assert table.cells[0][2].complementary and table.row_totals[0] == Cell(32)


def test_a_two_by_two_block_protects_itself():
    counts = [[3, 20, 40], [25, 4, 40]]
    table = assert_safe(counts)
    assert {(i, j) for i in range(2) for j in range(3) if table.cells[i][j].suppressed} == {
        (0, 0),
        (0, 1),
        (1, 0),
        (1, 1),
    }


def test_the_issues_row_no_longer_gives_its_small_cell_away():
    table = assert_safe([[17, 1, 0, 0, 0, 0]], row_totals=True, column_totals=False)
    assert [c.value for c in table.cells[0]] == [None, None, 0, 0, 0, 0]


def test_a_table_with_nothing_small_hides_nothing():
    table = assert_safe([[0, 12], [30, 45]])
    assert not any(c.suppressed for row in table.cells for c in row) and table.grand_total == Cell(87)


# ---- many tables: nothing hidden can be recovered ----


def random_table(seed: int) -> list[list[int]]:
    rng = random.Random(seed)
    rows, columns = rng.randint(1, 7), rng.randint(1, 6)
    return [
        [rng.choice([0, 0, rng.randint(1, 10), rng.randint(1, 10), rng.randint(11, 60)]) for _ in range(columns)]
        for _ in range(rows)
    ]


@pytest.mark.parametrize(
    "published",
    [
        {"row_totals": True, "column_totals": True},
        {"row_totals": True, "column_totals": False},
        {"row_totals": False, "column_totals": True},
    ],
    ids=["rows-and-columns", "rows", "columns"],
)
def test_no_hidden_count_can_be_recovered_from_the_published_totals(published):
    for seed in range(150):
        counts = random_table(seed)
        try:
            assert_safe(counts, **published)
        except AssertionError as failure:
            raise AssertionError(f"seed {seed}: {counts}: {failure}") from None
