"""The accounting of disclosures: per participant, what went to whom, when, under which consent and why;
shown to the team (audited as a read), printed or downloaded as CSV (audited as an export)."""

import csv
import io

from django.urls import reverse

from port.audit.models import AuditEvent
from port.consent.gate import disclose
from port.consent.models import Disclosure, InformationCategory
from port.testing.consent import record


def two_disclosures(cast, network, participant):
    consent = record(cast, participant, recipient_agency=network.treatment)
    handoff, _ = disclose(
        participant=participant,
        recipient=network.treatment,
        categories=[InformationCategory.IDENTITY, InformationCategory.CONTACT],
        purpose="Warm hand-off for intake",
        channel=Disclosure.Channel.HANDOFF,
        by=cast.peer,
    )
    provider_read, _ = disclose(
        participant=participant,
        recipient=network.treatment,
        categories=[InformationCategory.IDENTITY],
        purpose='=HYPERLINK("x")',
        channel=Disclosure.Channel.PROVIDER_VIEW,
        by=network.provider,
        recipient_user=network.provider.user,
    )
    return consent, handoff, provider_read


def url(name, participant) -> str:
    return reverse(f"consent:{name}", args=[participant.public_id])


def test_the_accounting_lists_what_to_whom_when_under_which_consent_and_why(cast, network, participant):
    consent, handoff, _read = two_disclosures(cast, network, participant)
    response = cast.client_for(cast.peer).get(url("accounting", participant))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Name and date of birth, Phone, address and where to find the person" in page
    assert "Riverside Recovery Clinic" in page and "Riverside Recovery Clinic (Paz Tester)" in page
    assert "Shared with a provider" in page and "Viewed by the provider" in page
    assert "Warm hand-off for intake" in page
    assert reverse("consent:detail", args=[consent.public_id]) in page
    assert "Disclosure to a named recipient, signed" in page
    event = AuditEvent.objects.filter(target_type="consent.disclosure").latest("seq")
    assert event.action == AuditEvent.Action.LIST and event.participant_ids == [participant.pk]
    assert sorted(event.target_ids) == sorted(str(d.pk) for d in Disclosure.objects.all())


def test_printing_the_accounting_is_audited_as_an_export(cast, network, participant):
    two_disclosures(cast, network, participant)
    response = cast.client_for(cast.peer).get(url("accounting_print", participant))
    page = response.content.decode()
    assert response.status_code == 200 and "Warm hand-off for intake" in page and "Printed" in page
    assert "data-print hidden" in page
    event = AuditEvent.objects.filter(target_type="consent.disclosure").latest("seq")
    assert event.action == AuditEvent.Action.EXPORT and "printed" in event.note


def test_the_accounting_downloads_as_csv_audited_as_an_export(cast, network, participant):
    consent, _handoff, _read = two_disclosures(cast, network, participant)
    response = cast.client_for(cast.peer).get(url("accounting_csv", participant))
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="disclosures-{participant.public_id}.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == [
        "When",
        "What",
        "To whom",
        "How",
        "Consent",
        "Consent signed on",
        "Consent id",
        "Purpose",
        "Disclosed by",
    ]
    assert len(rows) == 3
    newest, oldest = rows[1], rows[2]
    assert oldest[1] == "Name and date of birth; Phone, address and where to find the person"
    assert oldest[2] == "Riverside Recovery Clinic" and oldest[3] == "Shared with a provider"
    assert oldest[6] == str(consent.public_id) and oldest[7] == "Warm hand-off for intake"
    assert newest[7] == '\'=HYPERLINK("x")'  # never a formula in a spreadsheet
    event = AuditEvent.objects.filter(target_type="consent.disclosure").latest("seq")
    assert event.action == AuditEvent.Action.EXPORT and "CSV" in event.note


def test_an_empty_accounting_says_so(cast, participant):
    page = cast.client_for(cast.peer).get(url("accounting", participant)).content.decode()
    assert "Nothing has been disclosed outside the team." in page


def test_the_accounting_is_for_the_programs_team(cast, network, participant):
    two_disclosures(cast, network, participant)
    for name in ("accounting", "accounting_print", "accounting_csv"):
        for member in (
            cast.partner,
            network.provider,
            network.law_enforcement,
            network.analyst,
            network.first_responder,
        ):
            assert cast.client_for(member).get(url(name, participant)).status_code == 403
        assert cast.client_for(cast.outsider).get(url(name, participant)).status_code == 404
