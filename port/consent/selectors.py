"""Reads of consents and disclosures, scoped to the viewer.

- The program's team sees its participants' consents, the accounting of disclosures, and hand-offs.
- A service provider sees only participants handed off to their agency under a consent that is still in
  force, and of them only the information the hand-off named; every such read goes through the gate
  (port.consent.gate), so it is recorded in the accounting of disclosures.
- Everybody else sees nothing: record pages answer 404.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from port.accounts.models import Membership, Organization, OrganizationKind
from port.accounts.roles import TEAM_ROLES, Role
from port.accounts.visibility import can_see
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.consent.gate import TPO_AGENCY_KINDS, DisclosureRefused, disclose
from port.consent.models import (
    DISCLOSING_KINDS,
    Consent,
    ConsentKind,
    Disclosure,
    InformationCategory,
    in_force_q,
)
from port.outreach.models import ContactAttempt, Encounter, EncounterAddendum, EncounterItem, StageOfChange
from port.participants.models import Participant
from port.participants.normalize import format_phone
from port.referrals.models import ClosingReason, OverdoseEvent, Referral, Status

# The sensitive field group (port.accounts.visibility) each category of information belongs to: a team
# member may share only what their role may see.
CATEGORY_GROUPS: dict[str, str] = {
    InformationCategory.OVERDOSE: "substances",
    InformationCategory.ASSESSMENTS: "assessments",
    InformationCategory.NOTES: "notes",
    InformationCategory.COUNSELING_NOTES: "notes",
}
# Agencies never offered as recipients: law enforcement (42 CFR Part 2) and the team itself (no disclosure).
NEVER_RECIPIENT_KINDS = (OrganizationKind.LAW_ENFORCEMENT, OrganizationKind.PORT_TEAM)


def may_share(viewer: Membership, category: str) -> bool:
    """Whether this team member may share (and see) a category, given the program's field visibility."""
    group = CATEGORY_GROUPS.get(category)
    return viewer.role in TEAM_ROLES and (group is None or can_see(viewer, group))


# ---- consents (the team) ----


def consents_visible_to(viewer: Membership) -> QuerySet[Consent]:
    if viewer.role not in TEAM_ROLES:
        return Consent.objects.none()
    return Consent.objects.filter(program_id=viewer.program_id)


def consent_get(*, viewer: Membership, public_id: UUID | str) -> Consent:
    """One consent of the viewer's program, or 404. Audited as a read of the participant's record."""
    try:
        consent = (
            consents_visible_to(viewer)
            .select_related("participant", "recipient_agency", "recorded_by", "revoked_by", "program")
            .get(public_id=public_id)
        )
    except (Consent.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    audit_record(
        action=AuditEvent.Action.VIEW,
        by=viewer,
        target_type="consent.consent",
        target_ids=[consent.pk],
        participant_ids=[consent.participant_id],
    )
    return consent


@dataclass
class ConsentStatus:
    code: str  # "active", "revoked" or "expired"
    label: str
    badge: str  # CSS class


def consent_status(consent: Consent, today: dt.date) -> ConsentStatus:
    if consent.revoked_at is not None:
        return ConsentStatus("revoked", _("Revoked"), "badge-overdue")
    if consent.expires_on is not None and consent.expires_on < today:
        return ConsentStatus("expired", _("Expired"), "badge-neutral")
    return ConsentStatus("active", _("Active"), "badge-ok")


def recipient_label(consent: Consent) -> str:
    if consent.recipient_agency is not None:
        return consent.recipient_agency.name
    if consent.recipient_class:
        return consent.recipient_class
    return _("The program's own team")


def category_labels(categories: Iterable[str]) -> list[str]:
    """Labels in the order the categories are listed everywhere (the gate stores them sorted by code)."""
    chosen = set(categories)
    return [str(c.label) for c in InformationCategory if c.value in chosen]


@dataclass
class ConsentRow:
    consent: Consent
    status: ConsentStatus
    recipient: str
    categories: list[str]


def participant_consents(*, viewer: Membership, participant: Participant) -> list[ConsentRow]:
    """The participant's consents, in force first, then newest first. One query.

    Not audited on its own: it is shown on the participant's page, whose read is audited."""
    if viewer.role not in TEAM_ROLES or participant.program_id != viewer.program_id:
        return []
    today = viewer.program.today()
    consents = consents_visible_to(viewer).filter(participant=participant).select_related("recipient_agency")
    rows = [
        ConsentRow(c, consent_status(c, today), recipient_label(c), category_labels(c.information_categories))
        for c in consents.order_by("-recorded_at", "-pk")
    ]
    rows.sort(key=lambda row: row.status.code != "active")  # stable: newest first within each group
    return rows


def consent_recipients(*, viewer: Membership) -> QuerySet[Organization]:
    """Organizations of the program's directory a consent may name, or a hand-off may go to."""
    if viewer.role not in TEAM_ROLES:
        return Organization.objects.none()
    return (
        Organization.objects.filter(program_id=viewer.program_id)
        .exclude(kind__in=NEVER_RECIPIENT_KINDS)
        .order_by("name")
    )


# ---- the accounting of disclosures (the team) ----


def participant_disclosures(*, viewer: Membership, participant: Participant) -> list[Disclosure]:
    """Every disclosure of the participant's information, newest first: what, to whom, when, under which
    consent, for what purpose. The caller audits the read (audit_accounting)."""
    if viewer.role not in TEAM_ROLES or participant.program_id != viewer.program_id:
        return []
    return list(
        Disclosure.objects.filter(program_id=viewer.program_id, participant=participant)
        .select_related("consent", "recipient_agency", "recipient_user", "disclosed_by")
        .order_by("-disclosed_at", "-pk")
    )


def audit_accounting(
    *, viewer: Membership, participant: Participant, disclosures: list[Disclosure], action: str, note: str
) -> None:
    """The accounting was shown (LIST), or printed or downloaded (EXPORT)."""
    audit_record(
        action=action,
        by=viewer,
        target_type="consent.disclosure",
        target_ids=[d.pk for d in disclosures],
        participant_ids=[participant.pk],
        note=note,
    )


def disclosure_get(*, viewer: Membership, pk: int) -> Disclosure:
    """One disclosure (a hand-off's confirmation page), or 404. Audited as a read."""
    if viewer.role not in TEAM_ROLES:
        raise Http404
    try:
        disclosure = Disclosure.objects.select_related(
            "participant", "consent", "recipient_agency", "disclosed_by"
        ).get(pk=pk, program_id=viewer.program_id)
    except Disclosure.DoesNotExist as exc:
        raise Http404 from exc
    audit_record(
        action=AuditEvent.Action.VIEW,
        by=viewer,
        target_type="consent.disclosure",
        target_ids=[disclosure.pk],
        participant_ids=[disclosure.participant_id],
    )
    return disclosure


# ---- what a disclosure shows ----


@dataclass
class HandoffView:
    disclosure: Disclosure
    record: "SharedRecord"
    hidden: bool  # some of what was shared is hidden from the viewer's role (field visibility)


def handoff_view(*, viewer: Membership, pk: int) -> HandoffView:
    """A disclosure as the team sees it afterwards, to print and give to the provider: what was shared, in
    the categories the viewer's role may see. 404 outside the team's program; audited as a read."""
    disclosure = disclosure_get(viewer=viewer, pk=pk)
    shown = [c for c in disclosure.categories if may_share(viewer, c)]
    record = _shared_record(participant=disclosure.participant, categories=shown, zone=viewer.program.zone)
    return HandoffView(disclosure, record, hidden=len(shown) < len(disclosure.categories))


@dataclass
class DatedText:
    at: dt.datetime
    text: str


@dataclass
class SharedRecord:
    """The participant's information in the given categories only; nothing else is loaded."""

    categories: list[str]
    name: str = ""
    preferred_name: str = ""
    date_of_birth: dt.date | None = None
    phones: list[str] = field(default_factory=list)
    address: str = ""
    location_notes: str = ""
    referrals: list[DatedText] = field(default_factory=list)
    overdoses: list[DatedText] = field(default_factory=list)
    services: list[DatedText] = field(default_factory=list)
    assessments: list[DatedText] = field(default_factory=list)
    notes: list[DatedText] = field(default_factory=list)

    def has(self, category: str) -> bool:
        return category in self.categories

    @property
    def labels(self) -> list[str]:
        return category_labels(self.categories)


def _local(moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return timezone.localtime(moment, zone)


def _referral_text(referral: Referral) -> str:
    if referral.status == Status.CLOSED and referral.closed_reason in ClosingReason.values:
        return _("Closed: %(reason)s") % {"reason": ClosingReason(referral.closed_reason).label}
    return str(Status(referral.status).label)


def _overdose_text(event: OverdoseEvent) -> str:
    parts = [_("Substances: %(list)s") % {"list": ", ".join(event.substances) if event.substances else _("not known")}]
    if event.naloxone_doses is not None:
        parts.append(_("naloxone doses: %(count)d") % {"count": event.naloxone_doses})
    if event.transported is not None:
        parts.append(_("taken to hospital") if event.transported else _("not taken to hospital"))
    return "; ".join(parts)


def _item_text(item: EncounterItem) -> str:
    if item.kind == EncounterItem.Kind.SUPPLY and item.supply_item is not None:
        return f"{item.supply_item.name} × {item.quantity}"
    return str(EncounterItem.Kind(item.kind).label)


def _assessment_text(encounter: Encounter) -> str:
    parts = []
    if encounter.stage_of_change:
        parts.append(_("Stage of change: %(stage)s") % {"stage": StageOfChange(encounter.stage_of_change).label})
    if encounter.readiness is not None:
        parts.append(_("readiness %(value)d of 10") % {"value": encounter.readiness})
    if encounter.goals:
        parts.append(_("goals: %(goals)s") % {"goals": encounter.goals})
    return "; ".join(parts)


def _shared_record(*, participant: Participant, categories: Iterable[str], zone: ZoneInfo) -> SharedRecord:
    """Load only what `categories` name. Private: it decides nothing about access, so only the selectors
    below call it, after the gate (a provider) or the team's own scoping (a hand-off's page)."""
    wanted = [c for c in InformationCategory.values if c in set(categories)]
    record = SharedRecord(categories=wanted)
    in_program = {"program_id": participant.program_id, "participant": participant}
    if InformationCategory.IDENTITY in wanted:
        record.name = f"{participant.first_name} {participant.last_name}".strip()
        record.preferred_name = participant.preferred_name
        record.date_of_birth = participant.date_of_birth
    if InformationCategory.CONTACT in wanted:
        record.phones = [format_phone(p.number) for p in participant.phones.all()]
        record.address = participant.address
        record.location_notes = participant.location_notes
    if InformationCategory.REFERRAL_STATUS in wanted:
        record.referrals = [
            DatedText(_local(r.received_at, zone), _referral_text(r))
            for r in Referral.objects.filter(**in_program).order_by("-received_at", "-pk")
        ]
    if InformationCategory.OVERDOSE in wanted:
        record.overdoses = [
            DatedText(_local(e.occurred_at or e.created_at, zone), _overdose_text(e))
            for e in OverdoseEvent.objects.filter(**in_program).order_by("-occurred_at", "-pk")
        ]
    encounters_needed = {InformationCategory.SERVICES, InformationCategory.ASSESSMENTS, InformationCategory.NOTES}
    if encounters_needed & set(wanted):
        items = Prefetch(
            "items",
            queryset=EncounterItem.objects.filter(recipient_type=EncounterItem.Recipient.PARTICIPANT).select_related(
                "supply_item"
            ),
        )
        encounters = Encounter.objects.filter(**in_program).order_by("-occurred_at", "-pk")
        if InformationCategory.SERVICES in wanted:
            encounters = encounters.prefetch_related(items)
        if InformationCategory.NOTES in wanted:
            encounters = encounters.prefetch_related(
                Prefetch("addenda", queryset=EncounterAddendum.objects.order_by("created_at", "pk"))
            )
        for encounter in encounters:
            at = _local(encounter.occurred_at, zone)
            if InformationCategory.SERVICES in wanted:
                given = [_item_text(item) for item in encounter.items.all()]
                if given:
                    record.services.append(DatedText(at, ", ".join(given)))
            if InformationCategory.ASSESSMENTS in wanted:
                text = _assessment_text(encounter)
                if text:
                    record.assessments.append(DatedText(at, text))
            if InformationCategory.NOTES in wanted:
                if encounter.notes:
                    record.notes.append(DatedText(at, encounter.notes))
                record.notes += [
                    DatedText(_local(a.created_at, zone), _("Addendum: %(text)s") % {"text": a.text})
                    for a in encounter.addenda.all()
                ]
    if InformationCategory.NOTES in wanted:
        record.notes += [
            DatedText(_local(a.attempted_at, zone), a.note)
            for a in ContactAttempt.objects.filter(**in_program).exclude(note="").only("attempted_at", "note")
        ]
        record.notes.sort(key=lambda entry: entry.at, reverse=True)
    return record


# ---- service providers ----


def _active_handoffs(viewer: Membership) -> QuerySet[Disclosure]:
    """Hand-offs to the viewer's agency whose consent is still in force right now: a revocation or an
    expiry (a day in the program's time zone) hides the participant at once."""
    if viewer.role != Role.PROVIDER or not viewer.agency_id:
        return Disclosure.objects.none()
    return Disclosure.objects.filter(
        program_id=viewer.program_id,
        recipient_agency_id=viewer.agency_id,
        channel=Disclosure.Channel.HANDOFF,
        consent__kind__in=DISCLOSING_KINDS,
        participant__merged_into__isnull=True,
    ).filter(in_force_q(viewer.program.today(), prefix="consent__"))


@dataclass
class SharedParticipant:
    participant: Participant
    shared_at: dt.datetime
    categories: list[str]

    @property
    def shows_name(self) -> bool:
        return InformationCategory.IDENTITY in self.categories

    @property
    def labels(self) -> list[str]:
        return category_labels(self.categories)


def participants_shared_with(*, viewer: Membership) -> list[SharedParticipant]:
    """Participants handed off to the provider's agency under a consent still in force, latest hand-off
    first. One query; audited as a list read. Names are shown only where the hand-off included them."""
    shared: dict[int, SharedParticipant] = {}
    for handoff in _active_handoffs(viewer).select_related("participant").order_by("-disclosed_at", "-pk"):
        row = shared.get(handoff.participant_id)
        if row is None:
            row = shared[handoff.participant_id] = SharedParticipant(handoff.participant, handoff.disclosed_at, [])
        row.categories = [c for c in InformationCategory.values if c in set(row.categories) | set(handoff.categories)]
    rows = list(shared.values())
    if rows:
        ids = [row.participant.pk for row in rows]
        audit_record(
            action=AuditEvent.Action.LIST,
            by=viewer,
            target_type="participants.participant",
            target_ids=ids,
            participant_ids=ids,
            note="participants shared with the provider",
        )
    return rows


@dataclass
class ProviderView:
    participant: Participant
    record: SharedRecord
    disclosures: list[Disclosure]
    notice: str


def provider_participant_view(*, viewer: Membership, public_id: UUID | str) -> ProviderView:
    """A participant handed off to the provider's agency, showing only what the hand-offs named.

    Each read asks the gate once per consent the hand-offs were made under (usually one), so the read is
    checked against a consent in force and recorded in the accounting of disclosures. Anything else: 404."""
    handoffs = list(
        _active_handoffs(viewer)
        .filter(participant__public_id=public_id)
        .select_related("participant__program")
        .order_by("-disclosed_at", "-pk")
    )
    if not handoffs:
        raise Http404
    participant = handoffs[0].participant
    recipient = viewer.agency
    assert recipient is not None  # _active_handoffs finds none for a viewer of no agency
    by_consent: dict[int, set[str]] = defaultdict(set)
    purpose: dict[int, str] = {}
    for handoff in handoffs:
        by_consent[handoff.consent_id] |= set(handoff.categories)
        purpose.setdefault(handoff.consent_id, handoff.purpose)
    disclosures, notice, allowed = [], "", set()
    for consent_id, categories in by_consent.items():
        try:
            disclosure, notice = disclose(
                participant=participant,
                recipient=recipient,
                categories=categories,
                purpose=purpose[consent_id],
                channel=Disclosure.Channel.PROVIDER_VIEW,
                by=viewer,
                recipient_user=viewer.user,
            )
        except DisclosureRefused:
            continue
        disclosures.append(disclosure)
        allowed |= set(disclosure.categories)
    if not disclosures:
        raise Http404
    record = _shared_record(participant=participant, categories=allowed, zone=viewer.program.zone)
    return ProviderView(participant, record, disclosures, notice)


def refusal_reason(
    *, viewer: Membership, participant: Participant, recipient: Organization, categories: Iterable[str]
) -> str:
    """Why the gate refused, in words a team member can act on: no consent names the recipient, the one
    that does was revoked or has expired, or it does not cover some of the information."""
    if viewer.role not in TEAM_ROLES or participant.program_id != viewer.program_id:
        return ""
    if recipient.kind == OrganizationKind.LAW_ENFORCEMENT:
        return ""  # the gate's own message says it all
    wanted = set(categories)
    today = viewer.program.today()
    tpo_covers = recipient.kind in TPO_AGENCY_KINDS
    naming = [
        c
        for c in consents_visible_to(viewer)
        .filter(participant=participant)
        .filter(Q(recipient_agency=recipient) | Q(kind=ConsentKind.TPO, recipient_agency__isnull=True))
        .exclude(kind=ConsentKind.PARTICIPATION)
        .order_by("-recorded_at", "-pk")
        if c.recipient_agency_id or tpo_covers
    ]
    if not naming:
        if (
            consents_visible_to(viewer)
            .filter(participant=participant, kind=ConsentKind.TPO, revoked_at__isnull=True)
            .exists()
        ):
            return _(
                "The treatment-payment-operations consent covers treatment providers, emergency departments "
                "and recovery organizations; %(recipient)s is not one of them."
            ) % {"recipient": recipient.name}
        return _("No consent names %(recipient)s.") % {"recipient": recipient.name}
    active = [c for c in naming if consent_status(c, today).code == "active"]
    if not active:
        latest = naming[0]
        if latest.revoked_at is not None:
            when = viewer.program.today(at=latest.revoked_at)
            return _("The consent naming %(recipient)s was revoked on %(date)s.") % {
                "recipient": recipient.name,
                "date": when.isoformat(),
            }
        assert latest.expires_on is not None  # neither active nor revoked: it has expired
        return _("The consent naming %(recipient)s expired on %(date)s.") % {
            "recipient": recipient.name,
            "date": latest.expires_on.isoformat(),
        }
    if InformationCategory.COUNSELING_NOTES in wanted and not any(
        c.kind == ConsentKind.COUNSELING_NOTES for c in active
    ):
        return _("Counseling notes need a consent of their own: a counseling-notes consent naming %(recipient)s.") % {
            "recipient": recipient.name
        }
    covered = set().union(*(set(c.information_categories) for c in active))
    missing = [c for c in InformationCategory.values if c in wanted - covered]
    if missing:
        return _("The consent in force does not cover: %(what)s.") % {"what": ", ".join(category_labels(missing))}
    return _("No single consent in force covers all of that together; share each part separately.")
