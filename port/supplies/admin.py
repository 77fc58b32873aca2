"""Supply items (with their low-stock levels), stock locations and lots in the program admin, scoped to
the admin's programs like everything else there (port.accounts.admin_site.ProgramScopeMixin).

Stock itself (balances and the ledger) is not editable here: it changes only through the inventory
services, so every change is a ledger entry. Items and locations are retired (Active unticked), not
deleted, because the ledger points at them.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import ForeignKey, Model
from django.http import HttpRequest
from django.utils.translation import gettext as _

from port.accounts.admin_site import admin_site, administered_program_ids
from port.accounts.models import Membership
from port.accounts.roles import TEAM_ROLES
from port.audit.admin_mixins import ProgramScopedAdmin
from port.supplies.models import Lot, StockLocation, SupplyItem


class NoDeleteMixin:
    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(SupplyItem, site=admin_site)
class SupplyItemAdmin(NoDeleteMixin, ProgramScopedAdmin):
    list_display = ("name", "kind", "unit", "low_stock_level", "is_active", "program")
    list_editable = ("low_stock_level",)
    list_filter = ("kind", "is_active", ("program", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("program",)
    search_fields = ("name",)
    fields = ("program", "name", "kind", "unit", "low_stock_level", "is_active")

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> tuple[str, ...]:
        # Lots and the ledger hang off the item: it stays in its program.
        return ("program",) if obj is not None else ()


class StockLocationForm(forms.ModelForm):
    class Meta:
        model = StockLocation
        fields = ("program", "name", "kind", "holder", "is_active")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        program = cleaned.get("program") or getattr(self.instance, "program", None)
        holder = cleaned.get("holder")
        if (
            holder is not None
            and program is not None
            and not Membership.objects.filter(
                user=holder, program=program, role__in=TEAM_ROLES, is_active=True
            ).exists()
        ):
            self.add_error("holder", _("The holder must be an active member of this program's team."))
        return cleaned


@admin.register(StockLocation, site=admin_site)
class StockLocationAdmin(NoDeleteMixin, ProgramScopedAdmin):
    form = StockLocationForm
    list_display = ("name", "kind", "holder", "is_active", "program")
    list_filter = ("kind", "is_active", ("program", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("program", "holder")
    search_fields = ("name",)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> tuple[str, ...]:
        return ("program",) if obj is not None else ()


@admin.register(Lot, site=admin_site)
class LotAdmin(NoDeleteMixin, ProgramScopedAdmin):
    """Lots are created by receiving stock; here their number or expiry date can be corrected."""

    program_field = "item__program"
    list_display = ("lot_number", "item", "expires_on")
    list_filter = (("item", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("item",)
    search_fields = ("lot_number",)
    fields = ("item", "lot_number", "expires_on")

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> tuple[str, ...]:
        return ("item",) if obj is not None else ()

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> "forms.ModelChoiceField[Any] | None":
        # The shared scoping does not know supply items: limit them to the admin's programs here.
        if db_field.related_model is SupplyItem and not request.user.is_superuser:
            kwargs["queryset"] = SupplyItem.objects.filter(program__in=administered_program_ids(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
