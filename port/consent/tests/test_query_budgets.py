"""Query budgets: the consent pages cost the same however many people, consents or disclosures they show."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from port.consent.gate import disclose
from port.consent.models import Disclosure, InformationCategory
from port.consent.selectors import participant_consents
from port.testing.budgets import assert_within_budget
from port.testing.consent import record
from port.testing.factories import submit_referral

IDENTITY, REFERRAL_STATUS = InformationCategory.IDENTITY, InformationCategory.REFERRAL_STATUS


def hand_off_people(cast, network, names) -> None:
    for first in names:
        person = submit_referral(
            cast.program, first_name=first, last_name="Example", phone=f"412-555-02{ord(first[0]) - ord('A'):02d}"
        ).participant
        record(cast, person, recipient_agency=network.treatment)
        disclose(
            participant=person,
            recipient=network.treatment,
            categories=[IDENTITY, REFERRAL_STATUS],
            purpose="Intake",
            channel=Disclosure.Channel.HANDOFF,
            by=cast.peer,
        )


def queries(client, url) -> int:
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_accounting_costs_the_same_for_one_or_many_disclosures(cast, network, participant):
    record(cast, participant, recipient_agency=network.treatment)
    client = cast.client_for(cast.peer)
    url = reverse("consent:accounting", args=[participant.public_id])

    def share(times):
        for _ in range(times):
            disclose(
                participant=participant,
                recipient=network.treatment,
                categories=[IDENTITY],
                purpose="Intake",
                channel=Disclosure.Channel.PROVIDER_VIEW,
                by=network.provider,
                recipient_user=network.provider.user,
            )

    share(1)
    one = queries(client, url)
    share(9)
    ten = queries(client, url)
    assert one == ten, (one, ten)


def test_the_consents_card_is_one_query_however_many_consents(cast, network, participant):
    for _ in range(4):
        record(cast, participant, recipient_agency=network.treatment)
    with assert_within_budget("participant_consents"):
        rows = participant_consents(viewer=cast.peer, participant=participant)
        shown = [(row.recipient, row.status.label, row.categories) for row in rows]
    assert len(shown) == 4
