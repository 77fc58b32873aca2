"""The printable consent form: a recorded consent with its elements filled in, or a blank one for a kind
and language, to print and sign on paper. All wording comes from port.consent.wording."""

import datetime as dt
from dataclasses import dataclass, field

from port.accounts.models import Program
from port.consent.gate import NOTICE_2_32
from port.consent.models import DISCLOSING_KINDS, Consent, ConsentKind, InformationCategory, SignatureMethod
from port.consent.wording import (
    CATEGORY_LABELS,
    DEFAULT_PURPOSES,
    INTROS,
    KIND_LABELS,
    NOTICE_2_32_ES,
    REVOCATION_STATEMENT,
    SIGNATURE_METHODS,
    TEXT,
    TITLES,
    TPO_RECIPIENT_CLASS,
    long_date,
)


@dataclass
class CategoryLine:
    label: str
    chosen: bool


@dataclass
class ConsentDocument:
    """Everything the printed form shows, already in its language."""

    language: str
    kind: str
    blank: bool
    text: dict[str, str]
    title: str
    kind_label: str
    intro: str
    program_name: str
    participant_name: str = ""
    disclosing_party: str = ""
    categories: list[CategoryLine] = field(default_factory=list)
    description: str = ""
    recipient_agency: str = ""
    recipient_class: str = ""
    purpose: str = ""
    revocation_statement: str = ""
    expires_on: str = ""
    expiry_event: str = ""
    signature_method: str = ""
    signature_method_label: str = ""
    signature_url: str = ""
    witness_name: str = ""
    signed_on: str = ""
    signed_by_name: str = ""
    signer_authority: str = ""
    banner: str = ""
    recorded: str = ""

    @property
    def discloses(self) -> bool:
        return self.kind in DISCLOSING_KINDS

    @property
    def is_tpo(self) -> bool:
        return self.kind == ConsentKind.TPO

    @property
    def names_agency(self) -> bool:
        return self.kind in (ConsentKind.DISCLOSURE, ConsentKind.COUNSELING_NOTES)

    @property
    def drawn(self) -> bool:
        return self.signature_method == SignatureMethod.DRAWN

    @property
    def verbal(self) -> bool:
        return self.signature_method == SignatureMethod.VERBAL

    @property
    def notice(self) -> str:
        return NOTICE_2_32

    @property
    def notice_translation(self) -> str:
        return NOTICE_2_32_ES if self.language == "es" else ""


def offered_categories(kind: str) -> list[str]:
    """Counseling notes appear only on a counseling-notes consent: they need a consent of their own."""
    return [
        c
        for c in InformationCategory.values
        if kind == ConsentKind.COUNSELING_NOTES or c != InformationCategory.COUNSELING_NOTES
    ]


def _base(*, kind: str, language: str, program: Program, blank: bool) -> ConsentDocument:
    return ConsentDocument(
        language=language,
        kind=kind,
        blank=blank,
        text=TEXT[language],
        title=TITLES[language][kind],
        kind_label=KIND_LABELS[language][kind],
        intro=INTROS[language][kind].format(program=program.name),
        program_name=program.name,
    )


def standard_revocation_statement(program: Program, language: str) -> str:
    return REVOCATION_STATEMENT[language].format(program=program.name)


def blank_document(*, kind: str, language: str, program: Program) -> ConsentDocument:
    """A form to print and fill in by hand: the program's name and standard wording are printed; the rest
    has lines to write on."""
    doc = _base(kind=kind, language=language, program=program, blank=True)
    doc.disclosing_party = program.name
    doc.categories = [
        CategoryLine(
            CATEGORY_LABELS[language][c],
            c == InformationCategory.COUNSELING_NOTES and kind == ConsentKind.COUNSELING_NOTES,
        )
        for c in offered_categories(kind)
    ]
    doc.revocation_statement = standard_revocation_statement(program, language)
    doc.purpose = DEFAULT_PURPOSES[language].get(kind, "")
    doc.recipient_class = TPO_RECIPIENT_CLASS[language] if kind == ConsentKind.TPO else ""
    return doc


def consent_document(*, consent: Consent, language: str, signature_url: str, today: dt.date) -> ConsentDocument:
    """The recorded consent, every element as it was given, with a banner if it is no longer in force."""
    doc = _base(kind=consent.kind, language=language, program=consent.program, blank=False)
    text = doc.text
    participant = consent.participant
    doc.participant_name = f"{participant.first_name} {participant.last_name}".strip()
    doc.disclosing_party = consent.disclosing_party
    chosen = set(consent.information_categories)
    doc.categories = [CategoryLine(CATEGORY_LABELS[language][c], c in chosen) for c in offered_categories(consent.kind)]
    doc.description = consent.information_description
    doc.recipient_agency = consent.recipient_agency.name if consent.recipient_agency is not None else ""
    doc.recipient_class = consent.recipient_class
    doc.purpose = consent.purpose
    doc.revocation_statement = consent.revocation_statement
    doc.expires_on = long_date(consent.expires_on, language)
    doc.expiry_event = consent.expiry_event
    doc.signature_method = consent.signature_method
    doc.signature_method_label = SIGNATURE_METHODS[language].get(consent.signature_method, "")
    doc.signature_url = signature_url if consent.signature_method == SignatureMethod.DRAWN else ""
    doc.witness_name = consent.witness_name
    doc.signed_on = long_date(consent.signed_on, language)
    doc.signed_by_name = consent.signed_by_name
    doc.signer_authority = consent.signer_authority
    program = consent.program
    doc.recorded = text["recorded"].format(date=long_date(program.today(at=consent.recorded_at), language))
    if consent.revoked_at is not None:
        revoked_on = program.today(at=consent.revoked_at)
        doc.banner = text["revoked"].format(date=long_date(revoked_on, language))
    elif consent.expires_on is not None and consent.expires_on < today:
        doc.banner = text["expired"].format(date=long_date(consent.expires_on, language))
    return doc
