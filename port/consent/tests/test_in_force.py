"""Consent in force: the one queryset rule the gate, the provider's list and the tests all use."""

import datetime as dt

from django.utils import timezone

from port.consent.models import DISCLOSING_KINDS, Consent, ConsentKind, Disclosure, in_force_q
from port.testing.consent import record


def test_in_force_means_not_revoked_and_not_past_its_expiry_day(cast, network, participant):
    today = cast.program.today()
    open_ended = record(
        cast, participant, recipient_agency=network.treatment, expiry_event="Until I say", expires_on=None
    )
    last_day = record(cast, participant, recipient_agency=network.treatment, expiry_event="", expires_on=today)
    revoked = record(cast, participant, recipient_agency=network.treatment)
    Consent.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    assert set(Consent.objects.in_force(today)) == {open_ended, last_day}
    # The day after its expiry date, on the program's calendar, it no longer is.
    assert set(Consent.objects.in_force(today + dt.timedelta(days=1))) == {open_ended}


def test_the_same_rule_reaches_a_consent_through_a_disclosure(cast, network, participant):
    consent = record(cast, participant, recipient_agency=network.treatment)
    today = cast.program.today()
    assert list(Disclosure.objects.filter(in_force_q(today, prefix="consent__"))) == list(
        Disclosure.objects.filter(consent__in=Consent.objects.in_force(today))
    )
    assert Consent.objects.in_force(today).filter(pk=consent.pk).exists()


def test_participation_is_not_a_disclosing_kind():
    assert ConsentKind.PARTICIPATION not in DISCLOSING_KINDS
    assert set(DISCLOSING_KINDS) == {ConsentKind.DISCLOSURE, ConsentKind.TPO, ConsentKind.COUNSELING_NOTES}
