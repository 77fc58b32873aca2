"""The one disclosure gate (port.consent.gate): nothing leaves the team without an active consent that
covers the recipient and every kind of information; what does leave is recorded and audited, and carries
the 42 CFR 2.32 notice."""

import contextlib
import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from port.audit.models import AuditEvent
from port.consent.gate import NOTICE_2_32, DisclosureRefused, consent_covering, disclose
from port.consent.models import Consent, ConsentKind, Disclosure, InformationCategory, SignatureMethod
from port.consent.services import consent_revoke
from port.testing.consent import record

HANDOFF = Disclosure.Channel.HANDOFF
IDENTITY, CONTACT, NOTES = InformationCategory.IDENTITY, InformationCategory.CONTACT, InformationCategory.NOTES
COUNSELING = InformationCategory.COUNSELING_NOTES


@contextlib.contextmanager
def clock(moment: dt.datetime):
    """Run as if it were `moment` (every timezone.now() call, in every module)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def share(cast, participant, recipient, categories, by=None):
    return disclose(
        participant=participant,
        recipient=recipient,
        categories=categories,
        purpose="Warm hand-off for an intake appointment",
        channel=HANDOFF,
        by=by or cast.peer,
    )


def test_nothing_is_disclosed_without_a_consent(cast, network, participant):
    with pytest.raises(
        DisclosureRefused,
        match="No active consent lets the program share this information with Riverside Recovery Clinic",
    ):
        share(cast, participant, network.treatment, [IDENTITY])
    assert not Disclosure.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DISCLOSE).exists()


def test_a_participation_consent_discloses_nothing(cast, network, participant):
    record(cast, participant, kind=ConsentKind.PARTICIPATION)
    with pytest.raises(DisclosureRefused):
        share(cast, participant, network.treatment, [IDENTITY])


def test_a_consent_that_expired_yesterday_in_the_programs_time_zone_discloses_nothing(cast, network, participant):
    # Riverside is on New York time. The consent runs through March 14 there.
    with clock(dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)):
        record(cast, participant, recipient_agency=network.treatment, expires_on=dt.date(2026, 3, 14), expiry_event="")
    # 03:00 UTC on the 15th is still 23:00 on the 14th in New York: in force.
    with clock(dt.datetime(2026, 3, 15, 3, 0, tzinfo=dt.UTC)):
        disclosure, _notice = share(cast, participant, network.treatment, [IDENTITY])
        assert disclosure.pk
    # 05:00 UTC is 01:00 on the 15th in New York: it expired yesterday, so nothing more goes out.
    with clock(dt.datetime(2026, 3, 15, 5, 0, tzinfo=dt.UTC)):
        with pytest.raises(DisclosureRefused):
            share(cast, participant, network.treatment, [IDENTITY])
    assert Disclosure.objects.count() == 1


def test_a_revoked_consent_discloses_nothing_from_the_moment_it_is_revoked(cast, network, participant):
    consent = record(cast, participant, recipient_agency=network.treatment)
    share(cast, participant, network.treatment, [IDENTITY])
    consent_revoke(by=cast.peer, consent=consent, note="Told Pat in person")
    with pytest.raises(DisclosureRefused):
        share(cast, participant, network.treatment, [IDENTITY])
    assert Disclosure.objects.count() == 1


def test_a_consent_naming_another_recipient_does_not_cover_this_one(cast, network, participant):
    record(cast, participant, recipient_agency=network.clinic)
    with pytest.raises(DisclosureRefused, match="Riverside Recovery Clinic"):
        share(cast, participant, network.treatment, [IDENTITY])


def test_information_the_consent_does_not_name_is_refused(cast, network, participant):
    record(cast, participant, recipient_agency=network.treatment, information_categories=[IDENTITY, CONTACT])
    with pytest.raises(DisclosureRefused, match="Notes from contacts and visits"):
        share(cast, participant, network.treatment, [IDENTITY, NOTES])
    disclosure, _notice = share(cast, participant, network.treatment, [CONTACT])
    assert disclosure.categories == [CONTACT]


def test_counseling_notes_need_a_consent_of_their_own_kind(cast, network, participant):
    # Even a disclosure consent that somehow lists counseling notes (written around the service) does not do.
    Consent.objects.create(
        program=cast.program,
        participant=participant,
        kind=ConsentKind.DISCLOSURE,
        disclosing_party="Riverside PORT",
        information_categories=[IDENTITY, COUNSELING],
        information_description="Name and counseling notes",
        recipient_agency=network.treatment,
        purpose="Care coordination",
        revocation_statement="Revocable at any time.",
        expiry_event="End of treatment",
        signature_method=SignatureMethod.VERBAL,
        witness_name="Quinn",
        signed_on=dt.date(2026, 1, 5),
        recorded_by=cast.peer.user,
    )
    with pytest.raises(DisclosureRefused):
        share(cast, participant, network.treatment, [COUNSELING])
    record(
        cast,
        participant,
        kind=ConsentKind.COUNSELING_NOTES,
        recipient_agency=network.treatment,
        information_categories=[COUNSELING],
        information_description="Counseling notes from sessions in 2026",
    )
    disclosure, _notice = share(cast, participant, network.treatment, [COUNSELING])
    assert disclosure.consent.kind == ConsentKind.COUNSELING_NOTES


def test_a_tpo_class_covers_a_treatment_agency_but_not_a_faith_group(cast, network, participant):
    record(
        cast,
        participant,
        kind=ConsentKind.TPO,
        purpose="For treatment, payment and health care operations",
        recipient_class="My treating providers, health plans, third-party payers, and people helping to operate "
        "this program",
    )
    for provider in (network.treatment, network.clinic, network.recovery, cast.ed):
        disclosure, _notice = share(cast, participant, provider, [IDENTITY])
        assert disclosure.consent.kind == ConsentKind.TPO
    with pytest.raises(DisclosureRefused, match="Grace Community Church"):
        share(cast, participant, network.faith, [IDENTITY])


def test_law_enforcement_never_receives_even_under_a_consent(cast, network, participant):
    Consent.objects.create(
        program=cast.program,
        participant=participant,
        kind=ConsentKind.DISCLOSURE,
        disclosing_party="Riverside PORT",
        information_categories=[IDENTITY],
        information_description="Name only",
        recipient_agency=network.police,
        purpose="Court",
        revocation_statement="Revocable at any time.",
        expiry_event="End of case",
        signature_method=SignatureMethod.VERBAL,
        witness_name="Quinn",
        signed_on=dt.date(2026, 1, 5),
        recorded_by=cast.peer.user,
    )
    with pytest.raises(DisclosureRefused, match="never disclosed to law enforcement"):
        share(cast, participant, network.police, [IDENTITY])


def test_a_recipient_of_another_program_is_refused(cast, participant):
    with pytest.raises(DisclosureRefused, match="not in this program's network"):
        share(cast, participant, cast.other_agency, [IDENTITY])


def test_a_disclosure_is_recorded_audited_and_carries_the_2_32_notice(cast, network, participant):
    consent = record(cast, participant, recipient_agency=network.treatment)
    disclosure, notice = share(cast, participant, network.treatment, [CONTACT, IDENTITY])
    assert notice == NOTICE_2_32 and "42 CFR part 2" in notice
    assert (disclosure.participant, disclosure.consent, disclosure.recipient_agency) == (
        participant,
        consent,
        network.treatment,
    )
    assert disclosure.categories == [CONTACT, IDENTITY] and disclosure.channel == HANDOFF
    assert disclosure.purpose == "Warm hand-off for an intake appointment"
    assert disclosure.disclosed_by == cast.peer.user and disclosure.disclosed_at <= timezone.now()
    event = AuditEvent.objects.get(action=AuditEvent.Action.DISCLOSE)
    assert event.target_type == "consent.disclosure" and event.target_ids == [str(disclosure.pk)]
    assert event.participant_ids == [participant.pk] and event.user == cast.peer.user
    assert event.changes == {
        "recipient": network.treatment.pk,
        "categories": [CONTACT, IDENTITY],
        "consent": consent.pk,
    }


def test_consent_covering_picks_an_active_consent_covering_everything_asked(cast, network, participant):
    older = record(cast, participant, recipient_agency=network.treatment, information_categories=[IDENTITY])
    newer = record(cast, participant, recipient_agency=network.treatment, information_categories=[IDENTITY, CONTACT])
    assert consent_covering(participant=participant, recipient=network.treatment, categories=[IDENTITY]) == newer
    assert (
        consent_covering(participant=participant, recipient=network.treatment, categories=[IDENTITY, CONTACT]) == newer
    )
    consent_revoke(by=cast.peer, consent=newer, note="By phone")
    assert consent_covering(participant=participant, recipient=network.treatment, categories=[IDENTITY]) == older
    assert consent_covering(participant=participant, recipient=network.treatment, categories=[CONTACT]) is None
