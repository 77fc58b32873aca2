"""Every list page keeps its query budget (port/testing/query_budgets.json, "list_pages"), as every role
that may see it, in the permission matrix's world: a list page without a budget fails, and so does one
over it, printing the SQL. The admin's changelists are found from the admin site, so a model newly
registered there needs a budget too. The API has no list endpoint (it takes referrals and answers one
referral's status; that read's budget is "api-1:referral_status", port/api/tests/test_referrals_api.py).

Run with -rA to see each page's measured counts by role."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from port.accounts.admin_site import admin_site
from port.testing.budgets import budget_names, check_budget
from port.testing.matrix import ROLES, MatrixWorld, client_for

# Each list page: the URL name, its arguments from the world ("" for none; a key of matrix.kwargs
# otherwise), and what is sent (GET query or POST data; the search box posts).
LIST_PAGES: dict[str, tuple[str, str, dict]] = {
    "referrals:queue": ("GET", "", {}),
    "referrals:my_queue": ("GET", "", {}),
    "referrals:sent": ("GET", "", {}),
    "referrals:import_upload": ("GET", "", {}),  # with the recent uploads
    "participants:search": ("POST", "", {"q": "Marisol"}),
    "participants:review_list": ("GET", "", {}),
    "participants:visits": ("GET", "", {}),
    "notifications:list": ("GET", "", {}),
    "supplies:inventory": ("GET", "", {}),
    "supplies:ledger": ("GET", "", {}),
    "outreach:supporters": ("GET", "outreach:supporters", {}),
    "consent:accounting": ("GET", "consent:accounting", {}),
    "linkage:shared": ("GET", "", {}),  # a provider's list of hand-offs sent to their organization
    "linkage:tasks": ("GET", "", {}),  # a peer's own tasks, a supervisor's everyone's
    "directory:search": ("GET", "", {"need": "treatment", "near": "15213", "open_now": "on"}),
    "audit:index": ("GET", "", {}),
    "audit:user_trail": ("GET", "", {"user": "peer", "start": -60, "end": 0}),  # the peer's last 60 days
    "audit:participant_trail": ("GET", "audit:participant_trail", {}),
    "audit:break_glass_list": ("GET", "", {}),
}
ADMIN_ROLES = ("admin", "superuser")


def admin_changelists() -> list[str]:
    return sorted(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist" for model in admin_site._registry
    )


ALL_LIST_PAGES = sorted(LIST_PAGES) + admin_changelists()


def test_every_list_page_has_a_budget_and_every_budget_a_page():
    budgets = set(budget_names("list_pages"))
    missing = sorted(set(ALL_LIST_PAGES) - budgets)
    assert not missing, f"Add these list pages to query_budgets.json (list_pages): {missing}"
    stale = sorted(budgets - set(ALL_LIST_PAGES))
    assert not stale, f"Budgets in query_budgets.json (list_pages) for pages this walk does not know: {stale}"


def _request(matrix: MatrixWorld, role: str, name: str):
    if name.startswith("admin:"):
        return client_for(matrix, role).get(reverse(name))
    method, kwargs_of, data = LIST_PAGES[name]
    url = reverse(name, kwargs=matrix.kwargs[kwargs_of] if kwargs_of else {})
    data = {key: _value(matrix, key, value) for key, value in data.items()}
    client = client_for(matrix, role)
    return client.post(url, data) if method == "POST" else client.get(url, data)


def _value(matrix: MatrixWorld, key: str, value):
    """A role's user id for `user`, a day counted from the program's today for `start` and `end`."""
    if key == "user":
        return getattr(matrix.cast, value).user_id
    if key in ("start", "end"):
        return (timezone.localdate(timezone.now(), matrix.cast.program.zone) + dt.timedelta(days=value)).isoformat()
    return value


@pytest.mark.parametrize("name", ALL_LIST_PAGES)
def test_each_list_page_keeps_its_budget_for_every_role_that_sees_it(matrix, db, name):
    roles = ADMIN_ROLES if name.startswith("admin:") else [role for role in ROLES if role != "anonymous"]
    measured, problems = {}, []
    for role in roles:
        if _request(matrix, role, name).status_code != 200:  # warms the session, and says who sees it
            continue
        with CaptureQueriesContext(connection) as captured:
            assert _request(matrix, role, name).status_code == 200
        measured[role] = len(captured)
        problem = check_budget(name, len(captured), captured, section="list_pages")
        if problem:
            problems.append(f"as {role}: {problem}")
    print(f"{name}: {measured}")
    assert measured, f"{name}: no role sees this list page in the matrix's world"
    assert not problems, "\n\n".join(problems)
