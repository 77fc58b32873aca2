"""The permission matrix: every URL pattern of the project, requested as every role, against one table.

The walk covers every pattern the URL resolver knows (the pages, the API's routes and the admin), so a new
URL without a row in EXPECTED fails `test_every_url_has_a_row`. For each row and each role the URL is
requested with real object ids from one world built once for the module (a participant with every kind
of sensitive detail, their referral, attempt, encounter, supporter, consent, hand-off, a possible
duplicate, a CSV batch, a notice, a lot, a break-the-glass grant, an API token):

- allowed: 200 (pages, with GET), or the documented redirect (POST-only actions, posted empty, which
  change nothing);
- an action the role may not take: 403; a record the role may not see: 404; anonymous: the sign-in page
  (401 for the API);
- and never the participant's data where the role may not see it: the fixture participant's last name
  must be absent from every response except those the table says show it, and no response to a law
  enforcement partner or an analyst contains a substance, a note or an assessment.

The admin is checked as a group: every admin URL answers program admins (and superusers) and sends
everyone else to the admin's sign-in page.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from port.testing.matrix import (
    ADMIN_LOGIN,
    LOGIN,
    REDIRECT,
    ROLES,
    MatrixWorld,
    body,
    client_for,
    outcome,
    request,
)
from port.testing.world import LAST_NAME, MARKERS

TEAM = ("admin", "supervisor", "peer")
SUPERVISING = ("admin", "supervisor")
PARTNERS = ("partner", "first_responder", "law_enforcement")
MEMBERS = ROLES[1:]
# Never any of these in a response to law enforcement or an analyst, on any page.
CLINICAL = [marker for markers in MARKERS.values() for marker in markers]

FORM_AGAIN = (200, 400)  # a form posted empty, shown again with what is missing


@dataclass(frozen=True)
class Row:
    """What each role gets from one URL. `shows`: the roles that may see the fixture participant there."""

    answers: dict[str, object]
    method: str = "GET"
    shows: frozenset[str] = frozenset()


def row(default, *, method: str = "GET", anonymous=LOGIN, shows=(), **answers) -> Row:
    """`default` for every member not named; role groups may be given as e.g. team=200 (see GROUPS)."""
    table = {role: default for role in MEMBERS} | {"anonymous": anonymous}
    for name, answer in answers.items():
        for role in GROUPS.get(name, (name,)):
            table[role] = answer
    return Row(table, method, frozenset(GROUPS.get(shows, (shows,)) if isinstance(shows, str) else shows))


GROUPS = {"team": TEAM, "supervising": SUPERVISING, "partners": PARTNERS, "members": MEMBERS}

# A team page about the fixture participant (or one of their records): the team sees it, the supervisor of
# another program gets 404 (the record is not theirs), every other role 403.
TEAM_RECORD = row(403, team=200, outsider=404, shows="team")
TEAM_RECORD_POST = row(403, method="POST", team=REDIRECT, outsider=404)

EXPECTED: dict[str, Row] = {
    # ---- signing in, the home page, the public pages ----
    "home": row(REDIRECT, analyst=200),  # each role to its own first page; the analyst's is the figures
    "favicon": row(REDIRECT, anonymous=REDIRECT),  # to the static file, for everyone
    "login": row(200, anonymous=200),
    "logout": row(LOGIN, method="POST", anonymous=LOGIN),
    "password_change": row(200),
    "password_change_done": row(200),
    "password_reset": row(200, anonymous=200),
    "password_reset_done": row(200, anonymous=200),
    "password_reset_confirm": row(200, anonymous=200),  # an invalid link says so
    "password_reset_complete": row(200, anonymous=200),
    "accounts:program_switch": row(REDIRECT, method="POST"),
    "security:two_factor": row(200),
    "security:enrol": row(200),
    "security:verify": row(REDIRECT),  # these clients have given their code already
    "security:recovery_codes": row(200, method="POST"),
    "public:help_index": row(200, anonymous=200),
    "public:help": row(200, anonymous=200),
    "public:help_thanks": row(200, anonymous=200),
    # ---- referrals ----
    "referrals:queue": row(403, supervising=200, outsider=200, shows="supervising"),
    "referrals:my_queue": row(403, team=200, outsider=200, shows=("peer",)),
    "referrals:new": row(200, provider=403, analyst=403),
    "referrals:sent": row(403, partners=200),  # first name and initial only: never the last name
    "referrals:import_upload": row(403, supervising=200, partners=200, outsider=200),
    "referrals:import_template": row(403, supervising=200, partners=200, outsider=200),
    # The ED's batch: other agencies' partners and the other program get 404.
    "referrals:import_preview": row(
        403, supervising=200, partner=200, first_responder=404, law_enforcement=404, outsider=404
    ),
    "referrals:import_confirm": row(
        403,
        method="POST",
        supervising=REDIRECT,
        partner=REDIRECT,
        first_responder=404,
        law_enforcement=404,
        outsider=404,
    ),
    "referrals:import_rejected": row(
        403, supervising=200, partner=200, first_responder=404, law_enforcement=404, outsider=404
    ),
    "referrals:detail": row(404, team=200, shows="team"),
    "referrals:assign": row(403, method="POST", supervising=REDIRECT, outsider=404),
    "referrals:transition": row(403, method="POST", team=REDIRECT, outsider=404),
    # The matrix's referral is open: the page says there is nothing to reopen (reopening: test_reopen.py).
    "referrals:reopen": TEAM_RECORD,
    # ---- participants ----
    "participants:search": row(403, team=200, outsider=200),
    "participants:review_list": row(403, team=200, outsider=200, shows="team"),
    "participants:review": row(403, team=200, outsider=404, shows="team"),
    "participants:break_glass": row(403, supervising=200, outsider=200),
    "participants:break_glass_open": row(403, method="POST", supervising=200, outsider=200),  # asks for a reason
    "participants:visits": row(403, first_responder=200, shows=("first_responder",)),
    "participants:visit_sheet": row(404, first_responder=200, shows=("first_responder",)),
    "participants:detail": row(404, team=200, shows="team"),
    "participants:merge_choose": row(404, team=200, shows="team"),
    "participants:merge_confirm": row(404, team=200, shows="team"),
    # ---- outreach ----
    "outreach:attempt_new": TEAM_RECORD,
    "outreach:close_unable_to_reach": row(403, team=200, outsider=404),  # the confirmation; closing is a POST
    "outreach:encounter_new": TEAM_RECORD,
    "outreach:supporters": TEAM_RECORD,
    "outreach:supporter_new": TEAM_RECORD,
    "outreach:barc10_new": TEAM_RECORD,
    "outreach:supporter_edit": TEAM_RECORD,
    "outreach:encounter_detail": TEAM_RECORD,
    "outreach:encounter_edit": row(403, peer=200, outsider=404, shows=("peer",)),  # its author only
    "outreach:encounter_addendum": row(403, method="POST", team=200, outsider=404, shows="team"),  # says: write it
    # ---- supplies and notices ----
    "supplies:inventory": row(403, team=200, outsider=200),
    "supplies:receive": row(403, supervising=200, outsider=200),
    "supplies:transfer": row(403, team=200, outsider=200),
    "supplies:write_off": row(403, supervising=200, outsider=200),
    "supplies:ledger": row(403, team=200, outsider=200),
    "supplies:report": row(403, team=200, outsider=200),
    "supplies:lot": row(403, team=200, outsider=404),
    "notifications:list": row(403, team=200, outsider=200, shows=("peer",)),  # the warned peer: the name, live
    "notifications:mark_all_read": row(403, method="POST", team=REDIRECT, outsider=REDIRECT),
    # The peer's own notice: anyone else's is a 404.
    "notifications:mark_read": row(403, method="POST", peer=REDIRECT, supervising=404, outsider=404),
    # ---- consent and disclosures ----
    "consent:kinds": TEAM_RECORD,
    # ---- the resource directory (no participant data) and resource lists (the participant's) ----
    "directory:search": row(403, team=200, outsider=200),
    "directory:service": row(403, team=200, outsider=404),
    "participants:resource_list_new": TEAM_RECORD,
    "participants:resource_list": TEAM_RECORD,
    "participants:resource_list_print": TEAM_RECORD,
    "consent:new": TEAM_RECORD,
    "consent:accounting": TEAM_RECORD,
    "consent:accounting_print": TEAM_RECORD,
    "consent:accounting_csv": TEAM_RECORD,
    "consent:disclosure": TEAM_RECORD,
    "consent:blank_forms": row(403, team=200, outsider=200),
    "consent:blank_form": row(403, team=200, outsider=200),
    "consent:shared_participant": row(404, provider=200, shows=("provider",)),
    "consent:detail": TEAM_RECORD,
    "consent:revoke": row(403, method="POST", team=FORM_AGAIN, outsider=404, shows="team"),  # asks for a reason
    "consent:print": TEAM_RECORD,
    "consent:signature": TEAM_RECORD,
    # ---- hand-offs and tasks (port.linkage) ----
    "linkage:handoff_new": TEAM_RECORD,
    "linkage:handoff_find": row(403, team=REDIRECT, outsider=404),  # to the directory, the form remembered
    "linkage:handoff": TEAM_RECORD,
    "linkage:handoff_transition": row(403, method="POST", team=FORM_AGAIN, outsider=404, shows="team"),
    "linkage:handoff_report": row(403, method="POST", team=FORM_AGAIN, outsider=404, shows="team"),
    "linkage:tasks": row(403, team=200, outsider=200, shows="team"),  # the peer's own task; supervisors see all
    "linkage:task": TEAM_RECORD,
    "linkage:task_outcome": row(403, method="POST", team=FORM_AGAIN, outsider=404, shows="team"),
    "linkage:shared": row(403, provider=200, shows=("provider",)),
    "linkage:shared_handoff": row(404, provider=200, shows=("provider",)),
    "linkage:shared_handoff_update": row(404, method="POST", provider=FORM_AGAIN, shows=("provider",)),
    # ---- the audit trail ----
    "audit:index": row(403, supervising=200, outsider=200),
    "audit:user_trail": row(403, supervising=200, outsider=200),
    "audit:user_trail_csv": row(403, supervising=REDIRECT, outsider=REDIRECT),  # asks whom first
    "audit:participant_trail": row(403, supervising=200, outsider=404, shows="supervising"),
    "audit:participant_trail_csv": row(403, supervising=200, outsider=404, shows="supervising"),
    # The fixture's grant was the other program's supervisor's: both programs' supervisors review it.
    "audit:break_glass_list": row(403, supervising=200, outsider=200, shows="supervising"),
    "audit:break_glass_csv": row(403, supervising=200, outsider=200, shows="supervising"),
    "audit:break_glass_detail": row(403, supervising=200, outsider=200, shows="supervising"),
    # ---- the API: a token of the caller's agency, or none (the team and analysts have no agency) ----
    "api-1:openapi-json": row(200, anonymous=200),
    "api-1:openapi-view": row(200, anonymous=200),
    "api-1:api-root": row(404, anonymous=404),
    # Posted empty: every agency's token may send referrals (422/400 for an empty body), without a token 401.
    "api-1:referral_create": row(401, method="POST", anonymous=401, partners=400, provider=400, outsider=400),
    # The ED's referral: only the ED's token reads it.
    "api-1:referral_status": row(
        401, anonymous=401, partner=200, first_responder=404, law_enforcement=404, provider=404, outsider=404
    ),
}


# The world: the `matrix` fixture (port/conftest.py, built by port/testing/matrix.py).


# ---- the walk -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    name: str  # "namespace:name", or "" for an unnamed pattern
    route: str


def _walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[Pattern]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            yield from _walk(
                pattern.url_patterns,
                prefix + str(pattern.pattern),
                f"{namespace}:{inner}".strip(":") if inner else namespace,
            )
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}".strip(":") if pattern.name else ""
            yield Pattern(name, prefix + str(pattern.pattern))


ALL_PATTERNS = list(_walk(get_resolver().url_patterns))
ADMIN_PREFIX = "admin/"


def _is_admin(pattern: Pattern) -> bool:
    return pattern.route.startswith(ADMIN_PREFIX)


PAGE_PATTERNS = [p for p in ALL_PATTERNS if not _is_admin(p)]
ADMIN_PATTERNS = [p for p in ALL_PATTERNS if _is_admin(p)]


# ---- the tests ----------------------------------------------------------------------------------


def test_every_url_has_a_row():
    """A new URL must be added to EXPECTED (or be part of the admin, checked as a group)."""
    unnamed = [p.route for p in PAGE_PATTERNS if not p.name]
    assert not unnamed, f"Name these URL patterns so the matrix can check them: {unnamed}"
    missing = sorted({p.name for p in PAGE_PATTERNS} - set(EXPECTED))
    assert not missing, f"No row in EXPECTED for: {missing}"
    stale = sorted(set(EXPECTED) - {p.name for p in PAGE_PATTERNS})
    assert not stale, f"Rows in EXPECTED for URLs that no longer exist: {stale}"
    assert all(set(row.answers) == set(ROLES) for row in EXPECTED.values())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_role_gets_what_the_table_allows_and_no_more(matrix, db, name):
    expected = EXPECTED[name]
    wrong, leaks = [], []
    for role in ROLES:
        response = request(matrix, role, name, expected.method)
        got = outcome(response)
        answer = expected.answers[role]
        if got != answer and not (isinstance(answer, tuple) and got in answer):
            wrong.append(f"{role}: expected {expected.answers[role]}, got {got}")
        if response.status_code == 200 and "no-store" not in response.get("Cache-Control", ""):
            leaks.append(f"{role}: no Cache-Control: no-store, so a shared phone keeps the page")
        text = body(response)
        if role not in expected.shows and LAST_NAME in text:
            leaks.append(f"{role}: the participant's last name is in the response ({got})")
        if role in ("law_enforcement", "analyst"):
            leaks += [f"{role}: clinical detail {marker!r} in the response" for marker in CLINICAL if marker in text]
    assert not wrong + leaks, f"{expected.method} {name}:\n" + "\n".join(wrong + leaks)


def _admin_objects(matrix: MatrixWorld) -> dict[str, str]:
    """For each model in the admin, the id of one object the program admin may open ("0" if none)."""
    from django.test import RequestFactory

    from port.accounts.admin_site import admin_site

    request_ = RequestFactory().get("/admin/")
    request_.user = matrix.cast.admin.user
    objects = {}
    for model, model_admin in admin_site._registry.items():
        first = model_admin.get_queryset(request_).order_by("pk").first()
        objects[f"{ADMIN_PREFIX}{model._meta.app_label}/{model._meta.model_name}/"] = str(first.pk if first else 0)
    return objects


def _admin_url(pattern: Pattern, objects: dict[str, str]) -> str:
    route = pattern.route.replace("^", "").replace("$", "")
    object_id = next((pk for prefix, pk in objects.items() if route.startswith(prefix)), "0")
    for parameter in ("<path:object_id>", "<id>"):
        route = route.replace(parameter, object_id)
    route = route.replace("<path:content_type_id>", "1")
    route = re.sub(r"\(\?P<app_label>[^)]*\)", "accounts", route)
    route = route.replace("(?P<url>.*)", "no-such-page/")
    assert "<" not in route and "(" not in route, f"Teach the matrix this admin pattern: {pattern.route}"
    return "/" + route


# The admin's own sign-in and sign-out pages answer everyone.
ADMIN_OPEN = {"admin:login", "admin:logout"}


def test_the_admin_answers_program_admins_and_superusers_only(matrix, db):
    objects = _admin_objects(matrix)
    wrong = []
    for pattern in ADMIN_PATTERNS:
        if pattern.name in ADMIN_OPEN:
            continue
        url = _admin_url(pattern, objects)
        for role in (*ROLES, "superuser"):
            response = client_for(matrix, role).get(url)
            got = outcome(response)
            allowed = role in ("admin", "superuser")
            if allowed and (got == ADMIN_LOGIN or response.status_code >= 500):
                wrong.append(f"{role} {url}: {got}")
            if not allowed and got != ADMIN_LOGIN:
                wrong.append(f"{role} {url}: expected the admin's sign-in page, got {got}")
            if LAST_NAME in body(response):
                wrong.append(f"{role} {url}: the participant's last name is in the admin")
    assert not wrong, "\n".join(wrong)
    assert len(ADMIN_PATTERNS) > 50  # every registered model's pages were walked
