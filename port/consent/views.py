"""Consent pages: record a consent, read and revoke it, print it (English or Spanish) or a blank form, a
hand-off's printable disclosure, the accounting of disclosures, and what a provider may see of a person
(hand-offs, and the provider's list of them, are port.linkage's).

The team's pages answer 403 to other roles and 404 for records of another program. A provider's pages
show only participants handed off to their agency under a consent in force; anything else is a 404.
"""

import base64
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from port.accounts.access import membership_required, team_only
from port.accounts.http import MemberRequest
from port.accounts.models import Membership
from port.accounts.roles import Role
from port.audit.models import AuditEvent
from port.consent import selectors
from port.consent.documents import blank_document, consent_document, standard_revocation_statement
from port.consent.forms import ConsentForm, RevokeForm
from port.consent.gate import NOTICE_2_32
from port.consent.models import Consent, ConsentKind, Disclosure, InformationCategory
from port.consent.services import PNG_DATA_URL_PREFIX, consent_check, consent_record, consent_revoke
from port.consent.wording import DEFAULT_PURPOSES, LANGUAGES, TPO_RECIPIENT_CLASS
from port.core.csv import csv_response
from port.core.names import display_name
from port.participants.models import Participant
from port.participants.selectors import participant_get

providers_only = membership_required([Role.PROVIDER])
# Record pages let every member in, so that the selector answers 404 for records they may not see.
any_member = membership_required(Role.values)


def _language(value: str | None, default: str = "en") -> str:
    return value if value in LANGUAGES else default


# ---- recording a consent ----


@require_GET
@team_only
def consent_kinds(request: MemberRequest, public_id: UUID) -> HttpResponse:
    """First choose the kind of consent (and the form's language): the form then asks for what it needs."""
    participant = participant_get(viewer=request.membership, public_id=public_id)
    return render(
        request,
        "consent/kinds.html",
        {
            "participant": participant,
            "kinds": ConsentKind.choices,
            "language": _language(request.GET.get("language")),
            "languages": LANGUAGES.items(),
        },
    )


def _consent_initial(viewer: Membership, kind: str, language: str) -> dict:
    program = viewer.program
    initial = {
        "disclosing_party": program.name,
        "revocation_statement": standard_revocation_statement(program, language),
        "signed_on": program.today(),
        "purpose": DEFAULT_PURPOSES[language].get(kind, ""),
    }
    if kind == ConsentKind.TPO:
        initial["recipient_class"] = TPO_RECIPIENT_CLASS[language]
    if kind == ConsentKind.COUNSELING_NOTES:
        initial["information_categories"] = [InformationCategory.COUNSELING_NOTES]
    return initial


@require_http_methods(["GET", "POST"])
@team_only
def consent_new(request: MemberRequest, public_id: UUID, kind: str) -> HttpResponse:
    """Record a consent with every 42 CFR 2.31 element; a refused element is shown beside its field, with
    everything entered (the drawn signature too) kept."""
    viewer = request.membership
    participant = participant_get(viewer=viewer, public_id=public_id)
    if kind not in ConsentKind.values:
        messages.error(request, _("That is not a kind of consent. Choose one of these."))
        return redirect("consent:kinds", public_id=participant.public_id)
    language = _language(request.POST.get("language") or request.GET.get("language"))
    form_args: dict[str, Any] = {"kind": kind, "recipients": selectors.consent_recipients(viewer=viewer)}
    if request.method == "POST":
        form = ConsentForm(request.POST, **form_args)
        elements: dict[str, Any] = {"kind": kind, "language": language}
        if form.is_valid():
            try:
                consent = consent_record(by=viewer, participant=participant, **elements, **form.elements())
            except ValidationError as refused:
                _add_errors(form, refused)
            else:
                messages.success(request, _("The consent is recorded."))
                return redirect("consent:detail", public_id=consent.public_id)
        else:
            # Show what the service would also refuse, so that every problem is seen in one go.
            try:
                consent_check(by=viewer, participant=participant, **elements, **form.elements())
            except ValidationError as refused:
                _add_errors(form, refused, only_new=True)
    else:
        form = ConsentForm(initial=_consent_initial(viewer, kind, language), **form_args)
    return render(
        request,
        "consent/form.html",
        {
            "participant": participant,
            "form": form,
            "kind": kind,
            "kind_label": ConsentKind(kind).label,
            "language": language,
            "other_language": "es" if language == "en" else "en",
        },
    )


def _add_errors(form: forms.Form, refused: ValidationError, *, only_new: bool = False) -> None:
    """Put the service's messages beside their fields (or above the form for the consent as a whole)."""
    if not hasattr(refused, "error_dict"):
        form.add_error(None, refused)
        return
    for field, errors in refused.error_dict.items():
        target = field if field in form.fields else None
        if only_new and target is not None and target in form.errors:
            continue
        for error in errors:
            form.add_error(target, error)


# ---- one consent ----


@require_GET
@team_only
def consent_detail(request: MemberRequest, public_id: UUID) -> HttpResponse:
    viewer = request.membership
    consent = selectors.consent_get(viewer=viewer, public_id=public_id)
    return _detail(request, consent, RevokeForm())


def _detail(request: MemberRequest, consent: Consent, revoke_form: RevokeForm) -> HttpResponse:
    today = request.membership.program.today()
    return render(
        request,
        "consent/detail.html",
        {
            "consent": consent,
            "participant": consent.participant,
            "status": selectors.consent_status(consent, today),
            "recipient": selectors.recipient_label(consent),
            "categories": selectors.category_labels(consent.information_categories),
            "revoke_form": revoke_form,
            "time_zone": consent.program.time_zone,
            "disclosure_count": consent.disclosures.count(),
        },
    )


@require_POST
@team_only
def consent_revoke_view(request: MemberRequest, public_id: UUID) -> HttpResponse:
    """Revoke at once: from this request on, nothing is disclosed under the consent."""
    viewer = request.membership
    consent = selectors.consent_get(viewer=viewer, public_id=public_id)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            consent_revoke(by=viewer, consent=consent, note=form.cleaned_data["note"])
        except ValidationError as refused:
            _add_errors(form, refused)
        else:
            messages.success(request, _("The consent is revoked. Nothing more is disclosed under it."))
            return redirect("consent:detail", public_id=consent.public_id)
    return _detail(request, consent, form)


@require_GET
@team_only
def consent_signature(request: MemberRequest, public_id: UUID) -> HttpResponse:
    """The drawn signature as an image, served from this site (a strict CSP need not allow data: images)."""
    consent = selectors.consent_get(viewer=request.membership, public_id=public_id)
    if not consent.signature_image.startswith(PNG_DATA_URL_PREFIX):
        raise Http404
    response = HttpResponse(
        base64.b64decode(consent.signature_image[len(PNG_DATA_URL_PREFIX) :]), content_type="image/png"
    )
    response["Cache-Control"] = "no-store, private"
    return response


@require_GET
@team_only
def consent_print(request: MemberRequest, public_id: UUID) -> HttpResponse:
    """The recorded consent as a form to print, in its own language unless another is asked for."""
    viewer = request.membership
    consent = selectors.consent_get(viewer=viewer, public_id=public_id)
    language = _language(request.GET.get("language"), consent.language)
    document = consent_document(
        consent=consent,
        language=language,
        today=viewer.program.today(),
        signature_url=reverse("consent:signature", args=[consent.public_id]),
    )
    return render(
        request,
        "consent/print.html",
        {
            "document": document,
            "consent": consent,
            "participant": consent.participant,
            "other_language": "es" if language == "en" else "en",
        },
    )


# ---- blank forms ----


@require_GET
@team_only
def blank_forms(request: MemberRequest) -> HttpResponse:
    return render(request, "consent/blank_forms.html", {"kinds": ConsentKind.choices, "languages": LANGUAGES.items()})


@require_GET
@team_only
def blank_form(request: MemberRequest, kind: str, language: str) -> HttpResponse:
    """A form to print and have signed on paper, then record with the same elements."""
    if kind not in ConsentKind.values or language not in LANGUAGES:
        raise Http404
    return render(
        request,
        "consent/print.html",
        {
            "document": blank_document(kind=kind, language=language, program=request.membership.program),
            "other_language": "es" if language == "en" else "en",
        },
    )


# ---- a hand-off's disclosure (hand-offs themselves are port.linkage's) ----


@require_GET
@team_only
def disclosure_detail(request: MemberRequest, pk: int) -> HttpResponse:
    """What was shared, to print and give to the provider, with the 2.32 notice."""
    viewer = request.membership
    view = selectors.handoff_view(viewer=viewer, pk=pk)
    disclosure = view.disclosure
    return render(
        request,
        "consent/disclosure.html",
        {
            "disclosure": disclosure,
            "participant": disclosure.participant,
            "record": view.record,
            "hidden": view.hidden,
            "time_zone": viewer.program.time_zone,
            "categories": selectors.category_labels(disclosure.categories),
            "notice": NOTICE_2_32,
        },
    )


# ---- the accounting of disclosures ----


def _accounting(
    request: MemberRequest, public_id: UUID, *, action: str, note: str
) -> tuple[Participant, list[Disclosure]]:
    viewer = request.membership
    participant = participant_get(viewer=viewer, public_id=public_id, audit=False)  # audited just below
    disclosures = selectors.participant_disclosures(viewer=viewer, participant=participant)
    selectors.audit_accounting(
        viewer=viewer, participant=participant, disclosures=disclosures, action=action, note=note
    )
    return participant, disclosures


@require_GET
@team_only
def accounting(request: MemberRequest, public_id: UUID) -> HttpResponse:
    participant, disclosures = _accounting(
        request, public_id, action=AuditEvent.Action.LIST, note="accounting of disclosures"
    )
    return _accounting_page(request, participant, disclosures, printing=False)


@require_GET
@team_only
def accounting_print(request: MemberRequest, public_id: UUID) -> HttpResponse:
    """The accounting to print and give to the participant: audited as an export."""
    participant, disclosures = _accounting(
        request, public_id, action=AuditEvent.Action.EXPORT, note="accounting of disclosures, printed"
    )
    return _accounting_page(request, participant, disclosures, printing=True)


def _accounting_page(
    request: MemberRequest, participant: Participant, disclosures: list[Disclosure], *, printing: bool
) -> HttpResponse:
    return render(
        request,
        "consent/accounting.html",
        {
            "participant": participant,
            "rows": [_accounting_row(d) for d in disclosures],
            "printing": printing,
            "time_zone": request.membership.program.time_zone,
            "generated_at": timezone.now(),
        },
    )


def _accounting_row(disclosure: Disclosure) -> dict:
    recipient = disclosure.recipient_agency.name
    if disclosure.recipient_user_id:
        user = disclosure.recipient_user
        recipient = f"{recipient} ({display_name(user)})"
    by = disclosure.disclosed_by
    return {
        "disclosure": disclosure,
        "what": selectors.category_labels(disclosure.categories),
        "recipient": recipient,
        "channel": Disclosure.Channel(disclosure.channel).label,
        "consent": disclosure.consent,
        "consent_label": ConsentKind(disclosure.consent.kind).label,
        "by": display_name(by),
    }


@require_GET
@team_only
def accounting_csv(request: MemberRequest, public_id: UUID) -> HttpResponseBase:
    """The accounting as a spreadsheet: audited as an export."""
    participant, disclosures = _accounting(
        request, public_id, action=AuditEvent.Action.EXPORT, note="accounting of disclosures, CSV"
    )
    program = request.membership.program
    header = ["When", "What", "To whom", "How", "Consent", "Consent signed on", "Consent id", "Purpose", "Disclosed by"]
    rows = []
    for disclosure in disclosures:
        row = _accounting_row(disclosure)
        rows.append(
            [
                program.local(disclosure.disclosed_at).strftime("%Y-%m-%d %H:%M %Z"),
                "; ".join(row["what"]),
                row["recipient"],
                row["channel"],
                row["consent_label"],
                disclosure.consent.signed_on.isoformat(),
                disclosure.consent.public_id,
                disclosure.purpose,
                row["by"],
            ]
        )
    # The participant's public id, never their name, in the file name.
    return csv_response(f"disclosures-{participant.public_id}.csv", header, rows)


# ---- service providers ----


@require_GET
@any_member
def shared_participant(request: MemberRequest, public_id: UUID) -> HttpResponse:
    """A participant as the provider may see them: only the categories the hand-off named, each read asked of
    the gate and recorded in the accounting, with the 2.32 notice on the page. Anyone else: 404."""
    view = selectors.provider_participant_view(viewer=request.membership, public_id=public_id)
    return render(
        request,
        "consent/shared_participant.html",
        {
            "view": view,
            "record": view.record,
            "nav_active": "shared",
            "time_zone": request.membership.program.time_zone,
        },
    )
