"""The encounter pages: recording one (after an attempt or from the participant's page), reading it,
editing it within the lock period, conflicts shown side by side, and addenda."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from port.accounts.models import FieldVisibility
from port.audit.models import AuditEvent
from port.outreach.models import ContactAttempt, Encounter, EncounterAddendum, EncounterItem, Mode, Outcome
from port.outreach.services import EncounterIn, contact_attempt_record, encounter_record, encounter_update
from port.referrals.models import Referral, Status
from port.supplies.models import Lot, StockBalance, StockLocation
from port.testing.outreach import a_supporter, assigned_referral
from port.testing.supplies import receive

Kind = EncounterItem.Kind


def new_url(participant, attempt=None) -> str:
    url = reverse("outreach:encounter_new", args=[participant.public_id])
    return f"{url}?attempt={attempt.pk}" if attempt else url


def local(cast, moment: dt.datetime) -> str:
    return timezone.localtime(moment, cast.program.zone).strftime("%Y-%m-%dT%H:%M")


def form_data(cast, membership=None, **data) -> dict:
    return {
        "occurred_at": local(cast, timezone.now() - dt.timedelta(minutes=30)),
        "mode": "in_person",
        "place": "home",
        "participant_present": "on",
        "team_users": [str((membership or cast.peer).user_id)],
        **data,
    }


def reached(cast, referral, outcome=Outcome.REACHED_PARTICIPANT, **kwargs) -> ContactAttempt:
    return contact_attempt_record(by=cast.peer, referral=referral, mode=Mode.PHONE, outcome=outcome, **kwargs)


# --- who may record --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("supervisor", 200),
        ("peer", 200),
        ("peer2", 200),
        ("partner", 403),
        ("partner_211", 403),
        ("outsider", 404),
    ],
)
def test_each_role_may_or_may_not_open_the_encounter_form(cast, participant, role, status):
    response = cast.client_for(getattr(cast, role)).get(new_url(participant))
    assert response.status_code == status


def test_an_attempt_of_another_participant_is_not_found(cast, participant, referral):
    other = assigned_referral(cast, first_name="Dana", last_name="Quill", phone="412-555-0199")
    theirs = reached(cast, other)
    assert cast.client_for(cast.peer).get(new_url(participant, theirs)).status_code == 404


# --- recording -------------------------------------------------------------------------------------


def test_after_an_attempt_the_form_is_prefilled_from_it(cast, referral):
    attempt = contact_attempt_record(
        by=cast.peer,
        referral=referral,
        mode=Mode.IN_PERSON,
        place="shelter",
        outcome=Outcome.REACHED_PARTICIPANT,
        attempted_at=timezone.now() - dt.timedelta(hours=2),
    )
    response = cast.client_for(cast.peer).get(new_url(referral.participant, attempt))
    form = response.context["form"]
    assert form["mode"].value() == "in_person"
    assert form["place"].value() == "shelter"
    # Shown on the program's clock, as the phone's date-time picker expects.
    assert form["occurred_at"].value() == timezone.localtime(attempt.attempted_at, cast.program.zone).replace(
        microsecond=0, tzinfo=None
    )
    assert local(cast, attempt.attempted_at) in response.content.decode()
    assert 'name="referral"' not in response.content.decode()  # the attempt's referral, fixed


def test_after_reaching_a_supporter_the_supporter_is_present_and_the_participant_not(cast, referral, supporter):
    attempt = reached(cast, referral, Outcome.REACHED_SUPPORTER, supporter=supporter)
    form = cast.client_for(cast.peer).get(new_url(referral.participant, attempt)).context["form"]
    assert form["participant_present"].value() is False
    assert form["supporters_present"].value() == [str(supporter.pk)]


def test_an_in_person_encounter_gives_two_kits_from_the_earliest_lot_and_trains_a_supporter(
    cast, referral, supporter, stock
):
    later, earliest = stock.lot("LATE", days=300), stock.lot("EARLY", days=60)
    receive(cast, later, stock.pat_bag, 4)
    receive(cast, earliest, stock.pat_bag, 4)
    receive(cast, earliest, stock.office, 10)
    attempt = contact_attempt_record(
        by=cast.peer, referral=referral, mode=Mode.IN_PERSON, outcome=Outcome.REACHED_PARTICIPANT
    )
    client = cast.client_for(cast.peer)
    page = client.get(new_url(referral.participant, attempt))
    form = page.context["form"]
    # The peer's own bag first, earliest expiry first: preselected.
    preselected = form[f"lot_{stock.naloxone.pk}"].value()
    assert preselected == str(StockBalance.objects.get(lot=earliest, location=stock.pat_bag).pk)
    response = client.post(
        new_url(referral.participant, attempt),
        form_data(
            cast,
            attempt=str(attempt.pk),
            supporters_present=[str(supporter.pk)],
            **{
                f"qty_{stock.naloxone.pk}": "2",
                f"lot_{stock.naloxone.pk}": preselected,
                f"to_{stock.naloxone.pk}": "participant",
                f"taught_{Kind.NALOXONE_TRAINING}": [f"supporter-{supporter.pk}", "participant"],
                "readiness": "4",
                "stage_of_change": "contemplation",
                "goals": "Keep my job",
                "notes": "Dog is friendly",
            },
        ),
    )
    encounter = Encounter.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("outreach:encounter_detail", args=[encounter.pk])
    assert StockBalance.objects.get(lot=earliest, location=stock.pat_bag).quantity == 2
    assert StockBalance.objects.get(lot=earliest, location=stock.office).quantity == 10
    assert encounter.attempt == attempt
    items = {(i.kind, i.recipient_type, i.supporter_id, i.quantity, i.lot_id) for i in encounter.items.all()}
    assert items == {
        (Kind.SUPPLY, "participant", None, 2, earliest.pk),
        (Kind.NALOXONE_TRAINING, "supporter", supporter.pk, 1, None),
        (Kind.NALOXONE_TRAINING, "participant", None, 1, None),
    }
    assert (encounter.readiness, encounter.stage_of_change, encounter.goals) == (4, "contemplation", "Keep my job")

    detail = client.get(response["Location"]).content.decode()
    assert "EARLY" in detail and "Robin (sister)" in detail and "Dog is friendly" in detail
    assert "4 out of 10" in detail


def test_without_a_bag_the_office_lot_is_offered(cast, participant, stock):
    lot = stock.lot("OFFICE1")
    receive(cast, lot, stock.office, 3)
    StockLocation.objects.filter(pk=stock.pat_bag.pk).update(is_active=False)
    form = cast.client_for(cast.peer).get(new_url(participant)).context["form"]
    assert form[f"lot_{stock.naloxone.pk}"].value() == str(StockBalance.objects.get(lot=lot).pk)


def test_expired_lots_and_other_peers_bags_are_not_offered(cast, participant, stock):
    quinn_bag = StockLocation.objects.create(
        program=cast.program, name="Quinn's bag", kind=StockLocation.Kind.BAG, holder=cast.peer2.user
    )
    good = stock.lot("GOOD")
    receive(cast, good, quinn_bag, 5)
    expiring = stock.lot("SOON", days=1)
    receive(cast, expiring, stock.office, 5)
    Lot.objects.filter(pk=expiring.pk).update(expires_on=stock.today - dt.timedelta(days=1))
    html = cast.client_for(cast.peer).get(new_url(participant)).content.decode()
    assert "GOOD" not in html and "SOON" not in html
    assert "None in your bag or vehicle or at the office: Naloxone intramuscular, Naloxone nasal spray 4 mg," in html


def test_refused_stock_keeps_everything_entered(cast, participant, stock):
    lot = stock.lot("FEW")
    receive(cast, lot, stock.pat_bag, 1)
    balance = StockBalance.objects.get(lot=lot)
    response = cast.client_for(cast.peer).post(
        new_url(participant),
        form_data(
            cast,
            **{
                f"qty_{stock.naloxone.pk}": "3",
                f"lot_{stock.naloxone.pk}": str(balance.pk),
                "goals": "Find a dentist",
                "notes": "Prefers texts",
                "duration_minutes": "25",
            },
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Only 1 of Naloxone nasal spray 4 mg lot FEW at Pat&#x27;s bag; cannot take 3." in html
    assert "Find a dentist" in html and "Prefers texts" in html and 'value="25"' in html
    assert re.search(rf'name="qty_{stock.naloxone.pk}" value="3"', html)
    assert not Encounter.objects.exists()
    assert StockBalance.objects.get(pk=balance.pk).quantity == 1


def test_a_supporter_without_agreement_is_not_offered_and_refused_if_posted(cast, participant):
    stranger = a_supporter(cast.peer, participant, first_name="Casey", agreed=False)
    client = cast.client_for(cast.peer)
    assert "Casey" not in client.get(new_url(participant)).content.decode()
    response = client.post(new_url(participant), form_data(cast, supporters_present=[str(stranger.pk)]))
    assert response.status_code == 200
    assert response.context["form"].errors["supporters_present"]
    assert not Encounter.objects.exists()


def test_someone_must_have_been_there(cast, participant):
    data = form_data(cast)
    del data["participant_present"]
    response = cast.client_for(cast.peer).post(new_url(participant), data)
    assert "Say who was there" in response.content.decode()


def test_no_field_forces_a_treatment_goal(cast, participant):
    data = {
        "occurred_at": local(cast, timezone.now()),
        "mode": "phone",
        "participant_present": "on",
        "team_users": [str(cast.peer.user_id)],
    }
    response = cast.client_for(cast.peer).post(new_url(participant), data)
    assert response.status_code == 302
    encounter = Encounter.objects.get()
    assert (encounter.goals, encounter.next_steps, encounter.stage_of_change, encounter.readiness) == ("", "", "", None)


def test_a_first_visit_from_the_participant_page_counts_as_the_first_contact(cast, referral):
    response = cast.client_for(cast.peer).post(
        new_url(referral.participant), form_data(cast, referral=str(referral.public_id))
    )
    assert response.status_code == 302
    referral = Referral.objects.get(pk=referral.pk)
    assert referral.status == Status.REACHED
    assert Encounter.objects.get().referral == referral


def test_an_attempt_that_reached_nobody_leads_back_to_the_referral(cast, referral):
    missed = reached(cast, referral, Outcome.NO_ANSWER)
    response = cast.client_for(cast.peer).get(new_url(referral.participant, missed))
    assert response["Location"] == reverse("referrals:detail", args=[referral.public_id])


def test_an_attempt_already_recorded_leads_to_its_encounter(cast, referral):
    attempt = reached(cast, referral)
    encounter = encounter_record(
        by=cast.peer, participant=referral.participant, attempt=attempt, data=EncounterIn(mode=Mode.PHONE)
    )
    response = cast.client_for(cast.peer).get(new_url(referral.participant, attempt))
    assert response["Location"] == reverse("outreach:encounter_detail", args=[encounter.pk])


def test_the_encounter_forms_queries_do_not_grow_with_supporters_or_lots(cast, participant, stock):
    client = cast.client_for(cast.peer)
    a_supporter(cast.peer, participant, first_name="Robin")
    receive(cast, stock.lot("A1"), stock.pat_bag, 3)
    client.get(new_url(participant))
    with CaptureQueriesContext(connection) as few:
        client.get(new_url(participant))
    for number, name in enumerate(("Casey", "Drew", "Emery", "Frankie")):
        a_supporter(cast.peer, participant, first_name=name)
        receive(cast, stock.lot(f"B{number}", days=100 + number), stock.pat_bag, 2)
        receive(cast, stock.lot(f"H{number}", item=stock.hygiene), stock.office, 2)
    with CaptureQueriesContext(connection) as many:
        response = client.get(new_url(participant))
    html = response.content.decode()
    assert "Frankie (sister)" in html and "B3 · exp." in html and "H3 · exp." in html
    assert len(many) == len(few), [q["sql"] for q in many]


# --- reading ---------------------------------------------------------------------------------------


@pytest.fixture
def encounter(cast, participant) -> Encounter:
    return encounter_record(
        by=cast.peer,
        participant=participant,
        data=EncounterIn(mode=Mode.IN_PERSON, goals="Sleep better", notes="Sensitive note"),
    )


def detail_url(encounter) -> str:
    return reverse("outreach:encounter_detail", args=[encounter.pk])


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("supervisor", 200),
        ("peer", 200),
        ("peer2", 200),
        ("partner", 403),
        ("partner_211", 403),
        ("outsider", 404),
    ],
)
def test_each_role_may_or_may_not_read_an_encounter(cast, encounter, role, status):
    response = cast.client_for(getattr(cast, role)).get(detail_url(encounter))
    assert response.status_code == status
    if status != 200:
        assert "Sensitive note" not in response.content.decode()


def test_reading_an_encounter_is_audited(cast, encounter):
    cast.client_for(cast.peer2).get(detail_url(encounter))
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.VIEW,
        target_type="outreach.encounter",
        target_ids=[str(encounter.pk)],
        user=cast.peer2.user,
    ).exists()


def test_the_author_sees_until_when_it_can_be_edited(cast, encounter):
    html = cast.client_for(cast.peer).get(detail_url(encounter)).content.decode()
    until = timezone.localtime(encounter.created_at + dt.timedelta(hours=72), cast.program.zone)
    assert "You can edit it until" in html
    assert until.strftime("%b") in html
    assert reverse("outreach:encounter_edit", args=[encounter.pk]) in html


def age(encounter, hours) -> None:
    Encounter.objects.filter(pk=encounter.pk).update(created_at=timezone.now() - dt.timedelta(hours=hours))


def test_once_locked_the_page_offers_an_addendum_instead_of_editing(cast, encounter):
    age(encounter, 100)
    html = cast.client_for(cast.peer).get(detail_url(encounter)).content.decode()
    assert "Locked since" in html
    assert reverse("outreach:encounter_edit", args=[encounter.pk]) not in html
    assert "Add addendum" in html


def test_an_addendum_is_added_under_the_encounter(cast, encounter):
    age(encounter, 100)
    response = cast.client_for(cast.peer).post(
        reverse("outreach:encounter_addendum", args=[encounter.pk]), {"text": "Also gave a bus pass."}
    )
    assert response.status_code == 302
    assert EncounterAddendum.objects.get().text == "Also gave a bus pass."
    assert "Also gave a bus pass." in cast.client_for(cast.peer).get(detail_url(encounter)).content.decode()


def test_an_empty_addendum_shows_an_error_on_the_page(cast, encounter):
    response = cast.client_for(cast.peer).post(
        reverse("outreach:encounter_addendum", args=[encounter.pk]), {"text": "  "}
    )
    assert response.status_code == 200
    assert "Write the addendum first." in response.content.decode()


def test_another_programs_encounter_cannot_get_an_addendum(cast, encounter):
    response = cast.client_for(cast.outsider).post(
        reverse("outreach:encounter_addendum", args=[encounter.pk]), {"text": "hello"}
    )
    assert response.status_code == 404
    assert not EncounterAddendum.objects.exists()


# --- editing ---------------------------------------------------------------------------------------


def edit_url(encounter) -> str:
    return reverse("outreach:encounter_edit", args=[encounter.pk])


def edit_data(cast, encounter, **changes) -> dict:
    return {
        "version": str(encounter.version),
        "occurred_at": local(cast, encounter.occurred_at),
        "mode": encounter.mode,
        "place": encounter.place,
        "participant_present": "on",
        "goals": encounter.goals,
        "next_steps": "",
        "notes": encounter.notes,
        "readiness": "",
        "stage_of_change": "",
        "duration_minutes": "",
        **changes,
    }


def test_the_author_edits_within_the_period(cast, encounter):
    client = cast.client_for(cast.peer)
    form_page = client.get(edit_url(encounter))
    assert 'name="version" value="1"' in form_page.content.decode()
    response = client.post(edit_url(encounter), edit_data(cast, encounter, goals="Sleep better; call my mom"))
    assert response.status_code == 302
    saved = Encounter.objects.get(pk=encounter.pk)
    assert (saved.goals, saved.version) == ("Sleep better; call my mom", 2)


def test_someone_else_cannot_edit(cast, encounter):
    assert cast.client_for(cast.peer2).get(edit_url(encounter)).status_code == 403
    response = cast.client_for(cast.peer2).post(edit_url(encounter), edit_data(cast, encounter, goals="x"))
    assert response.status_code == 403
    assert Encounter.objects.get(pk=encounter.pk).goals == "Sleep better"


def test_after_the_period_the_edit_form_sends_the_author_to_the_addendum(cast, encounter):
    age(encounter, 100)
    response = cast.client_for(cast.peer).get(edit_url(encounter))
    assert response["Location"] == detail_url(encounter)
    response = cast.client_for(cast.peer).post(edit_url(encounter), edit_data(cast, encounter, goals="late change"))
    assert "locked" in response.content.decode()
    assert "late change" in response.content.decode()  # kept, to copy into an addendum
    assert Encounter.objects.get(pk=encounter.pk).goals == "Sleep better"


def test_an_edit_conflict_shows_both_versions_and_overwrites_nothing(cast, encounter):
    client = cast.client_for(cast.peer)
    stale = edit_data(cast, encounter, goals="Mine: sleep better and walk daily")
    # Meanwhile the same encounter is saved from another tab or phone.
    encounter_update(by=cast.peer, encounter=encounter, version=1, goals="Theirs: see my kids")
    response = client.post(edit_url(encounter), stale)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else saved this encounter after you opened it" in html
    assert "Theirs: see my kids" in html  # saved (current)
    assert "Mine: sleep better and walk daily" in html  # yours, in the comparison and in the form
    assert 'name="version" value="2"' in html
    # Side by side: what differs, and (folded away) what is the same in both.
    assert [(str(label), theirs, yours) for label, theirs, yours in response.context["comparison"]] == [
        ("Their goals, in their own words", "Theirs: see my kids", "Mine: sleep better and walk daily")
    ]
    assert ("Notes (sensitive)", "Sensitive note", "Sensitive note") in [
        (str(label), theirs, yours) for label, theirs, yours in response.context["same"]
    ]
    saved = Encounter.objects.get(pk=encounter.pk)
    assert (saved.goals, saved.version) == ("Theirs: see my kids", 2)

    # Re-applying: the form now carries the current version, so saving it again applies my values knowingly.
    again = {**stale, "version": "2"}
    assert client.post(edit_url(encounter), again).status_code == 302
    assert Encounter.objects.get(pk=encounter.pk).goals == "Mine: sleep better and walk daily"


def test_an_edit_with_bad_values_keeps_them(cast, encounter):
    response = cast.client_for(cast.peer).post(
        edit_url(encounter), edit_data(cast, encounter, duration_minutes="forever", goals="new goal")
    )
    assert response.status_code == 200
    assert "Enter a whole number of minutes" in response.content.decode()
    assert "new goal" in response.content.decode()


def test_a_supply_item_without_stock_refuses_a_quantity(cast, participant, stock):
    response = cast.client_for(cast.peer).post(
        new_url(participant), form_data(cast, **{f"qty_{stock.hygiene.pk}": "1"})
    )
    assert response.status_code == 200
    assert "There is no Hygiene kit in your bag or vehicle or at the office." in response.content.decode()


def test_a_second_recipient_row_gives_the_same_item_to_someone_else(cast, participant, supporter, stock):
    lot = stock.lot("TWO")
    receive(cast, lot, stock.pat_bag, 5)
    balance = StockBalance.objects.get(lot=lot)
    response = cast.client_for(cast.peer).post(
        new_url(participant),
        form_data(
            cast,
            **{
                f"qty_{stock.naloxone.pk}": "1",
                f"lot_{stock.naloxone.pk}": str(balance.pk),
                f"to_{stock.naloxone.pk}": "participant",
                "extra_offer": str(balance.pk),
                "extra_qty": "2",
                "extra_to": f"supporter-{supporter.pk}",
            },
        ),
    )
    assert response.status_code == 302
    rows = sorted((i.recipient_type, i.quantity) for i in Encounter.objects.get().items.all())
    assert rows == [("participant", 1), ("supporter", 2)]
    assert StockBalance.objects.get(pk=balance.pk).quantity == 2


def hide_from_peers(cast, *groups) -> None:
    for group in groups:
        FieldVisibility.objects.create(program=cast.program, role="peer", group=group, visible=False)


def test_the_edit_form_shows_no_hidden_notes_or_assessments_and_keeps_them_on_save(cast, participant):
    encounter = encounter_record(
        by=cast.peer,
        participant=participant,
        data=EncounterIn(
            mode=Mode.IN_PERSON,
            goals="GOAL-hidden",
            next_steps="STEPS-hidden",
            stage_of_change="contemplation",
            readiness=7,
            notes="NOTE-hidden",
        ),
    )
    hide_from_peers(cast, FieldVisibility.Group.NOTES, FieldVisibility.Group.ASSESSMENTS)
    client = cast.client_for(cast.peer)
    html = client.get(edit_url(encounter)).content.decode()
    for secret in (
        "GOAL-hidden",
        "STEPS-hidden",
        "NOTE-hidden",
        'name="notes"',
        'name="goals"',
        'name="readiness"',
        'name="stage_of_change"',
        'name="next_steps"',
    ):
        assert secret not in html
    # Posted anyway (an old form, a crafted request): ignored; the stored values stay as they were.
    response = client.post(
        edit_url(encounter),
        edit_data(
            cast,
            encounter,
            goals="overwritten",
            notes="overwritten",
            next_steps="overwritten",
            readiness="1",
            duration_minutes="25",
        ),
    )
    assert response.status_code == 302
    saved = Encounter.objects.get(pk=encounter.pk)
    assert (saved.goals, saved.next_steps, saved.notes, saved.readiness, saved.stage_of_change) == (
        "GOAL-hidden",
        "STEPS-hidden",
        "NOTE-hidden",
        7,
        "contemplation",
    )
    assert saved.duration_minutes == 25


def test_an_edit_conflict_compares_no_hidden_field(cast, encounter):
    hide_from_peers(cast, FieldVisibility.Group.NOTES)
    client = cast.client_for(cast.peer)
    stale = edit_data(cast, encounter, duration_minutes="10")
    encounter_update(by=cast.peer, encounter=encounter, version=1, notes="Theirs: NOTE-changed")
    response = client.post(edit_url(encounter), stale)
    html = response.content.decode()
    assert "Someone else saved this encounter after you opened it" in html
    assert "NOTE-changed" not in html and "Sensitive note" not in html
    labels = {str(label) for label, _theirs, _yours in response.context["comparison"] + response.context["same"]}
    assert "Notes (sensitive)" not in labels
