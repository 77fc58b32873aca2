"""Consents and the accounting of disclosures in the admin: read only, scoped to the admin's programs.

For a program admin's overview, for example which consents name an organization that is leaving the
network, or what was disclosed to it. Nobody records, edits, revokes or deletes here: consents are recorded
and revoked in the app (port.consent.services), disclosures only by the gate. Participants are not named
in these lists (the app's pages name them and audit it); every list and record shown is audited.
"""

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from port.accounts.admin_site import admin_site
from port.accounts.roles import Role
from port.audit.admin_mixins import ProgramScopedAdmin
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.consent.models import Consent, Disclosure


def _actor(request: HttpRequest) -> dict:
    """Who reads, for the audit entry: their admin membership, or the superuser alone."""
    membership = getattr(request, "membership", None)
    if membership is not None and membership.role == Role.ADMIN:
        return {"by": membership}
    return {"user": request.user}


class AuditedReadOnlyAdmin(ProgramScopedAdmin):
    target_type = ""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            rows = list(changelist.result_list)
            if rows:
                audit_record(
                    action=AuditEvent.Action.LIST,
                    **_actor(request),
                    target_type=self.target_type,
                    target_ids=[row.pk for row in rows],
                    participant_ids=[row.participant_id for row in rows],
                    note="admin list",
                )
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        audit_record(
            action=AuditEvent.Action.VIEW,
            **_actor(request),
            target_type=self.target_type,
            target_ids=[obj.pk],
            participant_ids=[obj.participant_id],
            note="admin record",
        )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Consent, site=admin_site)
class ConsentAdmin(AuditedReadOnlyAdmin):
    target_type = "consent.consent"
    list_display = ("kind", "recipient", "signed_on", "expires_on", "revoked_at", "language", "program", "open_link")
    list_filter = (
        "kind",
        ("revoked_at", admin.EmptyFieldListFilter),
        "language",
        ("recipient_agency", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("recipient_agency", "program")
    ordering = ("-recorded_at",)
    # The elements that say what the consent allows; the participant, free text and the signature stay in the app.
    fields = (
        "program",
        "kind",
        "language",
        "disclosing_party",
        "information_categories",
        "recipient_agency",
        "recipient_class",
        "expires_on",
        "expiry_event",
        "signature_method",
        "signed_on",
        "recorded_by",
        "recorded_at",
        "revoked_at",
        "revoked_by",
        "open_link",
    )
    readonly_fields = fields

    @admin.display(description=_("to whom"))
    def recipient(self, consent: Consent) -> str:
        return consent.recipient_agency.name if consent.recipient_agency is not None else consent.recipient_class or "—"

    @admin.display(description=_("in the app"))
    def open_link(self, consent: Consent) -> str:
        return format_html('<a href="{}">{}</a>', reverse("consent:detail", args=[consent.public_id]), _("Open"))


@admin.register(Disclosure, site=admin_site)
class DisclosureAdmin(AuditedReadOnlyAdmin):
    """The accounting of disclosures across the program: what went to whom, when, through which channel."""

    target_type = "consent.disclosure"
    list_display = ("disclosed_at", "recipient_agency", "channel", "categories", "disclosed_by", "program")
    list_filter = (
        "channel",
        ("recipient_agency", admin.RelatedOnlyFieldListFilter),
        ("disclosed_at", admin.DateFieldListFilter),
    )
    list_select_related = ("recipient_agency", "disclosed_by", "program")
    ordering = ("-disclosed_at", "-pk")
    fields = (
        "program",
        "disclosed_at",
        "recipient_agency",
        "recipient_user",
        "channel",
        "categories",
        "purpose",
        "consent",
        "disclosed_by",
    )
    readonly_fields = fields
