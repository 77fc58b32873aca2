"""Query budgets, kept in one place: port/testing/query_budgets.json (its "how_to_update" says how to
change one). A test wraps the work it measures:

    with assert_within_budget("referrals:queue"):
        client.get(reverse("referrals:queue"))

and fails, printing every captured statement, when the work makes more queries than the budget (or, for
a budget marked "exact", any other number): a new query is either a fix to make or a budget to raise in
the same commit, with its reason."""

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

BUDGETS_FILE = Path(__file__).with_name("query_budgets.json")


@dataclass(frozen=True)
class Budget:
    queries: int
    exact: bool = False  # the count must be exactly `queries`, not merely at most
    why: str = ""


@cache
def _file() -> dict:
    return json.loads(BUDGETS_FILE.read_text())


def budget_for(name: str, *, section: str = "budgets") -> Budget | None:
    entry = _file()[section].get(name)
    return None if entry is None else Budget(entry["queries"], entry.get("exact", False), entry.get("why", ""))


def budget_names(section: str) -> list[str]:
    return sorted(_file()[section])


def sql_listing(captured: CaptureQueriesContext) -> str:
    return "\n".join(f"{n:3}. {query['sql']}" for n, query in enumerate(captured.captured_queries, start=1))


def check_budget(name: str, count: int, captured: CaptureQueriesContext, *, section: str = "budgets") -> str:
    """'' if `count` keeps the budget, else why not, with the SQL."""
    budget = budget_for(name, section=section)
    if budget is None:
        return f"{name}: no budget in {BUDGETS_FILE.name} ({section}); it made {count} queries:\n" + sql_listing(
            captured
        )
    if count == budget.queries or (count < budget.queries and not budget.exact):
        return ""
    wanted = f"exactly {budget.queries}" if budget.exact else f"at most {budget.queries}"
    return f"{name}: {count} queries, budget {wanted} ({budget.why}):\n" + sql_listing(captured)


@contextlib.contextmanager
def assert_within_budget(name: str) -> Iterator[CaptureQueriesContext]:
    """Count the queries made inside the block against the budget called `name`."""
    with CaptureQueriesContext(connection) as captured:
        yield captured
    problem = check_budget(name, len(captured), captured)
    if problem:
        pytest.fail(problem, pytrace=False)
