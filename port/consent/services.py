"""Writes for consents: record one with every element 42 CFR 2.31 requires, and revoke one.

Consents are never edited. A change of mind is a revocation (in force at once) and, if wanted, a new
consent. Disclosures are not written here: they go through the one gate, port.consent.gate.
"""

import base64
import binascii
import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from port.accounts.models import Membership, Organization, OrganizationKind
from port.accounts.roles import TEAM_ROLES
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.consent.models import Consent, ConsentKind, InformationCategory, SignatureMethod
from port.consent.wording import LANGUAGES
from port.participants.models import Participant

PNG_DATA_URL_PREFIX = "data:image/png;base64,"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_SIGNATURE_BYTES = 200 * 1024
SHORT_TEXT = 200  # the model's CharFields
MAX_DESCRIPTION = 2000
MAX_PURPOSE = 1000
MAX_REVOCATION_STATEMENT = 2000
MAX_REVOCATION_NOTE = 300
MIN_DESCRIPTION = 10

# Kinds that name one organization as the recipient; TPO names a class; participation names nobody outside.
NAMED_RECIPIENT_KINDS = frozenset({ConsentKind.DISCLOSURE, ConsentKind.COUNSELING_NOTES})

# A "general release" (2.31: the information must be described specifically): "all records", "any and all
# information", "entire file", "everything", and the same in Spanish, since consents are also taken in Spanish.
_RECORD_WORDS = r"(?:records?|information|info|files?|documents?|data|charts?)"
GENERAL_RELEASE = re.compile(
    r"\b(?:all|any)\s+(?:and\s+all\s+)?(?:of\s+)?(?:(?:my|the|his|her|their|your)\s+)?"
    r"(?:(?:medical|health|treatment|case|clinical|program|personal|protected)\s+)?" + _RECORD_WORDS + r"\b"
    r"|\bany\s+and\s+all\b"
    r"|\b(?:entire|complete|whole|full)\s+(?:(?:medical|health|treatment|case|clinical)\s+)?"
    r"(?:file|record|chart|history)s?\b"
    r"|\beverything\b"
    r"|\btod[oa]s?\s+(?:(?:los|las|mis|sus)\s+)?(?:registros|expedientes|archivos|datos|documentos)\b"
    r"|\btoda\s+(?:la\s+|mi\s+|su\s+)?informaci[oó]n\b"
    r"|\b(?:expediente|historial|registro)\s+(?:m[eé]dico\s+)?complet[oa]\b"
    r"|\bcualquier\s+informaci[oó]n\b",
    re.IGNORECASE,
)
# A class of recipients may never smuggle in law enforcement (42 CFR Part 2 and DESIGN.md section 4).
LAW_ENFORCEMENT_WORDS = re.compile(
    r"\b(?:police|sheriff|law\s+enforcement|polic[ií]a|alguacil|fuerzas\s+del\s+orden)\b", re.IGNORECASE
)


def _is_general_release(text: str) -> bool:
    return bool(GENERAL_RELEASE.search(text))


def _check_signature_image(value: str) -> str | None:
    """Why the drawn signature is not acceptable, or None: it must be a PNG data URL of at most 200 KB."""
    if not value.startswith(PNG_DATA_URL_PREFIX):
        return _("The drawn signature did not arrive as a picture. Clear the pad and sign again.")
    encoded = value[len(PNG_DATA_URL_PREFIX) :]
    # Base64 is 4 characters per 3 bytes: refuse an oversized one before decoding it.
    if len(encoded) > (MAX_SIGNATURE_BYTES * 4) // 3 + 4:
        return _("The drawn signature is too large (over 200 KB). Clear the pad and sign again.")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return _("The drawn signature did not arrive as a picture. Clear the pad and sign again.")
    if not raw.startswith(PNG_MAGIC):
        return _("The drawn signature did not arrive as a picture. Clear the pad and sign again.")
    if len(raw) > MAX_SIGNATURE_BYTES:
        return _("The drawn signature is too large (over 200 KB). Clear the pad and sign again.")
    return None


# Messages for elements left empty, shared with the forms so that a form says the same as the service.
REQUIRED = {
    "information_categories": gettext_lazy(
        "Choose at least one kind of information. A general release is not allowed: the information must be "
        "described specifically."
    ),
    "information_description": gettext_lazy(
        "Describe the information specifically: what kind and how much, for example “name, phone and whether the "
        "person was reached after the overdose of March 3”."
    ),
    "purpose": gettext_lazy(
        "Say what the information is for, for example “to arrange treatment at the recipient's clinic”."
    ),
    "revocation_statement": gettext_lazy("State the right to revoke this consent and how to do it."),
    "signature_method": gettext_lazy(
        "Choose how the consent was given: signed on the screen, or verbally with a witness."
    ),
    "signed_on": gettext_lazy("Give the date the consent was signed or given."),
    "note": gettext_lazy(
        "Say how the participant revoked, for example “told Pat by phone on March 4” or “letter received March 4”."
    ),
}


class _Errors:
    """Collects a message per element, so the form can show every problem at once."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(message)

    def too_long(self, field: str, value: str, limit: int, what: str) -> None:
        if len(value) > limit:
            self.add(
                field,
                _("%(what)s is too long: at most %(limit)d characters (it has %(count)d).")
                % {"what": what, "limit": limit, "count": len(value)},
            )

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def _check_team(by: Membership, participant: Participant) -> None:
    if by.role not in TEAM_ROLES or participant.program_id != by.program_id or participant.merged_into_id:
        raise PermissionDenied


def consent_check(
    *,
    by: Membership,
    participant: Participant,
    kind: str,
    information_categories: Iterable[str],
    information_description: str,
    purpose: str,
    revocation_statement: str,
    signature_method: str,
    signed_on: dt.date | None,
    language: str = "en",
    disclosing_party: str = "",
    recipient_agency: Organization | None = None,
    recipient_class: str = "",
    expires_on: dt.date | None = None,
    expiry_event: str = "",
    signature_image: str = "",
    witness_name: str = "",
    signed_by_name: str = "",
    signer_authority: str = "",
) -> dict:
    """Check every element of a consent against 42 CFR 2.31 and the program's rules, writing nothing.

    Returns the elements as they will be stored; raises ValidationError with a message per element that
    is missing or not acceptable. consent_record uses it; a form uses it to show every problem at once.
    """
    _check_team(by, participant)
    errors = _Errors()
    today = by.program.today()
    categories = list(dict.fromkeys(information_categories or []))
    information_description = (information_description or "").strip()
    purpose = (purpose or "").strip()
    revocation_statement = (revocation_statement or "").strip()
    disclosing_party = (disclosing_party or "").strip() or by.program.name
    recipient_class = (recipient_class or "").strip()
    expiry_event = (expiry_event or "").strip()
    witness_name = (witness_name or "").strip()
    signed_by_name = (signed_by_name or "").strip()
    signer_authority = (signer_authority or "").strip()
    signature_image = (signature_image or "").strip()

    # (1) The participant's name.
    if not (participant.first_name or participant.last_name):
        errors.add("__all__", _("A consent must name the participant. Add their name to the record first."))
    if kind not in ConsentKind.values:
        errors.add(
            "kind",
            _(
                "Choose the kind of consent: participation, disclosure to a named recipient, "
                "treatment-payment-operations, or counseling notes."
            ),
        )
    if language not in LANGUAGES:
        errors.add("language", _("Choose English or Spanish for the consent form."))

    # (2) Who may disclose.
    errors.too_long("disclosing_party", disclosing_party, SHORT_TEXT, _("Who may disclose"))

    # (3) What information, described specifically: a general release is refused.
    unknown = [c for c in categories if c not in InformationCategory.values]
    if unknown:
        errors.add("information_categories", _("Choose the kinds of information from the list."))
    elif not categories:
        errors.add("information_categories", str(REQUIRED["information_categories"]))
    elif kind == ConsentKind.COUNSELING_NOTES and InformationCategory.COUNSELING_NOTES not in categories:
        errors.add("information_categories", _("A counseling-notes consent must include counseling notes."))
    elif kind != ConsentKind.COUNSELING_NOTES and InformationCategory.COUNSELING_NOTES in categories:
        errors.add(
            "information_categories",
            _("Counseling notes need a consent of their own: record a counseling-notes consent for them."),
        )
    if not information_description:
        errors.add("information_description", str(REQUIRED["information_description"]))
    elif _is_general_release(information_description):
        errors.add(
            "information_description",
            _(
                "A general release is not allowed. Describe the information specifically (what kind and how much) "
                "instead of “all records”, “any and all information”, “entire file” or “everything”."
            ),
        )
    elif len(information_description) < MIN_DESCRIPTION:
        errors.add(
            "information_description",
            _("Describe the information specifically, in a few words at least: what kind and how much."),
        )
    errors.too_long("information_description", information_description, MAX_DESCRIPTION, _("The description"))

    # (4) To whom: an organization from the program's directory, or a class for TPO; never law enforcement.
    if kind in NAMED_RECIPIENT_KINDS:
        if recipient_class:
            errors.add(
                "recipient_class",
                _(
                    "Name one organization from the directory; a class of recipients is "
                    "only for a treatment-payment-operations consent."
                ),
            )
        if recipient_agency is None:
            errors.add("recipient_agency", _("Choose the recipient from the program's directory of organizations."))
        elif recipient_agency.program_id != by.program_id:
            errors.add("recipient_agency", _("Choose the recipient from this program's directory of organizations."))
        elif recipient_agency.kind == OrganizationKind.LAW_ENFORCEMENT:
            errors.add(
                "recipient_agency",
                _(
                    "Law enforcement agencies cannot receive substance-use information (42 CFR Part 2). Choose "
                    "another recipient."
                ),
            )
        elif recipient_agency.kind == OrganizationKind.PORT_TEAM:
            errors.add(
                "recipient_agency",
                _("That is the program's own team, which needs no disclosure consent. Choose an outside recipient."),
            )
    elif kind == ConsentKind.TPO:
        if recipient_agency is not None:
            errors.add(
                "recipient_agency",
                _(
                    "A treatment-payment-operations consent names a class of recipients, not one organization. To "
                    "name one organization, record a disclosure consent."
                ),
            )
        if not recipient_class:
            errors.add(
                "recipient_class",
                _(
                    "Describe the class of recipients, for example “my treating providers, health plans, third-party "
                    "payers, and people helping to operate this program”."
                ),
            )
        elif LAW_ENFORCEMENT_WORDS.search(recipient_class):
            errors.add(
                "recipient_class",
                _(
                    "Law enforcement cannot receive substance-use information (42 CFR Part 2). Remove it from the "
                    "class of recipients."
                ),
            )
        errors.too_long("recipient_class", recipient_class, SHORT_TEXT, _("The class of recipients"))
    elif kind == ConsentKind.PARTICIPATION and (recipient_agency is not None or recipient_class):
        errors.add(
            "recipient_agency",
            _(
                "A participation consent covers the program's own team and names no outside recipient. To share with "
                "someone, record a disclosure consent."
            ),
        )

    # (5) Purpose.
    if not purpose:
        errors.add("purpose", str(REQUIRED["purpose"]))
    errors.too_long("purpose", purpose, MAX_PURPOSE, _("The purpose"))

    # (6) The right to revoke and how.
    if not revocation_statement:
        errors.add("revocation_statement", str(REQUIRED["revocation_statement"]))
    errors.too_long(
        "revocation_statement",
        revocation_statement,
        MAX_REVOCATION_STATEMENT,
        _("The statement of the right to revoke"),
    )

    # (7) Expiry date or event.
    if expires_on is None and not expiry_event:
        errors.add("expires_on", _("Give the date this consent expires, or the event that ends it (or both)."))
    if expires_on is not None and expires_on < today:
        errors.add("expires_on", _("The expiry date is in the past. Give today or a later date."))
    errors.too_long("expiry_event", expiry_event, SHORT_TEXT, _("The expiry event"))

    # (8) Signature: drawn on the screen, or verbal with a witness.
    if signature_method == SignatureMethod.DRAWN:
        if not signature_image:
            errors.add(
                "signature_image",
                _(
                    "The signature pad is empty. Ask the person to sign on the screen, or "
                    "record verbal consent with a witness."
                ),
            )
        else:
            problem = _check_signature_image(signature_image)
            if problem:
                errors.add("signature_image", problem)
    elif signature_method == SignatureMethod.VERBAL:
        signature_image = ""  # a verbal consent has no drawing, whatever the pad held
        if not witness_name:
            errors.add("witness_name", _("Verbal consent needs a witness: give the witness's name."))
    else:
        errors.add("signature_method", str(REQUIRED["signature_method"]))
    errors.too_long("witness_name", witness_name, SHORT_TEXT, _("The witness's name"))

    # (9) Date signed.
    if signed_on is None:
        errors.add("signed_on", str(REQUIRED["signed_on"]))
    elif signed_on > today:
        errors.add("signed_on", _("The date signed is in the future. Give the day it was signed or given."))

    # (10) Who signed, if not the participant, and their authority.
    if signed_by_name and not signer_authority:
        errors.add("signer_authority", _("Say what authority the person signing has, for example “legal guardian”."))
    if signer_authority and not signed_by_name:
        errors.add("signed_by_name", _("Give the name of the person who signed for the participant."))
    errors.too_long("signed_by_name", signed_by_name, SHORT_TEXT, _("The name of the person signing"))
    errors.too_long("signer_authority", signer_authority, SHORT_TEXT, _("Their authority"))

    errors.raise_if_any()
    named = kind in NAMED_RECIPIENT_KINDS
    return {
        "kind": kind,
        "language": language,
        "disclosing_party": disclosing_party,
        "information_categories": categories,
        "information_description": information_description,
        "recipient_agency": recipient_agency if named else None,
        "recipient_class": recipient_class if kind == ConsentKind.TPO else "",
        "purpose": purpose,
        "revocation_statement": revocation_statement,
        "expires_on": expires_on,
        "expiry_event": expiry_event,
        "signature_method": signature_method,
        "signature_image": signature_image,
        "witness_name": witness_name,
        "signed_on": signed_on,
        "signed_by_name": signed_by_name,
        "signer_authority": signer_authority,
    }


def consent_record(*, by: Membership, participant: Participant, **elements: Any) -> Consent:
    """Record a consent the participant gave, with every element of 42 CFR 2.31 (see consent_check for
    the elements and the rules: a general release, a typed-in recipient, law enforcement as a recipient, a
    missing or past expiry, a signature that is not a small PNG are all refused with a message per
    element). Only the program's team records consents (PermissionDenied otherwise). Audited."""
    values = consent_check(by=by, participant=participant, **elements)
    with transaction.atomic():
        consent = Consent.objects.create(
            program_id=by.program_id, participant=participant, recorded_by=by.user, **values
        )
        # Structured elements only: no free text and no signature in the audit trail.
        audit_record(
            action=AuditEvent.Action.CREATE,
            by=by,
            target_type="consent.consent",
            target_ids=[consent.pk],
            participant_ids=[participant.pk],
            changes={
                "kind": consent.kind,
                "categories": consent.information_categories,
                "recipient_agency": consent.recipient_agency_id,
                "expires_on": consent.expires_on,
                "signature_method": consent.signature_method,
                "signed_on": consent.signed_on,
                "language": consent.language,
            },
        )
    return consent


def consent_revoke(*, by: Membership, consent: Consent, note: str) -> Consent:
    """Revoke a consent, in force at once: from this moment the gate discloses nothing under it, and
    providers who received the person under it no longer see them. `note` says how the participant
    revoked (for example "letter received 3/4" or "told Pat by phone"). Audited."""
    if by.role not in TEAM_ROLES or consent.program_id != by.program_id:
        raise PermissionDenied
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [str(REQUIRED["note"])]})
    if len(note) > MAX_REVOCATION_NOTE:
        raise ValidationError({"note": [_("Keep the note to %(limit)d characters.") % {"limit": MAX_REVOCATION_NOTE}]})
    with transaction.atomic():
        locked = Consent.objects.select_for_update().get(pk=consent.pk)
        if locked.revoked_at is not None:
            raise ValidationError(_("This consent was already revoked."))
        now = timezone.now()
        locked.revoked_at, locked.revoked_by, locked.revocation_note = now, by.user, note
        locked.save(update_fields=["revoked_at", "revoked_by", "revocation_note"])
        audit_record(
            action=AuditEvent.Action.UPDATE,
            by=by,
            target_type="consent.consent",
            target_ids=[locked.pk],
            participant_ids=[locked.participant_id],
            changes={"revoked_at": [None, now]},
            note="consent revoked",
        )
    return locked
