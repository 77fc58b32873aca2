"""The budget helper fails over a budget or without one, and prints the SQL it counted."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from port.accounts.models import User
from port.testing.budgets import assert_within_budget, budget_for, check_budget


def test_a_count_over_an_exact_budget_fails_with_the_sql(db):
    with CaptureQueriesContext(connection) as captured:
        User.objects.count()
        User.objects.filter(username="x").exists()
    problem = check_budget("unread_notice_count", len(captured), captured)
    assert "2 queries, budget exactly 1" in problem and 'FROM "accounts_user"' in problem


def test_fewer_queries_than_a_maximum_keep_it_but_not_an_exact_budget(db):
    with CaptureQueriesContext(connection) as captured:
        pass
    assert not budget_for("supplies:report").exact and check_budget("supplies:report", 0, captured) == ""
    assert "budget exactly 1" in check_budget("unread_notice_count", 0, captured)


def test_a_name_without_a_budget_fails(db):
    with pytest.raises(pytest.fail.Exception, match="no budget in query_budgets.json"):
        with assert_within_budget("no such page"):
            User.objects.count()
