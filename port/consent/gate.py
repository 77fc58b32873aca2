"""The one disclosure gate. Every path that sends participant data outside the team asks it:
a hand-off to a provider, a provider's view, an export with identities, an outside system's read.

It checks that an active consent covers that recipient and every category of information, records the
disclosure (what, to whom, when, under which consent) for the participant's accounting of disclosures,
audits it, and returns the 42 CFR 2.32 notice that must travel with what is disclosed.
"""

from collections.abc import Iterable

from django.db.models import Q
from django.utils.translation import gettext as _

from port.accounts.models import ApiToken, Membership, Organization, OrganizationKind, User
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.consent.models import DISCLOSING_KINDS, Consent, ConsentKind, Disclosure, InformationCategory
from port.participants.models import Participant

# 42 CFR 2.32(a)(1), as amended in 2024: the notice to accompany each disclosure made with consent.
NOTICE_2_32 = (
    "This record which has been disclosed to you is protected by federal confidentiality rules (42 CFR part 2). "
    "These rules prohibit you from using or disclosing this record, or testimony that describes the information "
    "contained in this record, in any civil, criminal, administrative, or legislative proceedings by any Federal, "
    "State, or local authority, against the patient, unless authorized by the consent of the patient, except as "
    "provided at 42 CFR 2.12(c)(5) or as authorized by a court in accordance with 42 CFR 2.64 or 2.65. In addition, "
    "the Federal rules prohibit you from making any other use or disclosure of this record unless at least one of "
    "the following applies: (i) Further use or disclosure is expressly permitted by the written consent of the "
    "individual whose information is being disclosed in this record or as otherwise permitted by 42 CFR part 2. "
    "(ii) You are a covered entity or business associate and have received the record for treatment, payment, or "
    "health care operations, or (iii) You have received the record from a covered entity or business associate as "
    "permitted by 45 CFR part 164, subparts A and E. A general authorization for the release of medical or other "
    "information is NOT sufficient to meet the required elements of written consent to further use or redisclose "
    "the record (see 42 CFR 2.31)."
)

# Agencies that may receive under a treatment, payment and operations consent's class of recipients.
TPO_AGENCY_KINDS = frozenset(
    {OrganizationKind.TREATMENT, OrganizationKind.EMERGENCY_DEPARTMENT, OrganizationKind.RECOVERY}
)


class DisclosureRefused(Exception):
    """No active consent covers this recipient and information. The message says what is missing."""


def consent_covering(*, participant: Participant, recipient: Organization, categories: Iterable[str]) -> Consent | None:
    """The active consent that covers `recipient` and every one of `categories`, if there is one."""
    wanted = set(categories)
    today = participant.program.today()
    candidates = (
        Consent.objects.in_force(today)
        .filter(participant=participant, kind__in=DISCLOSING_KINDS)
        .filter(Q(recipient_agency=recipient) | Q(kind=ConsentKind.TPO, recipient_agency__isnull=True))
        .select_related("program")
        .order_by("-recorded_at")
    )
    for consent in candidates:
        if consent.recipient_agency_id is None and recipient.kind not in TPO_AGENCY_KINDS:
            continue
        allowed = set(consent.information_categories)
        # Counseling notes need a consent of their own (45 CFR 164.508(a)(2), 42 CFR 2.31(b)).
        if InformationCategory.COUNSELING_NOTES in wanted and consent.kind != ConsentKind.COUNSELING_NOTES:
            continue
        if wanted <= allowed:
            return consent
    return None


def disclose(
    *,
    participant: Participant,
    recipient: Organization,
    categories: Iterable[str],
    purpose: str,
    channel: str,
    by: Membership | None = None,
    recipient_user: User | None = None,
    api_token: ApiToken | None = None,
) -> tuple[Disclosure, str]:
    """Ask the gate. Returns the recorded disclosure and the 2.32 notice to attach; raises DisclosureRefused."""
    categories = sorted(set(categories))
    if recipient.program_id != participant.program_id:
        raise DisclosureRefused(_("That recipient is not in this program's network."))
    if recipient.kind == OrganizationKind.LAW_ENFORCEMENT:
        raise DisclosureRefused(_("Substance-use records are never disclosed to law enforcement here."))
    consent = consent_covering(participant=participant, recipient=recipient, categories=categories)
    if consent is None:
        raise DisclosureRefused(
            _(
                "No active consent lets the program share this information with %(recipient)s. Record a consent "
                "that names them and covers: %(what)s."
            )
            % {"recipient": recipient.name, "what": ", ".join(str(InformationCategory(c).label) for c in categories)}
        )
    disclosure = Disclosure.objects.create(
        program_id=participant.program_id,
        participant=participant,
        consent=consent,
        recipient_agency=recipient,
        recipient_user=recipient_user,
        categories=categories,
        purpose=purpose[:300],
        channel=channel,
        disclosed_by=by.user if by else None,
    )
    audit_record(
        action=AuditEvent.Action.DISCLOSE,
        by=by,
        api_token=api_token,
        program=participant.program,
        user=recipient_user if by is None else None,
        target_type="consent.disclosure",
        target_ids=[disclosure.pk],
        participant_ids=[participant.pk],
        changes={"recipient": recipient.pk, "categories": categories, "consent": consent.pk},
        note=f"{channel} under consent {consent.pk}",
    )
    return disclosure, NOTICE_2_32
