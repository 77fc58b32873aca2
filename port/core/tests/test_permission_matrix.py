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

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from port.accounts.models import Agency, AgencyKind, ApiToken, Membership, Program, User
from port.accounts.roles import Role
from port.accounts.services import program_create
from port.audit.models import BreakGlassAccess
from port.consent.gate import disclose
from port.consent.models import ConsentKind, Disclosure, InformationCategory, SignatureMethod
from port.consent.services import consent_record
from port.core.tests.world import DATE_OF_BIRTH, LAST_NAME, MARKERS, sensitive_world
from port.notifications.models import DeadlineWarning, Notice
from port.outreach.services import supporter_save
from port.participants.break_glass import BreakGlassRequest, break_glass_open
from port.participants.models import MatchCandidate
from port.referrals.csv_import import referral_import_upload
from port.referrals.tests.test_csv_import import good_row, make_csv
from port.security.testing import verified_client
from port.supplies.models import Lot, SupplyItem

ROLES = ("anonymous", "admin", "supervisor", "peer", "partner", "first_responder", "law_enforcement", "provider",
         "analyst", "outsider")
TEAM = ("admin", "supervisor", "peer")
SUPERVISING = ("admin", "supervisor")
PARTNERS = ("partner", "first_responder", "law_enforcement")
MEMBERS = ROLES[1:]
# Never any of these in a response to law enforcement or an analyst, on any page.
CLINICAL = [marker for markers in MARKERS.values() for marker in markers]

LOGIN = "login"  # a redirect to the sign-in page
ADMIN_LOGIN = "admin login"  # a redirect to the admin's sign-in page
REDIRECT = "redirect"  # any other redirect: where a POST-only action goes when it is done or refused


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
    api_token: str = ""


def _member(program: Program, username: str, role: str, agency: Agency | None = None) -> Membership:
    user = User.objects.create(username=username, first_name=username.title(), last_name="Tester",
                               email=f"{username}@example.org", password=make_password(None))
    return Membership.objects.create(user=user, program=program, role=role, agency=agency)


def _build() -> MatrixWorld:
    program = program_create(name="Riverside PORT", slug="riverside", time_zone="America/New_York")
    other = program_create(name="Hilltop PORT", slug="hilltop", time_zone="America/Chicago")
    ed = Agency.objects.create(program=program, name="Riverside General ED", kind=AgencyKind.EMERGENCY_DEPARTMENT)
    two = Agency.objects.create(program=program, name="Riverside 2-1-1", kind=AgencyKind.TWO_ONE_ONE)
    other_agency = Agency.objects.create(program=other, name="Hilltop ED", kind=AgencyKind.EMERGENCY_DEPARTMENT)
    ems = Agency.objects.create(program=program, name="Riverside EMS", kind=AgencyKind.EMS)
    police = Agency.objects.create(program=program, name="Riverside Police", kind=AgencyKind.LAW_ENFORCEMENT)
    treatment = Agency.objects.create(program=program, name="Riverside Recovery Clinic", kind=AgencyKind.TREATMENT)
    cast = MatrixCast(
        program=program, other_program=other, ed=ed, two_one_one=two, other_agency=other_agency, ems=ems,
        police=police, treatment=treatment,
        admin=_member(program, "adele", Role.ADMIN), supervisor=_member(program, "sam", Role.SUPERVISOR),
        peer=_member(program, "pat", Role.PEER), peer2=_member(program, "quinn", Role.PEER),
        partner=_member(program, "erin", Role.PARTNER, ed), partner_211=_member(program, "tess", Role.PARTNER, two),
        first_responder=_member(program, "fern", Role.FIRST_RESPONDER, ems),
        law_enforcement=_member(program, "lowell", Role.LAW_ENFORCEMENT, police),
        provider=_member(program, "paz", Role.PROVIDER, treatment), analyst=_member(program, "ana", Role.ANALYST),
        outsider=_member(other, "olga", Role.SUPERVISOR),
        superuser=User.objects.create(username="root", is_superuser=True, password=make_password(None)),
    )
    world = sensitive_world(cast)
    participant, referral = world.participant, world.referral
    supporter = supporter_save(by=cast.peer, participant=participant, first_name="Robin", relationship="sister",
                               consent_to_contact=True)
    duplicate = sensitive_world(cast, last_name="Quilfeather", with_first_responder=False).participant
    # Intake finds the similar name with the same birth date a likely duplicate, waiting for review.
    candidate, _created = MatchCandidate.objects.get_or_create(
        program=program, new_participant=duplicate, existing_participant=participant,
        defaults={"reasons": ["similar name"]})
    batch = referral_import_upload(by=cast.partner, file_name="daily.csv",
                                   raw=make_csv([good_row(1), good_row(2, phone="12")]).encode())
    warning = DeadlineWarning.objects.create(referral=referral, kind=DeadlineWarning.Kind.DUE_SOON)
    notice = Notice.objects.create(user=cast.peer.user, warning=warning, referral=referral,
                                   message="A referral's contact deadline is near.")
    naloxone = SupplyItem.objects.filter(program=program, kind=SupplyItem.Kind.NALOXONE).first()
    lot = Lot.objects.create(item=naloxone, lot_number="MATRIX-1", expires_on=dt.date.today() + dt.timedelta(days=300))
    consent = consent_record(
        by=cast.peer, participant=participant, kind=ConsentKind.DISCLOSURE,
        information_categories=[InformationCategory.IDENTITY, InformationCategory.CONTACT,
                                InformationCategory.REFERRAL_STATUS],
        information_description="Name, date of birth, phone and whether the team reached the person",
        recipient_agency=treatment, purpose="To arrange an intake appointment at the clinic",
        revocation_statement="I may revoke this consent at any time by telling the team.",
        signature_method=SignatureMethod.VERBAL, witness_name="Quinn Tester",
        signed_on=timezone.localdate(timezone.now(), program.zone), expiry_event="When I finish treatment")
    disclosure, _notice = disclose(participant=participant, recipient=treatment,
                                   categories=[InformationCategory.IDENTITY, InformationCategory.CONTACT],
                                   purpose="Intake appointment", channel=Disclosure.Channel.HANDOFF, by=cast.peer)
    grant = break_glass_open(viewer=cast.outsider, public_id=participant.public_id, request=BreakGlassRequest(
        reason="Says she moved here from Riverside last month.", first_name="Marisol", last_name=LAST_NAME,
        date_of_birth=DATE_OF_BIRTH))
    # Expired, so the outsider is back to their normal scope; the grant stays for the review pages.
    BreakGlassAccess.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    _token, raw_token = ApiToken.issue(agency=ed, name="ED feed")

    on_participant = {"public_id": participant.public_id}
    on_referral = {"public_id": referral.public_id}
    kwargs = {
        "referrals:import_preview": {"pk": batch.pk}, "referrals:import_confirm": {"pk": batch.pk},
        "referrals:import_rejected": {"pk": batch.pk},
        "referrals:detail": on_referral, "referrals:assign": on_referral, "referrals:transition": on_referral,
        "participants:review": {"pk": candidate.pk},
        "participants:visit_sheet": on_participant, "participants:detail": on_participant,
        "participants:merge_choose": on_participant,
        "participants:merge_confirm": {"public_id": participant.public_id, "other_id": duplicate.public_id},
        "supplies:lot": {"pk": lot.pk},
        "notifications:mark_read": {"pk": notice.pk},
        "outreach:attempt_new": on_referral, "outreach:close_unable_to_reach": on_referral,
        "outreach:encounter_new": on_participant, "outreach:supporters": on_participant,
        "outreach:supporter_new": on_participant, "outreach:supporter_edit": {"pk": supporter.pk},
        "outreach:encounter_detail": {"pk": world.encounter.pk}, "outreach:encounter_edit": {"pk": world.encounter.pk},
        "outreach:encounter_addendum": {"pk": world.encounter.pk},
        "consent:kinds": on_participant, "consent:new": {"public_id": participant.public_id, "kind": "disclosure"},
        "consent:share": on_participant, "consent:accounting": on_participant,
        "consent:accounting_print": on_participant, "consent:accounting_csv": on_participant,
        "consent:disclosure": {"pk": disclosure.pk},
        "consent:blank_form": {"kind": "disclosure", "language": "en"},
        "consent:shared_participant": on_participant,
        "consent:detail": {"public_id": consent.public_id}, "consent:revoke": {"public_id": consent.public_id},
        "consent:print": {"public_id": consent.public_id}, "consent:signature": {"public_id": consent.public_id},
        "audit:participant_trail": on_participant, "audit:participant_trail_csv": on_participant,
        "audit:break_glass_detail": {"pk": grant.pk},
        "public:help": {"program_slug": program.slug}, "public:help_thanks": {"program_slug": program.slug},
        "password_reset_confirm": {"uidb64": "MQ", "token": "set-password"},
        "api-1:referral_status": {"referral_id": referral.public_id},
    }
    return MatrixWorld(cast=cast, kwargs=kwargs, api_token=raw_token)


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker) -> Iterator[MatrixWorld]:
    """The world, built once; each test runs in its own savepoint inside this transaction (the `db`
    fixture), and the whole module's data is rolled back at the end."""
    with django_db_blocker.unblock(), override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        with transaction.atomic():
            yield _build()
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
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern),
                             f"{namespace}:{inner}".strip(":") if inner else namespace)
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
    if role == "anonymous":
        return Client()
    if role == "superuser":
        return verified_client(matrix.cast.superuser)
    return verified_client(getattr(matrix.cast, role).user)


def request(matrix: MatrixWorld, role: str, name: str, method: str):
    url = reverse(name, kwargs=matrix.kwargs.get(name, {}))
    client = client_for(matrix, role)
    headers = {}
    if name.startswith("api-1:") and role != "anonymous":
        headers["Authorization"] = f"Bearer {matrix.api_token}"
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
