"""Programs in the admin: their settings with acuity levels and field visibility, acuity levels, agencies.

A superuser adds a program through port.administration.services.program_set_up, so it gets every app's
defaults; a program admin changes their own program's settings (port.security.accounts.program_update).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from port.accounts.admin_site import ProgramScopeMixin, admin_site, superuser_only
from port.accounts.http import AuthenticatedRequest
from port.accounts.models import AcuityLevel, FieldVisibility, Organization, Program
from port.accounts.roles import Role
from port.accounts.visibility import CONFIGURABLE_ROLES
from port.administration.services import program_set_up
from port.audit.admin_mixins import ProgramScopedAdmin
from port.security.accounts import program_update


def time_zone_choices() -> list[tuple[str, str]]:
    return [(zone, zone) for zone in sorted(zoneinfo.available_timezones()) if "/" in zone]


class ProgramForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        choices=time_zone_choices,
        label=_("Time zone"),
        help_text=_("Contact deadlines are counted on this zone's clock, across daylight-saving changes."),
    )

    class Meta:
        model = Program
        fields = (
            "name",
            "slug",
            "time_zone",
            "attempt_policy_min_attempts",
            "attempt_policy_min_days",
            "attempt_policy_min_modes",
            "deadline_warning_hours",
            "encounter_edit_hours",
            "idle_timeout_minutes",
            "directory_review_months",
            "checkin_days",
            "handoff_answer_hours",
        )


class AcuityLevelInline(ProgramScopeMixin, admin.TabularInline):
    model = AcuityLevel
    fields = ("code", "label", "window_hours", "rank")
    extra = 0
    verbose_name_plural = _("Acuity levels (a changed window applies to referrals received afterwards)")


class FieldVisibilityForm(forms.ModelForm):
    class Meta:
        model = FieldVisibility
        fields = ("role", "group", "visible")
        help_texts = {"visible": _("Ticked: shown to this role. Unticked: hidden from it.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only roles whose view a program may change: law enforcement and analysts never see these fields.
        role_field = self.fields["role"]
        assert isinstance(role_field, forms.ChoiceField)  # the model field has choices
        role_field.choices = [("", "---------")] + [
            (value, label) for value, label in Role.choices if value in CONFIGURABLE_ROLES
        ]


class FieldVisibilityInline(ProgramScopeMixin, admin.TabularInline):
    model = FieldVisibility
    form = FieldVisibilityForm
    extra = 0
    verbose_name = _("field visibility setting")
    verbose_name_plural = _(
        "Field visibility: without a setting the team sees notes, substances and assessments and an EMS/fire "
        "partner sees none of them; law enforcement partners and analysts never see them"
    )


@admin.register(Program, site=admin_site)
class ProgramAdmin(ProgramScopedAdmin[Program]):
    program_field = ""
    form = ProgramForm
    list_display = ("name", "slug", "time_zone", "created_at")
    search_fields = ("name", "slug")
    fieldsets = (
        (None, {"fields": ("name", "slug", "time_zone")}),
        (
            _("Outreach policy"),
            {
                "fields": (
                    "attempt_policy_min_attempts",
                    "attempt_policy_min_days",
                    "attempt_policy_min_modes",
                    "deadline_warning_hours",
                    "encounter_edit_hours",
                )
            },
        ),
        (_("Sign-in"), {"fields": ("idle_timeout_minutes",)}),
        (_("Resource directory"), {"fields": ("directory_review_months",)}),
        (_("Follow-up"), {"fields": ("checkin_days", "handoff_answer_hours")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Program | None = None) -> tuple[str, ...]:
        # The slug is in the public ask-for-help address: only a superuser changes it.
        if obj is None:
            return ()
        return ("created_at",) if request.user.is_superuser else ("slug", "created_at")

    def get_prepopulated_fields(self, request: HttpRequest, obj: Program | None = None) -> dict[str, Sequence[str]]:
        return {"slug": ("name",)} if obj is None else {}

    def has_add_permission(self, request: HttpRequest, obj: Program | None = None) -> bool:
        return superuser_only(request)

    def has_delete_permission(self, request: HttpRequest, obj: Program | None = None) -> bool:
        return superuser_only(request)

    def get_inlines(
        self, request: HttpRequest, obj: Program | None
    ) -> list[type[admin.options.InlineModelAdmin[Any, Any]]]:
        # A new program starts with program_set_up's acuity levels, edited here once it exists.
        return [AcuityLevelInline, FieldVisibilityInline] if obj is not None else []

    def audited_save(
        self,
        request: AuthenticatedRequest,
        obj: Program,
        *,
        form: forms.ModelForm[Program],
        change: bool,
        related: list[Model],
        deleted: list[Model],
    ) -> None:
        if change:
            program_update(actor=request.user, program=obj, related=related, related_deleted=deleted)
            return
        # Through the service, so an admin-made program gets every default (acuity levels, supplies,
        # text templates) that any other program gets, with the policy values from the form.
        policy = {
            name: form.cleaned_data[name]
            for name in ProgramForm.Meta.fields
            if name not in ("name", "slug", "time_zone") and name in form.cleaned_data
        }
        created = program_set_up(
            name=obj.name, slug=obj.slug, time_zone=obj.time_zone, actor=request.user, policy=policy
        )
        # The admin goes on with `obj` (history entry, redirect): make it the saved program.
        obj.pk, obj.created_at = created.pk, created.created_at
        obj._state.adding, obj._state.db = False, created._state.db


@admin.register(AcuityLevel, site=admin_site)
class AcuityLevelAdmin(ProgramScopedAdmin[AcuityLevel]):
    list_display = ("label", "code", "window_hours", "rank", "program")
    list_filter = (("program", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("program",)
    fields = ("program", "code", "label", "window_hours", "rank")
    ordering = ("program", "rank")


@admin.register(Organization, site=admin_site)
class OrganizationAdmin(ProgramScopedAdmin[Organization]):
    """One record per organization: the senders of referrals, the agencies partners and providers act for,
    consent recipients, hand-off receivers and the organizations behind directory services."""

    list_display = ("name", "kind", "program")
    list_filter = ("kind", ("program", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("program",)
    search_fields = ("name", "alternate_name")
    fieldsets = (
        (None, {"fields": ("program", "name", "kind")}),
        (
            _("Directory (Open Referral HSDS)"),
            {
                "fields": (
                    "alternate_name",
                    "description",
                    "email",
                    "website",
                    "legal_status",
                    "tax_status",
                    "tax_id",
                    "year_incorporated",
                    "parent",
                ),
            },
        ),
    )
