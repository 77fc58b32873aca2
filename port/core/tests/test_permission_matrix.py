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

import base64
import datetime as dt
import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from port.accounts.models import Agency, AgencyKind, Membership, Program, User
from port.accounts.roles import Role
from port.administration.services import program_set_up
from port.consent.gate import disclose
from port.consent.models import ConsentKind, Disclosure, InformationCategory, SignatureMethod
from port.consent.services import consent_record
from port.core.tests.world import DATE_OF_BIRTH, LAST_NAME, MARKERS, sensitive_world
from port.notifications.models import DeadlineWarning, Notice
from port.outreach.services import supporter_save
from port.participants.break_glass import BreakGlassRequest, break_glass_open
from port.participants.models import BreakGlassAccess, MatchCandidate
from port.referrals.csv_import.services import IMPORT_VALID_ONLY, referral_import_confirm, referral_import_upload
from port.referrals.tests.test_csv_import import good_row, make_csv
from port.security.accounts import api_token_issue
from port.security.testing import verified_client
from port.supplies.models import Lot, SupplyItem


def _signature() -> str:
    """A drawn signature: a real, tiny (1 x 1, grey) PNG as a data URL."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + chunk(b"IEND", b"")
    )
    return "data:image/png;base64," + base64.b64encode(png).decode()


ROLES = (
    "anonymous",
    "admin",
    "supervisor",
    "peer",
    "partner",
    "first_responder",
    "law_enforcement",
    "provider",
    "analyst",
    "outsider",
)
TEAM = ("admin", "supervisor", "peer")
SUPERVISING = ("admin", "supervisor")
PARTNERS = ("partner", "first_responder", "law_enforcement")
MEMBERS = ROLES[1:]
# Never any of these in a response to law enforcement or an analyst, on any page.
CLINICAL = [marker for markers in MARKERS.values() for marker in markers]

LOGIN = "login"  # a redirect to the sign-in page
ADMIN_LOGIN = "admin login"  # a redirect to the admin's sign-in page
REDIRECT = "redirect"  # any other redirect: where a POST-only action goes when it is done or refused
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
    "consent:new": TEAM_RECORD,
    "consent:share": TEAM_RECORD,
    "consent:accounting": TEAM_RECORD,
    "consent:accounting_print": TEAM_RECORD,
    "consent:accounting_csv": TEAM_RECORD,
    "consent:disclosure": TEAM_RECORD,
    "consent:blank_forms": row(403, team=200, outsider=200),
    "consent:blank_form": row(403, team=200, outsider=200),
    "consent:shared": row(403, provider=200, shows=("provider",)),
    "consent:shared_participant": row(404, provider=200, shows=("provider",)),
    "consent:detail": TEAM_RECORD,
    "consent:revoke": row(403, method="POST", team=FORM_AGAIN, outsider=404, shows="team"),  # asks for a reason
    "consent:print": TEAM_RECORD,
    "consent:signature": TEAM_RECORD,
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


# ---- the world ----------------------------------------------------------------------------------


@dataclass
class MatrixCast:
    """The shared test cast (port/conftest.py), built once for the module."""

    program: Program
    other_program: Program
    ed: Agency
    two_one_one: Agency
    other_agency: Agency
    ems: Agency
    police: Agency
    treatment: Agency
    admin: Membership
    supervisor: Membership
    peer: Membership
    peer2: Membership
    partner: Membership
    partner_211: Membership
    first_responder: Membership
    law_enforcement: Membership
    provider: Membership
    analyst: Membership
    outsider: Membership
    superuser: User


@dataclass
class MatrixWorld:
    cast: MatrixCast
    kwargs: dict[str, dict] = field(default_factory=dict)  # url name -> its arguments
    api_tokens: dict[str, str] = field(default_factory=dict)  # role -> its agency's raw API token
    clients: dict[str, Client] = field(default_factory=dict)
    session_keys: dict[str, str] = field(default_factory=dict)


def _member(program: Program, username: str, role: str, agency: Agency | None = None) -> Membership:
    user = User.objects.create(
        username=username,
        first_name=username.title(),
        last_name="Tester",
        email=f"{username}@example.org",
        password=make_password(None),
    )
    return Membership.objects.create(user=user, program=program, role=role, agency=agency)


def _build() -> MatrixWorld:
    program = program_set_up(name="Riverside PORT", slug="riverside", time_zone="America/New_York")
    other = program_set_up(name="Hilltop PORT", slug="hilltop", time_zone="America/Chicago")
    ed = Agency.objects.create(program=program, name="Riverside General ED", kind=AgencyKind.EMERGENCY_DEPARTMENT)
    two = Agency.objects.create(program=program, name="Riverside 2-1-1", kind=AgencyKind.TWO_ONE_ONE)
    other_agency = Agency.objects.create(program=other, name="Hilltop ED", kind=AgencyKind.EMERGENCY_DEPARTMENT)
    ems = Agency.objects.create(program=program, name="Riverside EMS", kind=AgencyKind.EMS)
    police = Agency.objects.create(program=program, name="Riverside Police", kind=AgencyKind.LAW_ENFORCEMENT)
    treatment = Agency.objects.create(program=program, name="Riverside Recovery Clinic", kind=AgencyKind.TREATMENT)
    cast = MatrixCast(
        program=program,
        other_program=other,
        ed=ed,
        two_one_one=two,
        other_agency=other_agency,
        ems=ems,
        police=police,
        treatment=treatment,
        admin=_member(program, "adele", Role.ADMIN),
        supervisor=_member(program, "sam", Role.SUPERVISOR),
        peer=_member(program, "pat", Role.PEER),
        peer2=_member(program, "quinn", Role.PEER),
        partner=_member(program, "erin", Role.PARTNER, ed),
        partner_211=_member(program, "tess", Role.PARTNER, two),
        first_responder=_member(program, "fern", Role.FIRST_RESPONDER, ems),
        law_enforcement=_member(program, "lowell", Role.LAW_ENFORCEMENT, police),
        provider=_member(program, "paz", Role.PROVIDER, treatment),
        analyst=_member(program, "ana", Role.ANALYST),
        outsider=_member(other, "olga", Role.SUPERVISOR),
        superuser=User.objects.create(username="root", is_superuser=True, password=make_password(None)),
    )
    world = sensitive_world(cast)
    participant, referral = world.participant, world.referral
    supporter = supporter_save(
        by=cast.peer, participant=participant, first_name="Robin", relationship="sister", consent_to_contact=True
    )
    duplicate = sensitive_world(cast, last_name="Quilfeather", with_first_responder=False).participant
    # Intake finds the similar name with the same birth date a likely duplicate, waiting for review.
    candidate, _created = MatchCandidate.objects.get_or_create(
        program=program,
        new_participant=duplicate,
        existing_participant=participant,
        defaults={"reasons": ["similar name"]},
    )
    batch = referral_import_upload(
        by=cast.partner, file_name="daily.csv", raw=make_csv([good_row(1), good_row(2, phone="12")]).encode()
    )
    imported = referral_import_upload(
        by=cast.partner, file_name="yesterday.csv", raw=make_csv([good_row(3), good_row(4, phone="12")]).encode()
    )
    referral_import_confirm(batch=imported, by=cast.partner, choice=IMPORT_VALID_ONLY)
    warning = DeadlineWarning.objects.create(referral=referral, kind=DeadlineWarning.Kind.DUE_SOON)
    notice = Notice.objects.create(
        user=cast.peer.user, warning=warning, referral=referral, message="A referral's contact deadline is near."
    )
    naloxone = SupplyItem.objects.filter(program=program, kind=SupplyItem.Kind.NALOXONE).first()
    lot = Lot.objects.create(item=naloxone, lot_number="MATRIX-1", expires_on=dt.date.today() + dt.timedelta(days=300))
    consent = consent_record(
        by=cast.peer,
        participant=participant,
        kind=ConsentKind.DISCLOSURE,
        information_categories=[
            InformationCategory.IDENTITY,
            InformationCategory.CONTACT,
            InformationCategory.REFERRAL_STATUS,
        ],
        information_description="Name, date of birth, phone and whether the team reached the person",
        recipient_agency=treatment,
        purpose="To arrange an intake appointment at the clinic",
        revocation_statement="I may revoke this consent at any time by telling the team.",
        signature_method=SignatureMethod.DRAWN,
        signature_image=_signature(),
        signed_on=program.today(),
        expiry_event="When I finish treatment",
    )
    disclosure, _notice = disclose(
        participant=participant,
        recipient=treatment,
        categories=[InformationCategory.IDENTITY, InformationCategory.CONTACT],
        purpose="Intake appointment",
        channel=Disclosure.Channel.HANDOFF,
        by=cast.peer,
    )
    grant = break_glass_open(
        viewer=cast.outsider,
        public_id=participant.public_id,
        request=BreakGlassRequest(
            reason="Says she moved here from Riverside last month.",
            first_name="Marisol",
            last_name=LAST_NAME,
            date_of_birth=DATE_OF_BIRTH,
        ),
    )
    # Expired, so the outsider is back to their normal scope; the grant stays for the review pages.
    BreakGlassAccess.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    # Each partner and provider calls the API with its own agency's token; the team and analysts have none.
    tokens = {
        role: api_token_issue(agency=getattr(cast, role).agency, name=f"{role} feed")[1]
        for role in ("partner", "first_responder", "law_enforcement", "provider", "outsider")
        if getattr(cast, role).agency is not None
    }
    tokens["outsider"] = api_token_issue(agency=other_agency, name="Hilltop feed")[1]

    on_participant = {"public_id": participant.public_id}
    on_referral = {"public_id": referral.public_id}
    kwargs = {
        "referrals:import_preview": {"pk": batch.pk},
        "referrals:import_confirm": {"pk": batch.pk},
        "referrals:import_rejected": {"pk": imported.pk},
        "referrals:detail": on_referral,
        "referrals:assign": on_referral,
        "referrals:transition": on_referral,
        "participants:review": {"pk": candidate.pk},
        "participants:visit_sheet": on_participant,
        "participants:detail": on_participant,
        "participants:merge_choose": on_participant,
        "participants:merge_confirm": {"public_id": participant.public_id, "other_id": duplicate.public_id},
        "supplies:lot": {"pk": lot.pk},
        "notifications:mark_read": {"pk": notice.pk},
        "outreach:attempt_new": on_referral,
        "outreach:close_unable_to_reach": on_referral,
        "outreach:encounter_new": on_participant,
        "outreach:supporters": on_participant,
        "outreach:supporter_new": on_participant,
        "outreach:supporter_edit": {"pk": supporter.pk},
        "outreach:encounter_detail": {"pk": world.encounter.pk},
        "outreach:encounter_edit": {"pk": world.encounter.pk},
        "outreach:encounter_addendum": {"pk": world.encounter.pk},
        "consent:kinds": on_participant,
        "consent:new": {"public_id": participant.public_id, "kind": "disclosure"},
        "consent:share": on_participant,
        "consent:accounting": on_participant,
        "consent:accounting_print": on_participant,
        "consent:accounting_csv": on_participant,
        "consent:disclosure": {"pk": disclosure.pk},
        "consent:blank_form": {"kind": "disclosure", "language": "en"},
        "consent:shared_participant": on_participant,
        "consent:detail": {"public_id": consent.public_id},
        "consent:revoke": {"public_id": consent.public_id},
        "consent:print": {"public_id": consent.public_id},
        "consent:signature": {"public_id": consent.public_id},
        "audit:participant_trail": on_participant,
        "audit:participant_trail_csv": on_participant,
        "audit:break_glass_detail": {"pk": grant.pk},
        "public:help": {"program_slug": program.slug},
        "public:help_thanks": {"program_slug": program.slug},
        "password_reset_confirm": {"uidb64": "MQ", "token": "set-password"},
        "api-1:referral_status": {"referral_id": referral.public_id},
    }
    return MatrixWorld(cast=cast, kwargs=kwargs, api_tokens=tokens)


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker) -> Iterator[MatrixWorld]:
    """The world, built once; each test runs in its own savepoint inside this transaction (the `db`
    fixture), and the whole module's data is rolled back at the end."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
    ):
        with transaction.atomic():
            world = _build()
            for role in (*ROLES, "superuser"):
                client_for(world, role)
            yield world
            transaction.set_rollback(True)


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


def client_for(matrix: MatrixWorld, role: str) -> Client:
    """One signed-in client per role, made with the world (its session is in the module's transaction, so a
    test that signs it out or changes it is rolled back with the test). Cookies other than the session,
    such as messages, never carry over from one request to the next."""
    client = matrix.clients.get(role)
    if client is None:
        if role == "anonymous":
            client = Client()
        else:
            user = matrix.cast.superuser if role == "superuser" else getattr(matrix.cast, role).user
            client = verified_client(user)
        matrix.clients[role] = client
        matrix.session_keys[role] = client.cookies[settings.SESSION_COOKIE_NAME].value if role != "anonymous" else ""
    # Signing out (or anything else that changes the session cookie) does not outlive the request.
    client.cookies.clear()
    if matrix.session_keys[role]:
        client.cookies[settings.SESSION_COOKIE_NAME] = matrix.session_keys[role]
    return client


def request(matrix: MatrixWorld, role: str, name: str, method: str):
    url = reverse(name, kwargs=matrix.kwargs.get(name, {}))
    client = client_for(matrix, role)
    headers = {}
    if name.startswith("api-1:") and role in matrix.api_tokens:
        headers["Authorization"] = f"Bearer {matrix.api_tokens[role]}"
    if method == "POST":
        return client.post(url, {}, headers=headers)
    return client.get(url, headers=headers)


def outcome(response) -> object:
    if response.status_code in (301, 302):
        location = response["Location"]
        if location.startswith(reverse("admin:login")):
            return ADMIN_LOGIN
        if location.startswith(reverse("login")):
            return LOGIN
        return REDIRECT
    return response.status_code


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


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
