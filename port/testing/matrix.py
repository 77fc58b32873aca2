"""The permission matrix's world (port/core/tests/test_permission_matrix.py, and the list pages' query
budgets in port/testing/tests/test_list_page_budgets.py): the cast with one of everything a URL can point
at, built once per module, and one signed-in client per role."""

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from port.accounts.models import User
from port.casefile.resource_lists import resource_list_save
from port.consent.gate import disclose
from port.consent.models import ConsentKind, Disclosure, InformationCategory, SignatureMethod
from port.consent.services import consent_record
from port.directory.hsds.services import directory_import_upload
from port.linkage.models import How, Task, TaskKind
from port.linkage.services import HandOffRequest, handoff_create
from port.notifications.models import DeadlineWarning, Notice
from port.outreach.services import supporter_save
from port.participants.break_glass import BreakGlassRequest, break_glass_open
from port.participants.models import BreakGlassAccess, MatchCandidate
from port.referrals.csv_import.services import IMPORT_VALID_ONLY, referral_import_confirm, referral_import_upload
from port.security.accounts import api_token_issue
from port.supplies.models import Lot, SupplyItem
from port.testing.cast import Cast, cast_build
from port.testing.consent import SIGNATURE
from port.testing.directory import a_service
from port.testing.referrals import good_row, make_csv
from port.testing.security import verified_client
from port.testing.world import DATE_OF_BIRTH, LAST_NAME, sensitive_world

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


LOGIN = "login"  # a redirect to the sign-in page


ADMIN_LOGIN = "admin login"  # a redirect to the admin's sign-in page


REDIRECT = "redirect"  # any other redirect: where a POST-only action goes when it is done or refused


@dataclass
class MatrixWorld:
    cast: Cast
    superuser: User
    kwargs: dict[str, dict] = field(default_factory=dict)  # url name -> its arguments
    api_tokens: dict[str, str] = field(default_factory=dict)  # role -> its agency's raw API token
    clients: dict[str, Client] = field(default_factory=dict)
    session_keys: dict[str, str] = field(default_factory=dict)


def matrix_world_build() -> MatrixWorld:
    """The cast, a participant with every kind of sensitive detail (port/testing/world.py) and one of
    everything a URL can point at; each URL name's arguments in `kwargs`."""
    cast = cast_build()
    program, other_agency, treatment = cast.program, cast.other_agency, cast.treatment
    assert treatment is not None  # the cast always has its recovery clinic
    superuser = User.objects.create(username="root", is_superuser=True, password=make_password(None))
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
    # A directory file waiting for its preview: the admin's import screens open it.
    directory_import_upload(
        actor=cast.admin.user,
        program=program,
        file_name="services.json",
        raw=b'[{"id": "ac148810-d857-441c-9679-408f346de14b", "name": "Matrix clinic", "status": "active",'
        b' "organization": {"id": "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610", "name": "Matrix org", "description": ""}}]',
    )
    warning = DeadlineWarning.objects.create(referral=referral, kind=DeadlineWarning.Kind.DUE_SOON)
    notice = Notice.objects.create(
        user=cast.peer.user, warning=warning, referral=referral, message="A referral's contact deadline is near."
    )
    naloxone = SupplyItem.objects.filter(program=program, kind=SupplyItem.Kind.NALOXONE).order_by("pk").first()
    assert naloxone is not None  # program set-up seeds the supply items
    lot = Lot.objects.create(item=naloxone, lot_number="MATRIX-1", expires_on=program.today() + dt.timedelta(days=300))
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
        signature_image=SIGNATURE,
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
    handoff = handoff_create(
        by=cast.peer,
        participant=participant,
        ask=HandOffRequest(
            organization=treatment,
            need="treatment.buprenorphine",
            how=How.ACCOMPANIED,
            categories=[InformationCategory.IDENTITY, InformationCategory.CONTACT],
            purpose="Intake appointment",
            referral=referral,
        ),
    )
    # The visit reached the person: their check-ins are the peer's tasks.
    task = Task.objects.filter(referral=referral, kind=TaskKind.CHECK_IN, owner=cast.peer.user).order_by("pk").first()
    assert task is not None
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

    service = a_service(program, "Matrix Clinic", categories=["treatment.buprenorphine"])
    resource_list = resource_list_save(by=cast.peer, participant=participant, service_ids=[service.pk], language="es")

    on_participant = {"public_id": participant.public_id}
    on_referral = {"public_id": referral.public_id}
    kwargs: dict[str, dict] = {
        "referrals:import_preview": {"pk": batch.pk},
        "referrals:import_confirm": {"pk": batch.pk},
        "referrals:import_rejected": {"pk": imported.pk},
        "referrals:detail": on_referral,
        "referrals:assign": on_referral,
        "referrals:transition": on_referral,
        "referrals:reopen": on_referral,
        "participants:review": {"pk": candidate.pk},
        "participants:visit_sheet": on_participant,
        "participants:detail": on_participant,
        "participants:merge_choose": on_participant,
        "participants:resource_list_new": on_participant,
        "participants:resource_list": {"public_id": participant.public_id, "pk": resource_list.pk},
        "participants:resource_list_print": {"public_id": participant.public_id, "pk": resource_list.pk},
        "directory:service": {"pk": service.pk},
        "participants:merge_confirm": {"public_id": participant.public_id, "other_id": duplicate.public_id},
        "supplies:lot": {"pk": lot.pk},
        "notifications:mark_read": {"pk": notice.pk},
        "outreach:attempt_new": on_referral,
        "outreach:close_unable_to_reach": on_referral,
        "outreach:encounter_new": on_participant,
        "outreach:supporters": on_participant,
        "outreach:supporter_new": on_participant,
        "outreach:barc10_new": on_participant,
        "outreach:supporter_edit": {"pk": supporter.pk},
        "outreach:encounter_detail": {"pk": world.encounter.pk},
        "outreach:encounter_edit": {"pk": world.encounter.pk},
        "outreach:encounter_addendum": {"pk": world.encounter.pk},
        "consent:kinds": on_participant,
        "consent:new": {"public_id": participant.public_id, "kind": "disclosure"},
        "linkage:handoff_new": on_participant,
        "linkage:handoff_find": on_participant,
        "linkage:handoff": {"public_id": handoff.public_id},
        "linkage:handoff_transition": {"public_id": handoff.public_id},
        "linkage:handoff_report": {"public_id": handoff.public_id},
        "linkage:task": {"pk": task.pk},
        "linkage:task_outcome": {"pk": task.pk},
        "linkage:shared_handoff": {"public_id": handoff.public_id},
        "linkage:shared_handoff_update": {"public_id": handoff.public_id},
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
    return MatrixWorld(cast=cast, superuser=superuser, kwargs=kwargs, api_tokens=tokens)


def client_for(matrix: MatrixWorld, role: str) -> Client:
    """One signed-in client per role, made with the world (its session is in the module's transaction, so a
    test that signs it out or changes it is rolled back with the test). Cookies other than the session,
    such as messages, never carry over from one request to the next."""
    client = matrix.clients.get(role)
    if client is None:
        if role == "anonymous":
            client = Client()
        else:
            user = matrix.superuser if role == "superuser" else getattr(matrix.cast, role).user
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


@contextlib.contextmanager
def matrix_world(django_db_blocker) -> Iterator[MatrixWorld]:
    """The world, built once inside a transaction that is rolled back at the end, with a signed-in client
    per role (for a module-scoped fixture: each test then runs in its own savepoint, the `db` fixture)."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
    ):
        with transaction.atomic():
            world = matrix_world_build()
            for role in (*ROLES, "superuser"):
                client_for(world, role)
            yield world
            transaction.set_rollback(True)
