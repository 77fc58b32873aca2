"""API tokens in the admin: issued here and shown once (only their hash is kept), revoked, never deleted.

Writes go through port.security.accounts (api_token_issue, api_token_update, api_token_revoke), each
audited without the token or its hash.
"""

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from port.accounts.admin_site import admin_site
from port.accounts.models import ApiToken
from port.audit.admin_mixins import ProgramScopedAdmin
from port.security.accounts import api_token_issue, api_token_revoke, api_token_update


class TokenStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return (("active", _("Active")), ("revoked", _("Revoked")), ("expired", _("Expired")))

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True).exclude(expires_at__lte=now)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        return queryset


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ("agency", "name", "expires_at")

    def clean_expires_at(self):
        expires_at = self.cleaned_data.get("expires_at")
        if expires_at and expires_at <= timezone.now() and self.instance.pk is None:
            raise ValidationError(_("The expiry must be in the future."))
        return expires_at


@admin.register(ApiToken, site=admin_site)
class ApiTokenAdmin(ProgramScopedAdmin):
    """Tokens are issued here and shown once; only their hash is kept. They are revoked, never deleted."""

    program_field = "agency__program"
    form = ApiTokenForm
    list_display = ("name", "agency", "hint", "created_at", "expires_at", "revoked_at", "last_used_at")
    list_filter = (TokenStatusFilter, ("agency", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("agency",)
    search_fields = ("name", "hint")
    actions = ["revoke"]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        # A forgotten token should not work for ever: a year, unless the admin chooses otherwise.
        return {
            "expires_at": timezone.now() + datetime.timedelta(days=365),
            **super().get_changeform_initial_data(request),
        }

    def get_fields(self, request: HttpRequest, obj=None):
        if obj is None:
            return ("agency", "name", "expires_at")
        return ("agency", "name", "hint", "expires_at", "created_by", "created_at", "revoked_at", "last_used_at")

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        if obj is None:
            return ()
        return ("agency", "hint", "created_by", "created_at", "revoked_at", "last_used_at")

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # The audit trail points at tokens; a token that should stop working is revoked.
        return False

    def audited_save(
        self, request: HttpRequest, obj: ApiToken, *, form, change: bool, related: list[Model], deleted: list[Model]
    ) -> None:
        if change:
            api_token_update(actor=request.user, token=obj)
            return
        token, raw = api_token_issue(agency=obj.agency, name=obj.name, actor=request.user, expires_at=obj.expires_at)
        # The admin goes on with `obj` (history entry, redirect): make it the saved token.
        obj.pk, obj.token_hash, obj.hint, obj.created_at = token.pk, token.token_hash, token.hint, token.created_at
        obj.created_by = request.user
        obj._state.adding, obj._state.db = False, token._state.db
        messages.warning(
            request,
            format_html(
                '{} <code class="api-token">{}</code> {}',
                gettext("The new token for %(agency)s is:") % {"agency": token.agency},
                raw,
                gettext(
                    "Copy it now and give it to the agency's system: it is shown only this once and "
                    "cannot be recovered. If it is lost, revoke it and add a new one."
                ),
            ),
        )

    @admin.action(description=_("Revoke selected tokens"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet) -> None:
        tokens = api_token_revoke(actor=request.user, tokens=queryset)
        for token in tokens:
            self.log_change(request, token, gettext("Revoked."))
        messages.success(
            request,
            ngettext("Revoked %(count)d token.", "Revoked %(count)d tokens.", len(tokens)) % {"count": len(tokens)},
        )
