"""The demo program's field work: contact attempts behind every referral's status, visits, stock,
supporters, consents and a hand-off, all keeping the rules the services keep.

`seed_demo` runs once for this module, inside a transaction rolled back at the end; each test runs in
a savepoint of it, so a test that writes leaves nothing behind for the next.
"""

import datetime as dt
from collections import defaultdict
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Sum
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from port.accounts.models import Membership, Program
from port.accounts.roles import TEAM_ROLES
from port.audit.chain import chain_verify
from port.audit.models import AuditEvent
from port.casefile.visit_sheet import visits_list
from port.consent.models import Consent, ConsentKind, Disclosure
from port.consent.selectors import participants_shared_with
from port.outreach.models import (
    CONTACT_OUTCOMES,
    ContactAttempt,
    Encounter,
    EncounterItem,
    Mode,
    Outcome,
    Supporter,
    TeamMember,
    TeamRole,
)
from port.outreach.services import encounter_locked
from port.participants.models import Participant
from port.referrals.models import ClosingReason, Referral, ReferralChange, Status
from port.supplies.models import Lot, StockBalance, StockLocation, StockMovement, SupplyItem
from port.supplies.selectors import EXPIRY_WARNING_DAYS, inventory_warnings
from port.testing.demo import (
    DEMO_NOW,
    FAILED_OUTCOMES,
    OUTCOME_FOR_REASON,
    assert_attempts_follow_the_referrals,
    attempts_by_referral,
)
from port.testing.security import verified_client


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo program, seeded once for the module and rolled back after it."""
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    clock = time_machine.travel(DEMO_NOW, tick=True)
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=hashers), clock:
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("seed_demo", stdout=StringIO())
            yield Program.objects.get(slug="demo")
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def member(program: Program, username: str) -> Membership:
    return Membership.objects.select_related("user", "program", "agency").get(program=program, user__username=username)


# --- Contact attempts --------------------------------------------------------------------------


def test_every_demo_referral_has_the_attempts_its_status_implies(demo, db):
    referrals = Referral.objects.filter(program=demo)
    assert_attempts_follow_the_referrals(referrals)
    with_attempts = referrals.filter(first_attempt_at__isnull=False)
    assert set(referrals.filter(status__in=[Status.ATTEMPTING, Status.REACHED]).values_list("pk", flat=True)) <= set(
        with_attempts.values_list("pk", flat=True)
    )
    assert not referrals.filter(status=Status.REACHED, first_contact_at__isnull=True).exists()
    outcomes = set(ContactAttempt.objects.filter(program=demo).values_list("outcome", flat=True))
    assert outcomes >= FAILED_OUTCOMES | {
        Outcome.REACHED_PARTICIPANT,
        Outcome.DECLINED,
        Outcome.MOVED,
        Outcome.INCARCERATED,
        Outcome.DECEASED,
    }
    assert set(ContactAttempt.objects.filter(program=demo).values_list("mode", flat=True)) == set(Mode.values)


def test_referrals_closed_as_unable_to_reach_used_up_the_attempt_policy(demo, db):
    unable = Referral.objects.filter(program=demo, closed_reason=ClosingReason.UNABLE_TO_REACH)
    assert unable.count() >= 10
    for tried in attempts_by_referral(unable).values():
        assert len(tried) >= demo.attempt_policy_min_attempts
        assert len({a.mode for a in tried}) >= demo.attempt_policy_min_modes
        assert tried[-1].attempted_at - tried[0].attempted_at >= dt.timedelta(days=demo.attempt_policy_min_days - 1)


def test_a_realistic_share_of_first_attempts_meets_the_deadline(demo, db):
    tried = Referral.objects.filter(program=demo, first_attempt_at__isnull=False)
    met = sum(referral.first_attempt_at <= referral.contact_deadline for referral in tried)
    assert 0.55 * tried.count() <= met <= 0.95 * tried.count()


def test_the_newest_open_referrals_were_worked_through_the_real_attempt_service(demo, db):
    audited = AuditEvent.objects.filter(
        program=demo, action=AuditEvent.Action.CREATE, target_type="outreach.contactattempt"
    )
    attempt_ids = {int(pk) for ids in audited.values_list("target_ids", flat=True) for pk in ids}
    worked = set(ContactAttempt.objects.filter(pk__in=attempt_ids).values_list("referral_id", flat=True))
    assert len(worked) >= 30
    assert (
        not Referral.objects.filter(pk__in=worked, status=Status.CLOSED)
        .exclude(closed_reason__in=OUTCOME_FOR_REASON)
        .exists()
    )


def test_an_ems_partner_goes_along_on_some_visits_and_demo_ems_has_a_visit_sheet(demo, db):
    teams = TeamMember.objects.filter(attempt__program=demo)
    assert teams.filter(role=TeamRole.EMS, user__isnull=True).exclude(name="").exists()
    ems = member(demo, "demo-ems")
    assert teams.filter(user=ems.user).exists()
    assert not teams.filter(attempt__mode__in=[Mode.PHONE, Mode.TEXT]).exclude(role=TeamRole.PEER).exists()
    assert visits_list(viewer=ems)


# --- Visits ------------------------------------------------------------------------------------


def test_reached_people_had_visits_with_naloxone_from_inventory_and_their_own_goals(demo, db):
    now = timezone.now()
    encounters = Encounter.objects.filter(program=demo).select_related("attempt", "referral", "program")
    reached = ContactAttempt.objects.filter(program=demo, outcome=Outcome.REACHED_PARTICIPANT).count()
    assert encounters.filter(attempt__isnull=False).count() >= 0.6 * reached
    assert encounters.filter(attempt__isnull=True).exists()  # follow-up visits
    assert {Mode.IN_PERSON, Mode.PHONE} <= set(encounters.values_list("mode", flat=True))
    for encounter in encounters:
        assert encounter.occurred_at <= encounter.created_at <= now
        assert encounter.author_id in set(
            Membership.objects.filter(program=demo, role__in=TEAM_ROLES).values_list("user_id", flat=True)
        )
        if encounter.attempt is not None:
            assert encounter.attempt.outcome in CONTACT_OUTCOMES
            assert encounter.occurred_at == encounter.attempt.attempted_at
        if encounter.readiness is not None:
            assert 0 <= encounter.readiness <= 10 and encounter.stage_of_change
    # Old visits are locked (addenda only); the newest may still be edited by their author.
    assert any(encounter_locked(e) for e in encounters)
    with_goals = encounters.exclude(goals="")
    assert with_goals.count() >= 0.5 * encounters.count()
    assert with_goals.exclude(next_steps="").exists() and encounters.exclude(stage_of_change="").exists()
    items = EncounterItem.objects.filter(encounter__program=demo)
    kinds = set(items.values_list("kind", flat=True))
    assert kinds == set(EncounterItem.Kind.values)
    given = set(items.filter(kind=EncounterItem.Kind.SUPPLY).values_list("supply_item__name", flat=True))
    assert {"Naloxone nasal spray 4 mg", "Fentanyl test strips", "Hygiene kit"} <= given
    assert set(items.values_list("recipient_type", flat=True)) == set(EncounterItem.Recipient.values)
    # Phone calls give education, never supplies.
    assert not items.filter(kind=EncounterItem.Kind.SUPPLY, encounter__mode=Mode.PHONE).exists()
    # Every supply given is one ledger entry, taken from where the peer carries it.
    for item in items.filter(kind=EncounterItem.Kind.SUPPLY).select_related("encounter"):
        movement = StockMovement.objects.get(encounter_item=item)
        assert movement.kind == StockMovement.Kind.DISTRIBUTE and movement.quantity == -item.quantity
        assert movement.lot_id == item.lot_id and movement.recorded_at >= item.encounter.occurred_at
        assert movement.location.holder_id in (item.encounter.author_id, None)


def test_supplies_given_to_supporters_and_their_presence_need_the_participants_agreement(demo, db):
    supporters = Supporter.objects.filter(program=demo)
    assert supporters.filter(consent_to_contact=True).count() >= 5
    assert supporters.filter(consent_to_contact=False).count() >= 5
    for supporter in supporters:
        assert (supporter.consent_recorded_at is not None) == supporter.consent_to_contact
        assert supporter.consent_recorded_by_id is None or supporter.consent_to_contact
        if supporter.consent_recorded_at:
            assert supporter.created_at <= supporter.consent_recorded_at <= timezone.now()
    present = Encounter.supporters_present.through.objects.filter(encounter__program=demo)
    assert present.exists()
    assert not present.filter(supporter__consent_to_contact=False).exists()
    to_supporters = EncounterItem.objects.filter(encounter__program=demo, recipient_type="supporter")
    assert to_supporters.filter(kind=EncounterItem.Kind.SUPPLY).exists()
    assert to_supporters.filter(kind=EncounterItem.Kind.NALOXONE_TRAINING).exists()
    assert not to_supporters.filter(supporter__consent_to_contact=False).exists()
    assert supporters.exclude(needs="").exists()


# --- Inventory ---------------------------------------------------------------------------------


def test_stock_balances_equal_the_ledger_and_never_went_negative(demo, db):
    balances = StockBalance.objects.filter(location__program=demo)
    assert balances.exists()
    sums = {
        (row["lot"], row["location"]): row["total"]
        for row in StockMovement.objects.filter(program=demo).values("lot", "location").annotate(total=Sum("quantity"))
    }
    for balance in balances:
        assert balance.quantity >= 0
        assert balance.quantity == sums.get((balance.lot_id, balance.location_id), 0)
    running = defaultdict(int)
    for movement in StockMovement.objects.filter(program=demo).order_by("recorded_at", "pk"):
        assert movement.recorded_at <= timezone.now()
        running[movement.lot_id, movement.location_id] += movement.quantity
        assert running[movement.lot_id, movement.location_id] >= 0, movement.pk
    kinds = set(StockMovement.objects.filter(program=demo).values_list("kind", flat=True))
    assert {
        StockMovement.Kind.RECEIVE,
        StockMovement.Kind.TRANSFER_OUT,
        StockMovement.Kind.TRANSFER_IN,
        StockMovement.Kind.DISTRIBUTE,
    } <= kinds


def test_each_peer_carries_a_bag_and_the_dashboard_warns_of_low_and_expiring_stock(demo, db):
    peers = Membership.objects.filter(program=demo, role="peer")
    bags = StockLocation.objects.filter(program=demo, kind=StockLocation.Kind.BAG)
    assert set(bags.values_list("holder_id", flat=True)) == set(peers.values_list("user_id", flat=True))
    assert not bags.annotate(kits=Sum("balances__quantity")).filter(kits__lte=0).exists()
    naloxone = Lot.objects.filter(item__program=demo, item__name="Naloxone nasal spray 4 mg").order_by("expires_on")
    today = demo.today()
    assert naloxone.count() == 2
    assert naloxone[0].expires_on <= today + dt.timedelta(days=EXPIRY_WARNING_DAYS) < naloxone[1].expires_on
    warnings = inventory_warnings(member(demo, "demo-supervisor"))
    assert [w.item.name for w in warnings.low_stock] == ["Fentanyl test strips"]
    assert [w.lot for w in warnings.expiring] == [naloxone[0]]
    strips = SupplyItem.objects.get(program=demo, name="Fentanyl test strips")
    assert 0 < warnings.low_stock[0].on_hand < strips.low_stock_level


# --- Consents and the hand-off -----------------------------------------------------------------


def test_the_demo_provider_sees_the_one_participant_handed_off_to_them(demo, db):
    provider = member(demo, "demo-provider")
    shared = participants_shared_with(viewer=provider)
    assert len(shared) == 1
    participant = shared[0].participant
    handoff = Disclosure.objects.get(program=demo, channel=Disclosure.Channel.HANDOFF)
    assert (handoff.participant, handoff.recipient_agency) == (participant, provider.agency)
    assert (
        handoff.consent.kind == ConsentKind.DISCLOSURE
        and Consent.objects.in_force(demo.today()).filter(pk=handoff.consent.pk).exists()
    )
    assert handoff.disclosed_by_id in set(
        Membership.objects.filter(program=demo, role__in=TEAM_ROLES).values_list("user_id", flat=True)
    )
    client = verified_client(provider.user)
    page = client.get(reverse("consent:shared_participant", args=[participant.public_id]))
    assert page.status_code == 200
    assert participant.first_name in page.content.decode()
    # Nobody else was shared with anyone.
    other = Participant.objects.filter(program=demo).exclude(pk=participant.pk).first()
    assert client.get(reverse("consent:shared_participant", args=[other.public_id])).status_code == 404


def test_other_consents_show_participation_and_a_revocation(demo, db):
    consents = Consent.objects.filter(program=demo)
    assert consents.filter(kind=ConsentKind.PARTICIPATION).count() >= 3
    revoked = consents.filter(revoked_at__isnull=False)
    assert revoked.count() == 1 and revoked.get().revocation_note
    assert not Disclosure.objects.filter(consent__in=revoked).exists()
    today = demo.today()
    assert not consents.filter(signed_on__gt=today).exists()
    assert consents.values("participant").annotate(n=Count("pk")).filter(n__gt=2).count() == 0


# --- Seeding again, and the audit trail ---------------------------------------------------------


def test_seeding_again_changes_nothing_and_the_audit_chain_verifies(demo, db):
    models = (
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
        Referral,
        ReferralChange,
        AuditEvent,
    )
    before = {model.__name__: model.objects.count() for model in models}
    stamps = list(
        Referral.objects.filter(program=demo)
        .order_by("pk")
        .values_list("status", "first_attempt_at", "first_contact_at")
    )
    call_command("seed_demo", stdout=StringIO())
    assert {model.__name__: model.objects.count() for model in models} == before
    assert (
        list(
            Referral.objects.filter(program=demo)
            .order_by("pk")
            .values_list("status", "first_attempt_at", "first_contact_at")
        )
        == stamps
    )
    report = chain_verify(anchors=[])
    assert report.ok, str(report)


# --- Hand-offs and tasks (port.linkage) ----------------------------------------------------------


def test_the_demo_provider_sees_a_requested_hand_off_sent_to_their_organization(demo):
    from port.linkage.models import HandOff, TaskStatus

    provider = member(demo, "demo-provider")
    shared = HandOff.objects.get(program=demo, disclosure__isnull=False)
    assert (shared.organization, shared.status) == (provider.agency, TaskStatus.REQUESTED)
    client = verified_client(provider.user)
    page = client.get(reverse("linkage:shared")).content.decode()
    assert reverse("linkage:shared_handoff", args=[shared.public_id]) in page
    assert client.get(reverse("linkage:shared_handoff", args=[shared.public_id])).status_code == 200
    states = set(HandOff.objects.filter(program=demo).values_list("status", "person_report"))
    assert {("requested", ""), ("requested", "attended"), ("cancelled", "")} <= states


def test_the_demo_has_check_ins_for_reached_people_some_overdue(demo):
    from port.linkage.models import Task, TaskKind, TaskState

    open_check_ins = Task.objects.filter(program=demo, kind=TaskKind.CHECK_IN, state=TaskState.OPEN)
    assert open_check_ins.exists() and open_check_ins.filter(due_on__lt=demo.today()).exists()
    assert not open_check_ins.exclude(referral__status=Status.REACHED).exists()
    assert Task.objects.filter(program=demo, kind=TaskKind.HANDOFF_CHECK).exists()
