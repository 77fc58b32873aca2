"""The roles issue 4 adds: EMS/fire and law enforcement partners send referrals and learn only their status;
law enforcement never sees substance-use details; providers and analysts start on their own pages."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from port.referrals.csv_import.services import IMPORT_ALL
from port.referrals.models import Channel, Referral, ReferralImport, Source
from port.testing.factories import submit_referral
from port.testing.referrals import good_row, make_csv
from port.testing.world import LAST_NAME, sensitive_world

NEW = reverse("referrals:new")
SENT = reverse("referrals:sent")


def minimal(**fields) -> dict:
    return {
        "first_name": "Jordan",
        "last_name": "Rivera",
        "location_notes": "Behind the gas station on Route 8",
        "acuity": "high",
        **fields,
    }


@pytest.mark.parametrize(
    ("role", "source", "agency"),
    [("first_responder", Source.EMS, "ems"), ("law_enforcement", Source.LAW_ENFORCEMENT, "police")],
)
def test_ems_and_law_enforcement_partners_send_referrals_with_the_staff_form(cast, role, source, agency):
    client = cast.client_for(getattr(cast, role))
    form = client.get(NEW)
    assert form.status_code == 200
    assert f'value="{source}" selected' in form.content.decode() or f'value="{source}" checked' in form.content.decode()
    response = client.post(NEW, minimal(source=source, external_id="RUN-1", substances=["fentanyl"]))
    assert response.status_code == 302
    assert response["Location"] == SENT
    referral = Referral.objects.get(external_id="RUN-1")
    assert referral.referring_agency == getattr(cast, agency)
    assert referral.channel == Channel.STAFF_FORM


@pytest.mark.parametrize(("role", "source"), [("first_responder", "ems"), ("law_enforcement", "law_enforcement")])
def test_ems_and_law_enforcement_partners_upload_a_csv_and_import_it(cast, role, source):
    client = cast.client_for(getattr(cast, role))
    assert client.get(reverse("referrals:import_upload")).status_code == 200
    raw = make_csv([good_row(1, source=source), good_row(2, source=source)]).encode()
    response = client.post(
        reverse("referrals:import_upload"), {"file": SimpleUploadedFile("run-log.csv", raw, content_type="text/csv")}
    )
    assert response.status_code == 302
    batch = ReferralImport.objects.get()
    assert client.get(reverse("referrals:import_preview", args=[batch.pk])).status_code == 200
    response = client.post(reverse("referrals:import_confirm", args=[batch.pk]), {"choice": IMPORT_ALL}, follow=True)
    assert response.status_code == 200
    assert Referral.objects.filter(referring_agency=getattr(cast, role).agency).count() == 2
    assert reverse("referrals:sent") in response.content.decode()  # "Sent referrals", not the team's queue


@pytest.mark.parametrize("role", ["first_responder", "law_enforcement"])
def test_new_partners_see_the_status_of_their_own_agencys_referrals_only(cast, role):
    member = getattr(cast, role)
    submit_referral(
        cast.program, agency=member.agency, by=member, first_name="Ownagency", last_name="Sent", external_id="OURS-1"
    )
    submit_referral(cast.program, agency=cast.ed, by=cast.partner, first_name="Otheragency", last_name="Sent")
    page = cast.client_for(member).get(SENT).content.decode()
    assert "Ownagency S." in page and "OURS-1" in page
    assert "Otheragency" not in page
    assert "Sent" not in page.split("Ownagency")[1][:3]  # first name and initial, not the last name


@pytest.mark.parametrize(
    ("role", "home"),
    [
        ("admin", "referrals:queue"),
        ("supervisor", "referrals:queue"),
        ("peer", "referrals:my_queue"),
        ("partner", "referrals:sent"),
        ("first_responder", "referrals:sent"),
        ("law_enforcement", "referrals:sent"),
        ("provider", "linkage:shared"),
    ],
)
def test_each_role_starts_its_day_on_its_own_page(cast, role, home):
    response = cast.client_for(getattr(cast, role)).get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse(home)


def test_an_analyst_starts_on_the_programs_figures(cast):
    response = cast.client_for(cast.analyst).get(reverse("home"))
    assert response.status_code == 200
    assert "Program figures" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "shown", "not_shown"),
    [
        ("first_responder", ["New referral", "Upload CSV", "Sent referrals", "Visits"], ["My queue", "Supplies"]),
        ("law_enforcement", ["New referral", "Upload CSV", "Sent referrals"], ["My queue", "Visits", "Supplies"]),
        ("analyst", ["Program figures"], ["New referral", "Sent referrals", "My queue", "Visits"]),
    ],
)
def test_the_navigation_offers_each_new_role_its_pages_only(cast, role, shown, not_shown):
    page = cast.client_for(getattr(cast, role)).get(SENT if role != "analyst" else reverse("home")).content.decode()
    nav = page.split('aria-label="Main"')[1].split("</nav>")[0]
    for label in shown:
        assert label in nav
    for label in not_shown:
        assert label not in nav


def test_law_enforcement_never_sees_substances_notes_or_assessments_of_what_it_sent(cast):
    world = sensitive_world(cast, agency=cast.police, by=cast.law_enforcement)
    client = cast.client_for(cast.law_enforcement)
    sent = client.get(SENT).content.decode()
    assert "Marisol Q." in sent and LAST_NAME not in sent
    for secret in ("isotonitazene", "REFNOTE", "ATTEMPTNOTE", "ENCNOTE", "GOALTEXT", "NEXTSTEPS", "Dog in the yard"):
        assert secret not in sent
    for url in (
        reverse("referrals:detail", args=[world.referral.public_id]),
        reverse("participants:detail", args=[world.participant.public_id]),
        reverse("participants:visit_sheet", args=[world.participant.public_id]),
        reverse("outreach:encounter_detail", args=[world.encounter.pk]),
        reverse("participants:search"),
    ):
        response = client.get(url)
        assert response.status_code in (403, 404), url
        body = response.content.decode()
        assert LAST_NAME not in body and "isotonitazene" not in body, url


def test_a_law_enforcement_partner_is_never_told_the_person_was_known_to_the_team(cast):
    submit_referral(
        cast.program, by=cast.peer, first_name="Marisol", last_name="Known", date_of_birth=dt.date(1990, 1, 2)
    )
    response = cast.client_for(cast.law_enforcement).post(
        NEW,
        minimal(source=Source.LAW_ENFORCEMENT, first_name="Marisol", last_name="Known", date_of_birth="1990-01-02"),
        follow=True,
    )
    page = response.content.decode()
    assert "Referral sent." in page
    for hint in ("already have a record", "existing record", "Possible duplicates"):
        assert hint not in page
