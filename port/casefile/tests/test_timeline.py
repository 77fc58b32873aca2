"""The participant's timeline: everything that happened, newest first, with the next due action at the
top, in a fixed number of queries however long the history is."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from port.audit.models import AuditEvent
from port.casefile.selectors import (
    EventKind,
    TimelineCursor,
    participant_next_actions,
    participant_timeline,
)
from port.outreach.models import ContactAttempt, Encounter, EncounterItem, Supporter
from port.outreach.services import (
    EncounterIn,
    ItemIn,
    TeamMemberIn,
    contact_attempt_record,
    encounter_add_addendum,
    encounter_record,
    supporter_save,
)
from port.participants.models import Participant, ParticipantMerge
from port.participants.services import participant_create, participant_merge
from port.referrals.models import ClosingReason, Referral, ReferralChange, Status
from port.referrals.services import referral_assign, referral_transition
from port.supplies.models import Lot, StockLocation, SupplyItem
from port.supplies.services import stock_receive
from port.testing.budgets import assert_within_budget
from port.testing.factories import submit_referral

Kind = EncounterItem.Kind
Recipient = EncounterItem.Recipient
DOB = dt.date(1979, 6, 2)


def detail_url(participant: Participant) -> str:
    return reverse("participants:detail", args=[participant.public_id])


def timeline_part(page: str) -> str:
    return page.split('id="timeline-heading"')[1]


def next_part(page: str) -> str:
    return page.split('id="next-heading"')[1].split('id="person-heading"')[0]


@pytest.fixture
def naloxone_lot(cast) -> tuple[Lot, StockLocation]:
    item = SupplyItem.objects.get(program=cast.program, name="Naloxone nasal spray 4 mg")
    office = StockLocation.objects.get(program=cast.program, name="Office")
    lot = Lot.objects.create(item=item, lot_number="NX-2291", expires_on=cast.program.today() + dt.timedelta(days=300))
    stock_receive(by=cast.supervisor, lot=lot, location=office, quantity=500)
    return lot, office


def refer(cast, *, first_name: str, received_at: dt.datetime, assign: bool = True) -> Referral:
    referral = submit_referral(
        cast.program,
        agency=cast.ed,
        by=cast.partner,
        received_at=received_at,
        first_name=first_name,
        last_name="Lindqvist",
        date_of_birth=DOB,
        phone="412-555-0140",
    )
    if assign:
        referral = referral_assign(referral=referral, assignee=cast.peer, by=cast.supervisor)
    return Referral.objects.select_related("program", "participant").get(pk=referral.pk)


def build_history(cast, lot_and_office, *, first_name: str, times: int) -> Participant:
    """`times` of every kind of entry: referrals (assigned, attempted, reached; all but the last closed),
    attempts, encounters with supplies given and training taught, supporters with agreement, merges."""
    lot, office = lot_and_office
    start = timezone.now() - dt.timedelta(days=times + 2)
    participant = None
    for number in range(times):
        received = start + dt.timedelta(days=number)
        referral = refer(cast, first_name=first_name, received_at=received)
        participant = participant or referral.participant
        assert referral.participant_id == participant.pk
        contact_attempt_record(
            by=cast.peer,
            referral=referral,
            mode="phone",
            outcome="no_answer",
            attempted_at=received + dt.timedelta(hours=1),
        )
        supporter = supporter_save(
            by=cast.peer,
            participant=participant,
            first_name=f"Helper{number}",
            relationship="cousin",
            consent_to_contact=True,
        )
        encounter_record(
            by=cast.peer,
            participant=participant,
            referral=referral,
            data=EncounterIn(
                mode="in_person",
                place="home",
                occurred_at=received + dt.timedelta(hours=2),
                supporters_present=[supporter],
                next_steps=f"Step {number}",
                notes="Sensitive note",
                items=[
                    ItemIn(kind=Kind.SUPPLY, quantity=1, lot=lot, location=office),
                    ItemIn(kind=Kind.NALOXONE_TRAINING, recipient_type=Recipient.SUPPORTER, supporter=supporter),
                ],
            ),
        )
        if number < times - 1:
            referral_transition(
                referral=referral, to_status=Status.CLOSED, reason=ClosingReason.GOALS_MET, by=cast.supervisor
            )
        twin = participant_create(program=cast.program, first_name=first_name, last_name=f"Twin{number}")
        participant_merge(survivor=participant, absorbed=twin, by=cast.supervisor)
    assert participant is not None  # times >= 1
    return participant


def page_queries(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


# ---- what the page shows ----


def test_the_timeline_shows_every_kind_of_entry_newest_first(cast, naloxone_lot):
    participant = build_history(cast, naloxone_lot, first_name="Ingrid", times=2)
    page = cast.client_for(cast.peer).get(detail_url(participant)).content.decode()
    timeline = timeline_part(page)
    for label in (
        "Referral received",
        "Assigned",
        "Status changed",
        "Contact attempt",
        "Encounter",
        "Supporter added",
        "Agreement recorded",
        "Record merged in",
    ):
        assert f"<strong>{label}</strong>" in timeline, label
    stamps = re.findall(r'<time class="muted" datetime="([^"]+)"', timeline)
    assert len(stamps) == participant_timeline(viewer=cast.peer, participant=participant).events.__len__()
    parsed = [dt.datetime.fromisoformat(stamp) for stamp in stamps]
    assert parsed == sorted(parsed, reverse=True)


def test_attempts_show_how_where_the_outcome_and_who_went_with_their_roles(cast):
    referral = refer(cast, first_name="Ingrid", received_at=timezone.now() - dt.timedelta(hours=5))
    contact_attempt_record(
        by=cast.peer,
        referral=referral,
        mode="in_person",
        place="shelter",
        outcome="not_at_address",
        team=[TeamMemberIn(role="peer", user=cast.peer.user), TeamMemberIn(role="ems", name="J. Ruiz")],
    )
    timeline = timeline_part(cast.client_for(cast.peer).get(detail_url(referral.participant)).content.decode())
    assert "In person, shelter: <strong>Not at the address</strong>" in timeline
    assert "Pat Tester (Peer specialist), J. Ruiz (EMS)" in timeline
    assert "Assigned → Attempting contact" in timeline
    assert "Assigned to Pat Tester." in timeline and "By Sam Tester." in timeline


def test_encounters_show_what_was_given_and_taught_to_whom_and_link_to_the_encounter(cast, naloxone_lot):
    lot, office = naloxone_lot
    referral = refer(cast, first_name="Ingrid", received_at=timezone.now() - dt.timedelta(hours=5))
    supporter = supporter_save(
        by=cast.peer,
        participant=referral.participant,
        first_name="Robin",
        relationship="sister",
        consent_to_contact=True,
    )
    encounter = encounter_record(
        by=cast.peer,
        participant=referral.participant,
        referral=referral,
        data=EncounterIn(
            mode="in_person",
            place="home",
            duration_minutes=40,
            supporters_present=[supporter],
            stage_of_change="contemplation",
            readiness=6,
            goals="Keep my job",
            next_steps="Visit the clinic Friday",
            notes="Talked about the last overdose",
            items=[
                ItemIn(kind=Kind.SUPPLY, quantity=2, lot=lot, location=office),
                ItemIn(kind=Kind.NALOXONE_TRAINING, recipient_type=Recipient.SUPPORTER, supporter=supporter),
                ItemIn(kind=Kind.SAFER_USE_EDUCATION),
            ],
        ),
    )
    encounter_add_addendum(by=cast.supervisor, encounter=encounter, text="Robin asked for a second kit.")
    timeline = timeline_part(cast.client_for(cast.peer).get(detail_url(referral.participant)).content.decode())
    assert reverse("outreach:encounter_detail", args=[encounter.pk]) in timeline
    assert "In person, home, 40 minutes" in timeline
    assert "the participant; Robin (sister)" in timeline
    assert "2 × Naloxone nasal spray 4 mg (lot NX-2291), to Participant" in timeline
    assert "Naloxone training, to Robin (sister)" in timeline
    assert "Safer-use education, to Participant" in timeline
    assert "Stage of change: Thinking about it." in timeline and "Readiness: 6 of 10." in timeline
    assert "Keep my job" in timeline and "Visit the clinic Friday" in timeline
    # Notes are for the team (the only people who see this page), folded away from shoulder-surfers.
    assert "<summary>Notes (sensitive)</summary><p>Talked about the last overdose</p>" in timeline
    assert "Robin asked for a second kit." in timeline
    # The encounter's own first-contact attempt links back to it.
    assert "The encounter that followed" in timeline


def test_referral_entries_show_the_overdose_the_clock_and_link_to_the_referral(cast):
    received = dt.datetime(2025, 1, 15, 14, 0, tzinfo=dt.UTC)  # 9 am in Riverside
    referral = refer(cast, first_name="Ingrid", received_at=received, assign=False)
    timeline = timeline_part(cast.client_for(cast.peer).get(detail_url(referral.participant)).content.decode())
    assert reverse("referrals:detail", args=[referral.public_id]) in timeline
    assert "From: Emergency department" in timeline and "Riverside General ED" in timeline
    assert "Jan 16, 2025, 9:00 AM EST" in timeline
    assert "overdue" in timeline


def test_supporters_and_their_agreement_are_on_the_timeline_and_in_the_supporters_section(cast):
    referral = refer(cast, first_name="Ingrid", received_at=timezone.now() - dt.timedelta(hours=5))
    supporter_save(
        by=cast.peer,
        participant=referral.participant,
        first_name="Dana",
        relationship="friend",
        consent_to_contact=False,
    )
    supporter_save(
        by=cast.peer,
        participant=referral.participant,
        first_name="Robin",
        relationship="sister",
        consent_to_contact=True,
    )
    page = cast.client_for(cast.peer).get(detail_url(referral.participant)).content.decode()
    timeline = timeline_part(page)
    assert 'Dana, friend <span class="muted">(no agreement to contact them)</span>' in timeline
    assert "The participant agreed that the team may talk with Robin (sister)." in timeline
    assert timeline.count("<strong>Agreement recorded</strong>") == 1
    assert 'id="supporters-heading"' in page  # the supporters section, with its own add and edit links
    assert reverse("outreach:supporter_new", args=[referral.participant.public_id]) in page


def test_the_page_offers_adding_an_encounter_and_the_supporters(cast):
    referral = refer(cast, first_name="Ingrid", received_at=timezone.now() - dt.timedelta(hours=5))
    page = cast.client_for(cast.peer).get(detail_url(referral.participant)).content.decode()
    header = page.split('id="next-heading"')[0]
    assert reverse("outreach:encounter_new", args=[referral.participant.public_id]) in header
    assert 'href="#supporters-heading"' in header


# ---- the next due action ----


def test_an_open_referral_with_no_attempt_shows_its_deadline_first(cast):
    referral = refer(cast, first_name="Ingrid", received_at=timezone.now() - dt.timedelta(hours=19))
    actions = participant_next_actions(viewer=cast.peer, participant=referral.participant)
    assert [a.kind for a in actions] == ["contact"]
    assert re.fullmatch(r"Contact deadline: 4 h \d+ min left \(no attempt yet\)", actions[0].text)
    assert not actions[0].urgent
    section = next_part(cast.client_for(cast.peer).get(detail_url(referral.participant)).content.decode())
    assert "Contact deadline: 4 h" in section and "(no attempt yet)" in section
    assert reverse("outreach:attempt_new", args=[referral.public_id]) in section


def test_an_overdue_referral_is_urgent_and_counts_its_attempts(cast):
    referral = refer(cast, first_name="Ingrid", received_at=timezone.now() - dt.timedelta(hours=30))
    contact_attempt_record(by=cast.peer, referral=referral, mode="phone", outcome="no_answer")
    (action,) = participant_next_actions(viewer=cast.peer, participant=referral.participant)
    assert action.urgent
    assert re.fullmatch(r"Contact deadline: 6 h \d+ min overdue \(1 attempt so far, not reached yet\)", action.text)


def test_a_used_up_attempt_policy_asks_the_supervisor_to_decide(cast):
    referral = refer(cast, first_name="Ingrid", received_at=timezone.now() - dt.timedelta(days=9))
    for days_ago, mode in ((8, "phone"), (5, "text"), (1, "in_person")):
        contact_attempt_record(
            by=cast.peer,
            referral=referral,
            mode=mode,
            outcome="no_answer",
            attempted_at=timezone.now() - dt.timedelta(days=days_ago),
        )
    (action,) = participant_next_actions(viewer=cast.peer, participant=referral.participant)
    assert action.kind == "policy_exhausted"
    assert re.fullmatch(
        r"Attempt policy used up — supervisor to decide \(3 attempts over [89] days, not reached\)", action.text
    )
    section = next_part(cast.client_for(cast.peer).get(detail_url(referral.participant)).content.decode())
    assert "Attempt policy used up — supervisor to decide" in section
    assert reverse("referrals:detail", args=[referral.public_id]) in section


def test_after_contact_the_next_action_is_the_last_encounters_next_steps(cast):
    referral = refer(cast, first_name="Ingrid", received_at=timezone.now() - dt.timedelta(hours=5))
    encounter_record(
        by=cast.peer,
        participant=referral.participant,
        referral=referral,
        data=EncounterIn(
            mode="phone", occurred_at=timezone.now() - dt.timedelta(hours=2), next_steps="Ride to the clinic"
        ),
    )
    latest = encounter_record(
        by=cast.peer,
        participant=referral.participant,
        referral=referral,
        data=EncounterIn(mode="text", next_steps="Call back on Monday about housing"),
    )
    (action,) = participant_next_actions(viewer=cast.peer, participant=referral.participant)
    assert action.text == "Follow up: last encounter's next steps: Call back on Monday about housing"
    section = next_part(cast.client_for(cast.peer).get(detail_url(referral.participant)).content.decode())
    assert "Follow up: last encounter&#x27;s next steps: Call back on Monday about housing" in section
    assert reverse("outreach:encounter_detail", args=[latest.pk]) in section


def test_a_person_with_nothing_open_has_nothing_due(cast):
    referral = refer(cast, first_name="Ingrid", received_at=timezone.now() - dt.timedelta(hours=5))
    referral_transition(referral=referral, to_status=Status.CLOSED, reason=ClosingReason.DUPLICATE, by=cast.supervisor)
    assert participant_next_actions(viewer=cast.peer, participant=referral.participant) == []
    section = next_part(cast.client_for(cast.peer).get(detail_url(referral.participant)).content.decode())
    assert "Nothing is due" in section


# ---- a fixed cost, however long the history ----


def test_the_page_makes_the_same_number_of_queries_for_2_or_40_of_each_kind(cast, naloxone_lot):
    short = build_history(cast, naloxone_lot, first_name="Astrid", times=2)
    long = build_history(cast, naloxone_lot, first_name="Birgit", times=40)
    assert (
        Encounter.objects.filter(participant=long).count(),
        ContactAttempt.objects.filter(participant=long).count(),
        Supporter.objects.filter(participant=long).count(),
        ParticipantMerge.objects.filter(survivor=long).count(),
    ) == (40, 80, 40, 40)
    client = cast.client_for(cast.peer)
    client.get(detail_url(short))  # warm the session
    short_count, _page = page_queries(client, detail_url(short))
    long_count, long_page = page_queries(client, detail_url(long))
    assert short_count == long_count, (short_count, long_count)
    # Years of history are shown a page at a time, with a way to older entries.
    timeline = timeline_part(long_page)
    assert timeline.count("<li>") - timeline.count("<li>{%") == 200
    older = re.search(r'href="\?before=([^"#]+)#timeline-heading"', timeline).group(1)
    older_count, older_page = page_queries(client, detail_url(long) + f"?before={older}")
    assert older_count == long_count
    assert "Back to the newest entries" in older_page


def test_the_timeline_selector_is_one_query_per_kind_plus_prefetches(cast, naloxone_lot):
    participant = build_history(cast, naloxone_lot, first_name="Astrid", times=3)
    with assert_within_budget("participant_timeline (every kind)"):
        timeline = participant_timeline(viewer=cast.peer, participant=participant)
        shown = []
        for event in timeline.events:
            record = event.record
            if event.kind == EventKind.ENCOUNTER:
                shown += [(m.user, m.get_role_display()) for m in record.team.all()]
                shown += [(i.supply_item, i.lot, i.supporter) for i in record.items.all()]
                shown += [s.first_name for s in record.supporters_present.all()]
                shown += [a.author for a in record.addenda.all()]
                shown.append((record.author.username, record.referral.public_id))
            elif event.kind == EventKind.ATTEMPT:
                shown += [m.user for m in record.team.all()]
                shown.append(
                    (
                        record.referral.public_id,
                        record.supporter,
                        record.recorded_by,
                        getattr(record, "encounter", None),
                    )
                )
            elif event.kind == EventKind.CHANGE:
                shown.append((record.referral.public_id, record.changed_by, record.assigned_to))
            elif event.kind == EventKind.REFERRAL:
                shown.append((record.overdose_event.location, record.acuity.label, record.referring_agency))
            elif event.kind == EventKind.SUPPORTER_AGREED:
                shown.append(record.consent_recorded_by)
            elif event.kind == EventKind.MERGE:
                shown.append(record.merged_by)
    assert len(timeline.events) > 30 and shown


def _every_entry(participant: Participant) -> list[tuple[str, int]]:
    """What the whole history holds, straight from the tables."""
    rows = [(EventKind.REFERRAL, r.pk) for r in participant.referrals.all()]
    rows += [
        (EventKind.CHANGE, c.pk)
        for c in ReferralChange.objects.filter(referral__participant=participant).exclude(
            kind=ReferralChange.Kind.STATUS, from_status=""
        )
    ]
    rows += [(EventKind.ATTEMPT, a.pk) for a in ContactAttempt.objects.filter(participant=participant)]
    rows += [(EventKind.ENCOUNTER, e.pk) for e in Encounter.objects.filter(participant=participant)]
    supporters = Supporter.objects.filter(participant=participant)
    rows += [(EventKind.SUPPORTER_ADDED, s.pk) for s in supporters]
    rows += [(EventKind.SUPPORTER_AGREED, s.pk) for s in supporters if s.consent_recorded_at]
    rows += [(EventKind.MERGE, m.pk) for m in ParticipantMerge.objects.filter(survivor=participant)]
    return rows


@pytest.mark.parametrize("limit", [1, 3, 7])
def test_paging_through_the_timeline_shows_every_entry_once_even_at_equal_times(cast, naloxone_lot, limit):
    participant = build_history(cast, naloxone_lot, first_name="Astrid", times=3)
    # Entries of different kinds, and of the same kind, at the very same moment.
    moment = timezone.now() - dt.timedelta(hours=1)
    ContactAttempt.objects.filter(participant=participant).update(attempted_at=moment)
    Encounter.objects.filter(participant=participant).update(occurred_at=moment)
    Supporter.objects.filter(participant=participant).update(created_at=moment, consent_recorded_at=moment)
    seen, before = [], None
    for _page in range(500):
        timeline = participant_timeline(viewer=cast.peer, participant=participant, before=before, limit=limit)
        assert len(timeline.events) <= limit
        seen += timeline.events
        if timeline.older is None:
            break
        before = TimelineCursor.parse(timeline.older.token())  # through the URL and back
    keys = [(event.kind, event.record.pk) for event in seen]
    assert sorted(keys) == sorted(_every_entry(participant))
    assert len(keys) == len(set(keys))
    assert [event.sort_key for event in seen] == sorted((event.sort_key for event in seen), reverse=True)


@pytest.mark.parametrize("token", ["nonsense", "1.2", "99999999999999999999.1.1", "1.9.x", "<script>"])
def test_a_broken_link_to_older_entries_shows_the_newest_with_a_message(cast, token):
    referral = refer(cast, first_name="Ingrid", received_at=timezone.now() - dt.timedelta(hours=5))
    response = cast.client_for(cast.peer).get(detail_url(referral.participant), {"before": token})
    assert response.status_code == 200
    page = response.content.decode()
    assert "That link to older entries is not valid; showing the newest." in page
    assert "<strong>Referral received</strong>" in timeline_part(page)


def test_a_cursor_survives_its_round_trip():
    cursor = TimelineCursor(dt.datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=dt.UTC), 4, 12345)
    assert TimelineCursor.parse(cursor.token()) == cursor


# ---- privacy ----


def test_the_timeline_is_empty_for_anyone_outside_the_programs_team(cast):
    referral = refer(cast, first_name="Ingrid", received_at=timezone.now() - dt.timedelta(hours=5))
    contact_attempt_record(by=cast.peer, referral=referral, mode="phone", outcome="no_answer")
    for member in (cast.partner, cast.outsider):
        assert participant_timeline(viewer=member, participant=referral.participant).events == []
        assert participant_next_actions(viewer=member, participant=referral.participant) == []
        assert cast.client_for(member).get(detail_url(referral.participant)).status_code == 404


def test_merged_records_and_possible_duplicates_shown_on_the_page_are_audited_under_their_own_ids(cast):
    referral = refer(cast, first_name="Ingrid", received_at=timezone.now() - dt.timedelta(hours=5))
    participant = referral.participant
    twin = participant_create(program=cast.program, first_name="Ingrid", last_name="Lindkvist")
    participant_merge(survivor=participant, absorbed=twin, by=cast.supervisor)
    cast.client_for(cast.peer).get(detail_url(participant))
    view = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, user=cast.peer.user).latest("pk")
    assert view.participant_ids == [participant.pk]
    shown = AuditEvent.objects.filter(
        action=AuditEvent.Action.LIST, user=cast.peer.user, target_type="participants.participant"
    ).latest("pk")
    assert shown.participant_ids == [twin.pk]
    assert shown.path == detail_url(participant)
