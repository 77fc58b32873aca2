"""The demo program (`seed_demo`, `print_demo_logins`) and the synthetic referral generator."""

import datetime as dt
import re
from collections import Counter, defaultdict
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from django.utils import timezone

from port.accounts.models import ApiToken, Membership, OrganizationKind, Program, User
from port.accounts.roles import ASSIGNABLE_ROLES, Role
from port.administration.services import program_set_up
from port.audit.models import AuditEvent
from port.consent.models import Consent, Disclosure
from port.demo.cast import DEMO_PASSWORD, demo_cast_create
from port.demo.names import FIRST_NAMES, LAST_NAMES
from port.demo.referrals import demo_referrals_create
from port.outreach.models import (
    ContactAttempt,
    Encounter,
    EncounterItem,
    Supporter,
    TeamMember,
)
from port.participants.models import MatchCandidate, Participant, ParticipantPhone
from port.referrals.clock import contact_deadline
from port.referrals.models import (
    CLOCK_RUNNING_STATUSES,
    Channel,
    OverdoseEvent,
    Referral,
    ReferralChange,
    Status,
)
from port.referrals.services import ALLOWED_TRANSITIONS
from port.security.accounts import api_token_authenticate
from port.supplies.models import Lot, StockBalance, StockLocation, StockMovement
from port.testing.demo import (
    DEMO_NOW,
    assert_attempts_follow_the_referrals,
)


@pytest.fixture(autouse=True)
def at_demo_now():
    with time_machine.travel(DEMO_NOW, tick=True):
        yield


TOKEN_PATTERN = re.compile(r"port_[A-Za-z0-9_-]{20,}")
DEMO_USERNAMES = [
    "demo-admin",
    "demo-supervisor",
    "demo-peer1",
    "demo-peer2",
    "demo-peer3",
    "demo-ed",
    "demo-211",
    "demo-ems",
    "demo-police",
    "demo-provider",
    "demo-analyst",
]


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Program,
            User,
            Membership,
            ApiToken,
            Participant,
            ParticipantPhone,
            OverdoseEvent,
            Referral,
            ReferralChange,
            MatchCandidate,
            AuditEvent,
            ContactAttempt,
            TeamMember,
            Encounter,
            EncounterItem,
            Supporter,
            StockLocation,
            Lot,
            StockBalance,
            StockMovement,
            Consent,
            Disclosure,
        )
    }


def assert_referral_invariants(referrals) -> None:
    """What intake and the status services guarantee, checked on every referral."""
    history = defaultdict(list)
    for change in ReferralChange.objects.filter(referral__in=referrals).order_by("changed_at", "pk"):
        history[change.referral_id].append(change)
    for referral in referrals.select_related("acuity", "program"):
        assert referral.contact_deadline == contact_deadline(
            received_at=referral.received_at,
            available_from=referral.available_from,
            window_hours=referral.acuity.window_hours,
        )
        assert referral.acuity.program_id == referral.program_id
        assert (referral.status == Status.CLOSED) == bool(referral.closed_reason)
        if referral.status in (Status.ASSIGNED, Status.ATTEMPTING, Status.REACHED):
            assert referral.assigned_to_id is not None
        changes = history[referral.pk]
        assert changes[0].to_status == Status.RECEIVED
        assert changes[0].changed_at >= referral.received_at
        status: str = Status.RECEIVED
        assignee = None
        for change in changes[1:]:
            assert change.from_status == status
            if change.kind == ReferralChange.Kind.ASSIGNMENT:
                assert change.to_status in (status, Status.ASSIGNED)
                assignee = change.assigned_to_id
            else:
                assert change.to_status in ALLOWED_TRANSITIONS[status]
                assert bool(change.reason) == (change.to_status == Status.CLOSED)
            assert change.changed_at >= referral.received_at
            status = change.to_status
        assert status == referral.status
        assert assignee == referral.assigned_to_id
        assert referral.overdose_event.participant_id == referral.participant_id


# --- seed_demo ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_seed_demo_creates_the_program_its_agencies_and_its_cast():
    output = seed()
    program = Program.objects.get(slug="demo")
    assert (program.name, program.time_zone) == ("Demo County PORT", "America/New_York")
    assert [a.code for a in program.acuity_levels.all()] == ["high", "elevated", "standard"]
    # The cast's agencies, and the organizations behind the demo directory's services (port/demo/directory.py).
    directory_only = {a.name for a in program.organizations.filter(services__isnull=False)} - {"Demo Recovery Center"}
    assert {(a.name, a.kind) for a in program.organizations.exclude(name__in=directory_only)} == {
        ("Demo General Hospital ED", OrganizationKind.EMERGENCY_DEPARTMENT),
        ("Demo County 2-1-1", OrganizationKind.TWO_ONE_ONE),
        ("Demo County EMS", OrganizationKind.EMS),
        ("Demo Fire", OrganizationKind.FIRE),
        ("Demo County Sheriff", OrganizationKind.LAW_ENFORCEMENT),
        ("Demo Recovery Center", OrganizationKind.TREATMENT),
    }
    memberships = {m.user.username: m for m in program.memberships.select_related("user", "agency")}
    assert sorted(memberships) == sorted(DEMO_USERNAMES)
    assert Counter(m.role for m in memberships.values()) == {
        Role.ADMIN: 1,
        Role.SUPERVISOR: 1,
        Role.PEER: 3,
        Role.PARTNER: 2,
        Role.FIRST_RESPONDER: 1,
        Role.LAW_ENFORCEMENT: 1,
        Role.PROVIDER: 1,
        Role.ANALYST: 1,
    }
    assert memberships["demo-ed"].agency.name == "Demo General Hospital ED"
    assert memberships["demo-211"].agency.name == "Demo County 2-1-1"
    assert memberships["demo-ems"].agency.name == "Demo County EMS"
    assert memberships["demo-police"].agency.name == "Demo County Sheriff"
    assert memberships["demo-provider"].agency.name == "Demo Recovery Center"
    assert memberships["demo-analyst"].agency is None
    for username in DEMO_USERNAMES:
        user = authenticate(username=username, password=DEMO_PASSWORD)
        assert user is not None, username
        validate_password(DEMO_PASSWORD, user)  # the demo password passes the real validators
    assert program.referrals.count() == 300
    assert "300 made-up referrals" in output


@pytest.mark.django_db
def test_the_demo_ed_token_is_printed_once_and_authenticates():
    output = seed()
    raw = TOKEN_PATTERN.findall(output)
    assert len(raw) == 1
    token = api_token_authenticate(raw=raw[0])
    assert token is not None and token.agency.name == "Demo General Hospital ED"
    assert raw[0] not in token.token_hash
    assert not TOKEN_PATTERN.search(seed())


@pytest.mark.django_db
def test_running_seed_demo_again_keeps_everything_and_creates_nothing():
    seed()
    Program.objects.filter(slug="demo").update(name="Renamed by the admin")
    before = row_counts()
    output = seed()
    assert row_counts() == before
    assert "nothing created" in output
    assert Program.objects.get(slug="demo").name == "Renamed by the admin"


@pytest.mark.django_db
def test_seed_demo_refuses_to_reuse_leftover_demo_users():
    User.objects.create_user(username="demo-peer2")
    with pytest.raises(CommandError, match="demo-peer2"):
        seed()
    assert not Program.objects.filter(slug="demo").exists()


@pytest.mark.django_db
def test_demo_referrals_look_like_a_real_programs_six_months():
    seed()
    now = timezone.now()
    program = Program.objects.get(slug="demo")
    referrals = program.referrals.all()
    assert set(referrals.values_list("status", flat=True)) == set(Status.values)
    reasons = Counter(referrals.filter(status=Status.CLOSED).values_list("closed_reason", flat=True))
    assert len(reasons) >= 5
    assert set(referrals.values_list("channel", flat=True)) == set(Channel.values)
    assert len(set(referrals.values_list("source", flat=True))) >= 7
    assert len(set(referrals.values_list("acuity__code", flat=True))) == 3
    oldest = referrals.order_by("received_at").first().received_at
    assert now - dt.timedelta(days=190) < oldest < now - dt.timedelta(days=150)
    open_referrals = referrals.exclude(status=Status.CLOSED).count()
    overdue = referrals.filter(status__in=CLOCK_RUNNING_STATUSES, contact_deadline__lt=now).count()
    assert 40 <= open_referrals <= 150
    assert 0.1 * open_referrals <= overdue <= 0.5 * open_referrals
    assert referrals.filter(available_from__isnull=False).count() >= 10
    # Repeat overdoses: several referrals (and overdose events) for the same person.
    repeat = Participant.objects.filter(program=program).annotate(n=Count("referrals")).filter(n__gte=2)
    assert repeat.count() >= 10
    # Likely duplicates wait for a person on the review screen.
    assert MatchCandidate.objects.filter(program=program, status=MatchCandidate.Status.PENDING).count() >= 3
    # The sample that went through the real intake service is audited like any intake.
    assert (
        AuditEvent.objects.filter(
            program=program, action=AuditEvent.Action.CREATE, target_type="referrals.referral"
        ).count()
        == 30
    )


@pytest.mark.django_db
def test_demo_people_are_clearly_made_up():
    seed()
    program = Program.objects.get(slug="demo")
    participants = Participant.objects.filter(program=program)
    assert set(participants.values_list("last_name", flat=True)) <= set(LAST_NAMES)
    for number in ParticipantPhone.objects.filter(participant__program=program).values_list("number", flat=True):
        assert re.fullmatch(r"\+1\d{3}55501\d\d", number), number
    for address in participants.exclude(address="").values_list("address", flat=True):
        assert re.fullmatch(r"\d+ (Example St|Sample Ave|Placeholder Rd|Demo Blvd|Fictional Way|Test Ln)", address)
    # Everyone can be reached somehow: a phone, an address, or where to find them.
    assert not participants.filter(address="", location_notes="", phones__isnull=True).exists()
    supporters = Supporter.objects.filter(program=program)
    assert supporters.exists()
    assert set(supporters.values_list("last_name", flat=True)) <= set(LAST_NAMES)
    assert set(supporters.values_list("first_name", flat=True)) <= set(FIRST_NAMES)
    for number in supporters.exclude(phone="").values_list("phone", flat=True):
        assert re.fullmatch(r"\+1\d{3}55501\d\d", number), number


@pytest.mark.django_db
def test_every_demo_referral_keeps_the_intake_and_workflow_invariants():
    seed()
    assert_referral_invariants(Referral.objects.filter(program__slug="demo"))


# --- print_demo_logins -------------------------------------------------------------------------


@pytest.mark.django_db
def test_print_demo_logins_lists_every_login_and_the_public_pages():
    seed("--referrals", "0")
    out = StringIO()
    call_command("print_demo_logins", "--url", "http://127.0.0.1:8000/", stdout=out)
    output = out.getvalue()
    assert "http://127.0.0.1:8000/accounts/login/" in output
    assert DEMO_PASSWORD in output
    for username in DEMO_USERNAMES:
        assert username in output
    for role in (
        "Program admin",
        "Supervisor",
        "Peer specialist",
        "Referral partner",
        "EMS/fire partner",
        "Law enforcement partner",
        "Service provider",
        "Analyst",
    ):
        assert role in output
    assert "http://127.0.0.1:8000/help/demo/" in output
    assert "http://127.0.0.1:8000/api/v1/docs" in output
    assert "http://127.0.0.1:8000/admin/accounts/apitoken/add/" in output
    assert not TOKEN_PATTERN.search(output)


@pytest.mark.django_db
def test_print_demo_logins_without_the_demo_says_how_to_make_it():
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("print_demo_logins", stdout=StringIO())


# --- The generator -----------------------------------------------------------------------------


def test_the_generator_makes_n_referrals_for_any_program(cast):
    before = Referral.objects.count()
    made = demo_referrals_create(program=cast.program, count=150, seed=3)
    assert made == 150
    assert Referral.objects.count() == before + 150
    assert not Referral.objects.exclude(program=cast.program).exists()
    team = set(
        Membership.objects.filter(program=cast.program, role__in=ASSIGNABLE_ROLES).values_list("user_id", flat=True)
    )
    assigned = set(cast.program.referrals.exclude(assigned_to=None).values_list("assigned_to_id", flat=True))
    assert assigned and assigned <= team
    senders = set(cast.program.referrals.exclude(referring_agency=None).values_list("referring_agency_id", flat=True))
    assert senders <= set(cast.program.organizations.values_list("pk", flat=True))
    assert_referral_invariants(cast.program.referrals.all())


def test_the_generator_adds_to_a_program_that_already_has_referrals(cast):
    demo_referrals_create(program=cast.program, count=40, seed=1, through_intake=0)
    demo_referrals_create(program=cast.program, count=40, seed=1, through_intake=0)
    assert cast.program.referrals.count() == 80
    external = list(cast.program.referrals.exclude(external_id="").values_list("external_id", flat=True))
    assert len(external) == len(set(external))


def test_the_generator_can_add_attempts_to_any_program_some_through_the_service(cast):
    made = demo_referrals_create(
        program=cast.program, count=150, seed=5, through_intake=0, outreach=True, attempts_through_service=3
    )
    assert made == 150
    referrals = cast.program.referrals.all()
    assert_attempts_follow_the_referrals(referrals)
    open_tried = referrals.filter(status__in=[Status.ATTEMPTING, Status.REACHED])
    assert open_tried.count() > 3  # so some open referrals' attempts were written directly, and stamped
    assert AuditEvent.objects.filter(target_type="outreach.contactattempt").values("participant_ids").distinct()
    for referral in referrals.select_related("acuity"):
        assert referral.contact_deadline == contact_deadline(
            received_at=referral.received_at,
            available_from=referral.available_from,
            window_hours=referral.acuity.window_hours,
        )


def test_the_generator_makes_no_attempts_unless_asked(cast):
    demo_referrals_create(program=cast.program, count=60, seed=5, through_intake=0)
    assert not ContactAttempt.objects.exists()
    assert not cast.program.referrals.filter(first_attempt_at__isnull=False).exists()


@pytest.mark.django_db
def test_the_generator_is_deterministic_for_a_seed():
    now = timezone.now()
    made = []
    for slug in ("first", "second"):
        program = program_set_up(name=slug, slug=slug)
        demo_cast_create(program=program, username_prefix=slug, password=None)
        demo_referrals_create(program=program, count=120, seed=42, now=now)
        made.append(
            list(
                program.referrals.order_by("received_at", "pk").values_list(
                    "received_at",
                    "status",
                    "closed_reason",
                    "source",
                    "channel",
                    "acuity__code",
                    "contact_deadline",
                    "participant__first_name",
                    "participant__last_name",
                    "assigned_to__first_name",
                )
            )
        )
    assert made[0] == made[1]


@pytest.mark.django_db
def test_the_generator_needs_someone_to_assign_referrals_to():
    program = program_set_up(name="Empty PORT", slug="empty")
    with pytest.raises(ValueError, match="peer specialist or supervisor"):
        demo_referrals_create(program=program, count=10)
    assert not Referral.objects.exists()
