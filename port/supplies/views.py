"""Inventory pages: stock on hand, receiving, transfers, write-offs and the ledger. The distribution
report and a lot's page (with its recall list) read encounters, so they are served from port.outreach.views
at the same addresses (wired in port/urls.py). Team roles only; writes go through the services, and a
refused change is shown on the form with everything entered kept."""

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from port.accounts.access import membership_required, team_only
from port.accounts.http import MemberRequest
from port.accounts.models import Membership
from port.accounts.roles import SUPERVISING_ROLES
from port.core.pagination import page_of
from port.supplies.forms import (
    InventoryFilterForm,
    LedgerFilterForm,
    ReceiveForm,
    TransferForm,
    WriteOffForm,
    location_label,
)
from port.supplies.models import StockBalance, StockLocation
from port.supplies.selectors import (
    Expiry,
    balances_for,
    expiry_for,
    inventory_warnings,
    movements_for,
    stock_locations,
)
from port.supplies.services import (
    StockRefused,
    may_transfer_from,
    stock_receive_delivery,
    stock_transfer,
    stock_write_off,
)

LEDGER_PAGE_SIZE = 50


@dataclass
class StockRow:
    balance: StockBalance
    expiry: Expiry


@dataclass
class LocationStock:
    location: StockLocation
    label: str
    mine: bool
    can_move: bool
    rows: list[StockRow] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(row.balance.quantity for row in self.rows)


def page_context(viewer: Membership, **context: Any) -> dict[str, Any]:
    """What every inventory page's template needs: the nav's active section and whether to offer supervising."""
    return {"nav_active": "supplies", "can_supervise": viewer.role in SUPERVISING_ROLES, **context}


@require_GET
@team_only
def inventory(request: MemberRequest) -> HttpResponse:
    """Stock per location and lot; the viewer's own bag or vehicle first; warnings at the top."""
    viewer = request.membership
    today = viewer.program.today()
    locations = list(stock_locations(viewer=viewer))
    filter_form = InventoryFilterForm(request.GET, locations=locations)
    filter_form.is_valid()
    for message in filter_form.ignored():
        messages.warning(request, message)
    chosen = filter_form.location_id()

    sections = {
        location.pk: LocationStock(
            location=location,
            label=location_label(location),
            mine=location.holder_id == viewer.user_id,
            can_move=may_transfer_from(viewer, location),
        )
        for location in locations
        if chosen in (None, location.pk)
    }
    balances = balances_for(viewer=viewer)
    if chosen is not None:
        balances = balances.filter(location_id=chosen)
    for balance in balances:
        sections[balance.location_id].rows.append(StockRow(balance, expiry_for(balance.lot.expires_on, today)))
    # Retired locations drop out once they are empty (unless asked for by name).
    shown = [
        section for section in sections.values() if section.rows or section.location.is_active or chosen is not None
    ]
    return render(
        request,
        "supplies/inventory.html",
        page_context(
            viewer,
            sections=shown,
            filter_form=InventoryFilterForm(initial=filter_form.valid_values(), locations=locations),
            filtering=chosen is not None,
            inventory_warnings=inventory_warnings(viewer, today=today),
            can_transfer=any(may_transfer_from(viewer, location) for location in locations),
            time_zone=viewer.program.time_zone,
        ),
    )


def _stock_form_page(request: MemberRequest, form: forms.Form, *, title: str, intro: str, submit: str) -> HttpResponse:
    return render(
        request,
        "supplies/stock_form.html",
        page_context(request.membership, form=form, title=title, intro=intro, submit=submit),
    )


def _prefill(request: HttpRequest, *names: str) -> dict:
    """Initial choices from links on the inventory page (?source=3&lot=7); unknown values are not selected."""
    return {name: request.GET[name] for name in names if request.GET.get(name)}


@require_http_methods(["GET", "POST"])
@membership_required(SUPERVISING_ROLES)
def receive(request: MemberRequest) -> HttpResponse:
    """A delivery arrives: item, lot number and expiry (a new lot is created), where, how many."""
    viewer = request.membership
    if request.method == "POST":
        form = ReceiveForm(request.POST, viewer=viewer)
        if form.is_valid():
            data = form.cleaned_data
            try:
                movement = stock_receive_delivery(
                    by=viewer,
                    item=data["item"],
                    lot_number=data["lot_number"],
                    expires_on=data["expires_on"],
                    location=data["location"],
                    quantity=data["quantity"],
                )
            except StockRefused as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(
                    request,
                    _("Received %(quantity)d of %(item)s lot %(lot)s at %(place)s.")
                    % {
                        "quantity": movement.quantity,
                        "item": data["item"].name,
                        "lot": movement.lot.lot_number,
                        "place": data["location"].name,
                    },
                )
                return redirect("supplies:inventory")
    else:
        form = ReceiveForm(viewer=viewer, initial=_prefill(request, "item", "location"))
    return _stock_form_page(
        request,
        form,
        title=_("Receive stock"),
        submit=_("Receive"),
        intro=_(
            "Record a delivery. Enter the lot number and expiry date printed on the box; "
            "a lot seen before is recognised."
        ),
    )


@require_http_methods(["GET", "POST"])
@team_only
def transfer(request: MemberRequest) -> HttpResponse:
    """Move stock between locations, e.g. from the office into a peer's bag."""
    viewer = request.membership
    if request.method == "POST":
        form = TransferForm(request.POST, viewer=viewer)
        if form.is_valid():
            data = form.cleaned_data
            try:
                stock_transfer(
                    by=viewer,
                    lot=data["lot"],
                    source=data["source"],
                    destination=data["destination"],
                    quantity=data["quantity"],
                )
            except StockRefused as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(
                    request,
                    _("Moved %(quantity)d of %(item)s lot %(lot)s from %(source)s to %(destination)s.")
                    % {
                        "quantity": data["quantity"],
                        "item": data["lot"].item.name,
                        "lot": data["lot"].lot_number,
                        "source": data["source"].name,
                        "destination": data["destination"].name,
                    },
                )
                return redirect("supplies:inventory")
    else:
        form = TransferForm(viewer=viewer, initial=_prefill(request, "source", "lot", "destination"))
    intro = (
        _("Move stock from one place to another. Supervisors can move stock from anywhere.")
        if viewer.role in SUPERVISING_ROLES
        else _("Move stock out of the office or a bag or vehicle you carry, to any other location.")
    )
    return _stock_form_page(request, form, title=_("Transfer stock"), submit=_("Transfer"), intro=intro)


@require_http_methods(["GET", "POST"])
@membership_required(SUPERVISING_ROLES)
def write_off(request: MemberRequest) -> HttpResponse:
    """Remove expired, damaged, lost or recalled stock."""
    viewer = request.membership
    if request.method == "POST":
        form = WriteOffForm(request.POST, viewer=viewer)
        if form.is_valid():
            data = form.cleaned_data
            try:
                stock_write_off(
                    by=viewer,
                    lot=data["lot"],
                    location=data["location"],
                    quantity=data["quantity"],
                    reason=data["reason"],
                )
            except StockRefused as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(
                    request,
                    _("Wrote off %(quantity)d of %(item)s lot %(lot)s at %(place)s.")
                    % {
                        "quantity": data["quantity"],
                        "item": data["lot"].item.name,
                        "lot": data["lot"].lot_number,
                        "place": data["location"].name,
                    },
                )
                return redirect("supplies:inventory")
    else:
        form = WriteOffForm(viewer=viewer, initial=_prefill(request, "location", "lot"))
    return _stock_form_page(
        request,
        form,
        title=_("Write off stock"),
        submit=_("Write off"),
        intro=_("Take expired, damaged, lost or recalled stock out of the inventory. The ledger keeps the reason."),
    )


@require_GET
@team_only
def ledger(request: MemberRequest) -> HttpResponse:
    """Every stock change, newest first."""
    viewer = request.membership
    submitted = LedgerFilterForm(request.GET, viewer=viewer)
    submitted.is_valid()
    for message in submitted.ignored():
        messages.warning(request, message)
    page = page_of(request, movements_for(viewer=viewer, filters=submitted.ledger_filters()), LEDGER_PAGE_SIZE)
    return render(
        request,
        "supplies/ledger.html",
        page_context(
            viewer,
            page=page,
            filter_form=LedgerFilterForm(initial=submitted.valid_values(), viewer=viewer),
            filtering=bool(submitted.valid_values()),
            zone=viewer.program.zone,
            time_zone=viewer.program.time_zone,
        ),
    )
