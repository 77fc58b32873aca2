"""Forms for the inventory: filters, receiving, transfers and write-offs (the distribution report's form
is in port.outreach.forms, beside the report).

Choices come from the selectors, so a form never offers (or accepts) another program's stock."""

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from port.accounts.models import Membership
from port.accounts.roles import Role
from port.core.forms import form_field
from port.core.names import display_name
from port.supplies.models import Lot, StockLocation, StockMovement, SupplyItem
from port.supplies.selectors import (
    LedgerFilters,
    lots_for,
    stock_locations,
    supply_items,
    transfer_sources,
)

MAX_QUANTITY = 100_000


def location_label(location: StockLocation) -> str:
    if location.holder_id and location.kind != StockLocation.Kind.OFFICE:
        holder = display_name(location.holder)
        return _("%(name)s (%(holder)s)") % {"name": location.name, "holder": holder}
    return location.name


def lot_label(lot: Lot) -> str:
    if lot.expires_on:
        return _("%(item)s · lot %(lot)s · expires %(date)s") % {
            "item": lot.item.name,
            "lot": lot.lot_number,
            "date": lot.expires_on.isoformat(),
        }
    return _("%(item)s · lot %(lot)s") % {"item": lot.item.name, "lot": lot.lot_number}


class LocationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: StockLocation) -> str:
        return location_label(obj)


class LotChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Lot) -> str:
        return lot_label(obj)


def _quantity_field() -> forms.IntegerField:
    return forms.IntegerField(
        label=gettext_lazy("Quantity"),
        min_value=1,
        max_value=MAX_QUANTITY,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "min_value": gettext_lazy("The quantity must be at least 1."),
            "invalid": gettext_lazy("Enter a whole number, such as 12."),
        },
    )


def choice_error(what: str) -> dict:
    return {
        "invalid_choice": _("Choose %(what)s from the list.") % {"what": what},
        "required": _("Choose %(what)s.") % {"what": what},
    }


class ReceiveForm(forms.Form):
    # Quoted: Django's form fields take no type arguments at run time.
    item: "forms.ModelChoiceField[SupplyItem]" = forms.ModelChoiceField(
        queryset=None, label=gettext_lazy("Item"), empty_label=gettext_lazy("Choose…")
    )
    lot_number = forms.CharField(
        label=gettext_lazy("Lot number"),
        max_length=50,
        help_text=gettext_lazy("As printed on the box, e.g. 24B1187."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    expires_on = forms.DateField(
        label=gettext_lazy("Expiry date"),
        required=False,
        help_text=gettext_lazy("Leave empty only if the item has no expiry date."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    location = LocationChoiceField(
        queryset=None, label=gettext_lazy("Received at"), empty_label=gettext_lazy("Choose…")
    )
    quantity = _quantity_field()

    def __init__(self, *args: Any, viewer: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "item", forms.ModelChoiceField).queryset = supply_items(viewer=viewer)
        self.fields["item"].error_messages.update(choice_error(_("an item")))
        form_field(self, "location", forms.ModelChoiceField).queryset = stock_locations(viewer=viewer, active_only=True)
        self.fields["location"].error_messages.update(choice_error(_("a location")))
        self.fields["expires_on"].error_messages["invalid"] = _("Enter the date as year-month-day, e.g. 2027-03-31.")
        self.today = viewer.program.today()

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        item, expires_on = cleaned.get("item"), cleaned.get("expires_on")
        if (
            item is not None
            and item.kind == item.Kind.NALOXONE
            and expires_on is None
            and "expires_on" not in self.errors
        ):
            self.add_error("expires_on", _("Naloxone always has an expiry date: enter the one on the box."))
        if expires_on and expires_on < self.today:
            self.add_error("expires_on", _("That date has passed: expired stock cannot be received."))
        return cleaned


class TransferForm(forms.Form):
    source = LocationChoiceField(
        queryset=None,
        label=gettext_lazy("From"),
        empty_label=gettext_lazy("Choose…"),
        help_text=gettext_lazy("The office, or a bag or vehicle you carry."),
    )
    lot = LotChoiceField(queryset=None, label=gettext_lazy("Item and lot"), empty_label=gettext_lazy("Choose…"))
    destination = LocationChoiceField(queryset=None, label=gettext_lazy("To"), empty_label=gettext_lazy("Choose…"))
    quantity = _quantity_field()

    def __init__(self, *args: Any, viewer: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sources = transfer_sources(viewer=viewer)
        form_field(self, "source", forms.ModelChoiceField).queryset = stock_locations(viewer=viewer).filter(
            pk__in=[s.pk for s in sources]
        )
        self.fields["source"].error_messages.update(choice_error(_("where the stock comes from")))
        if viewer.role != Role.PEER:
            self.fields["source"].help_text = ""
        form_field(self, "lot", forms.ModelChoiceField).queryset = lots_for(viewer=viewer, in_stock=True)
        self.fields["lot"].error_messages.update(choice_error(_("an item and lot")))
        form_field(self, "destination", forms.ModelChoiceField).queryset = stock_locations(
            viewer=viewer, active_only=True
        )
        self.fields["destination"].error_messages.update(choice_error(_("where the stock goes")))

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("source") and cleaned.get("source") == cleaned.get("destination"):
            self.add_error("destination", _("Choose a different location from where the stock comes from."))
        return cleaned


class WriteOffForm(forms.Form):
    location = LocationChoiceField(queryset=None, label=gettext_lazy("At"), empty_label=gettext_lazy("Choose…"))
    lot = LotChoiceField(queryset=None, label=gettext_lazy("Item and lot"), empty_label=gettext_lazy("Choose…"))
    quantity = _quantity_field()
    reason = forms.ChoiceField(
        label=gettext_lazy("Reason"), choices=StockMovement.WriteOffReason.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, viewer: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "location", forms.ModelChoiceField).queryset = stock_locations(viewer=viewer)
        self.fields["location"].error_messages.update(choice_error(_("a location")))
        form_field(self, "lot", forms.ModelChoiceField).queryset = lots_for(viewer=viewer, in_stock=True)
        self.fields["lot"].error_messages.update(choice_error(_("an item and lot")))
        self.fields["reason"].error_messages.update(choice_error(_("a reason")))


class _FilterForm(forms.Form):
    """A filter read from the query string: a value it does not know is ignored, with a message."""

    def ignored(self) -> list[str]:
        return [
            _("The “%(filter)s” filter was ignored: “%(value)s” is not one of its choices.")
            % {"filter": self.fields[name].label, "value": str(self.data.get(name, ""))[:40]}
            for name in self.errors
        ]

    def valid_values(self) -> dict:
        return {
            name: self.data[name]
            for name in self.fields
            if name not in self.errors and self.data.get(name) not in (None, "")
        }


class InventoryFilterForm(_FilterForm):
    location = forms.ChoiceField(label=gettext_lazy("Location"), required=False)

    def __init__(self, *args: Any, locations: list[StockLocation], **kwargs: Any) -> None:
        # Choices from the list the page already loaded: filtering costs no extra query.
        super().__init__(*args, **kwargs)
        form_field(self, "location", forms.ChoiceField).choices = [("", _("All locations"))] + [
            (str(location.pk), location_label(location)) for location in locations
        ]

    def location_id(self) -> int | None:
        value = getattr(self, "cleaned_data", {}).get("location")
        return int(value) if value else None


class LedgerFilterForm(_FilterForm):
    item: "forms.ModelChoiceField[SupplyItem]" = forms.ModelChoiceField(
        queryset=None, label=gettext_lazy("Item"), required=False, empty_label=gettext_lazy("All items")
    )
    lot = LotChoiceField(queryset=None, label=gettext_lazy("Lot"), required=False, empty_label=gettext_lazy("All lots"))
    location = LocationChoiceField(
        queryset=None, label=gettext_lazy("Location"), required=False, empty_label=gettext_lazy("All locations")
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind of change"), required=False)

    def __init__(self, *args: Any, viewer: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "item", forms.ModelChoiceField).queryset = supply_items(viewer=viewer, active_only=False)
        form_field(self, "lot", forms.ModelChoiceField).queryset = lots_for(viewer=viewer)
        form_field(self, "location", forms.ModelChoiceField).queryset = stock_locations(viewer=viewer)
        form_field(self, "kind", forms.ChoiceField).choices = [("", _("All changes")), *StockMovement.Kind.choices]

    def ledger_filters(self) -> LedgerFilters:
        """Call after is_valid(): the valid filters (invalid ones are left out; see ignored())."""
        cleaned = getattr(self, "cleaned_data", {})
        return LedgerFilters(
            item=cleaned.get("item"),
            lot=cleaned.get("lot"),
            location=cleaned.get("location"),
            kind=cleaned.get("kind", ""),
        )
