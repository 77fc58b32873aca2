"""No page with participant data may stay in a browser's or a proxy's cache: a field phone is shared."""

import datetime as dt

import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import reverse

from port.testing.referrals import confirm, good_row, uploaded
from port.testing.world import sensitive_world


def assert_not_stored(response) -> None:
    assert response.status_code == 200, response.status_code
    assert "no-store" in response["Cache-Control"]


def test_the_participant_page_the_referral_page_and_the_encounter_page_are_not_stored(cast):
    world = sensitive_world(cast)
    client = cast.client_for(cast.peer)
    for url in (
        reverse("participants:detail", args=[world.participant.public_id]),
        reverse("referrals:detail", args=[world.referral.public_id]),
        reverse("outreach:encounter_detail", args=[world.encounter.pk]),
        reverse("outreach:encounter_edit", args=[world.encounter.pk]),
    ):
        assert_not_stored(client.get(url))


def test_the_queues_and_the_search_results_are_not_stored(cast):
    sensitive_world(cast)
    assert_not_stored(cast.client_for(cast.supervisor).get(reverse("referrals:queue")))
    peer = cast.client_for(cast.peer)
    assert_not_stored(peer.get(reverse("referrals:my_queue")))
    assert_not_stored(peer.post(reverse("participants:search"), {"q": "Marisol"}))
    assert_not_stored(cast.client_for(cast.partner).get(reverse("referrals:sent")))


@time_machine.travel(dt.datetime(2026, 6, 10, 16, 0, tzinfo=dt.UTC), tick=False)
def test_every_csv_and_print_view_is_not_stored(cast):
    world = sensitive_world(cast)
    supervisor = cast.client_for(cast.supervisor)
    public_id = world.participant.public_id
    for url in (
        reverse("audit:participant_trail_csv", args=[public_id]),
        reverse("audit:user_trail_csv") + f"?user={cast.peer.user.pk}&start=2026-06-01&end=2026-06-10",
        reverse("audit:break_glass_csv"),
        reverse("consent:accounting_csv", args=[public_id]),
        reverse("consent:accounting_print", args=[public_id]),
        reverse("participants:visit_sheet", args=[public_id]),
    ):
        client = cast.client_for(cast.first_responder) if "visit-sheet" in url else supervisor
        assert_not_stored(client.get(url))
    batch = uploaded(cast, [good_row(1), good_row(2, phone="")])
    partner = cast.client_for(cast.partner)
    confirm(partner, batch, "valid_only")
    assert_not_stored(partner.get(reverse("referrals:import_rejected", args=[batch.pk])))


def test_the_api_and_the_public_page_are_not_stored_either(cast):
    assert_not_stored(Client().get(reverse("public:help", args=[cast.program.slug])))
    assert_not_stored(cast.client_for(cast.peer).get(reverse("home"), follow=True))


def test_a_view_that_sets_its_own_cache_control_keeps_it(cast):
    response = Client().get(reverse("login"))
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


@pytest.mark.django_db
@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_static_files_keep_their_long_caching():
    response = Client().get("/static/core/app.css")
    assert response.status_code == 200
    assert "no-store" not in response["Cache-Control"] and "max-age" in response["Cache-Control"]
