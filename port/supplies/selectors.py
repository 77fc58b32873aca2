"""Reads of inventory, scoped to the viewer's program. Stock holds no participant data, and the ledger
knows nothing of encounters: what was given at which encounter (the distribution report, a lot's recall
list) is read from above, in port.outreach.selectors."""

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Case, F, IntegerField, QuerySet, Sum, Value, When
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from port.accounts.models import Membership
from port.accounts.roles import TEAM_ROLES
from port.supplies.models import Lot, StockBalance, StockLocation, StockMovement, SupplyItem
from port.supplies.services import may_transfer_from

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _OnHand(TypedDict):
        on_hand: int


EXPIRY_WARNING_DAYS = 60


def _is_team(viewer: Membership) -> bool:
    return viewer.role in TEAM_ROLES


# ---- items, locations, lots ----


def supply_items(*, viewer: Membership, active_only: bool = True) -> QuerySet[SupplyItem]:
    if not _is_team(viewer):
        return SupplyItem.objects.none()
    items = SupplyItem.objects.filter(program_id=viewer.program_id)
    return (items.filter(is_active=True) if active_only else items).order_by("name")


def stock_locations(*, viewer: Membership, active_only: bool = False) -> QuerySet[StockLocation]:
    """The program's locations: the viewer's own bag or vehicle first, then the office, then the rest."""
    if not _is_team(viewer):
        return StockLocation.objects.none()
    locations = StockLocation.objects.filter(program_id=viewer.program_id)
    if active_only:
        locations = locations.filter(is_active=True)
    return (
        locations.select_related("holder")
        .annotate(
            rank=Case(
                When(holder_id=viewer.user_id, then=Value(0)),
                When(kind=StockLocation.Kind.OFFICE, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "name")
    )


def transfer_sources(*, viewer: Membership) -> list[StockLocation]:
    """Where the viewer may move stock out of (see services.may_transfer_from)."""
    return [location for location in stock_locations(viewer=viewer) if may_transfer_from(viewer, location)]


def lots_for(*, viewer: Membership, in_stock: bool = False) -> QuerySet[Lot]:
    """The program's lots, by item then earliest expiry; `in_stock`: only those with stock somewhere."""
    if not _is_team(viewer):
        return Lot.objects.none()
    lots = Lot.objects.filter(item__program_id=viewer.program_id)
    if in_stock:
        lots = lots.filter(pk__in=StockBalance.objects.filter(quantity__gt=0).values("lot_id"))
    return lots.select_related("item").order_by("item__name", F("expires_on").asc(nulls_last=True), "lot_number")


def lot_get(*, viewer: Membership, pk: int) -> Lot:
    """One lot of the viewer's program, or 404."""
    try:
        return lots_for(viewer=viewer).get(pk=pk)
    except Lot.DoesNotExist as exc:
        raise Http404 from exc


# ---- stock on hand ----


def balances_for(*, viewer: Membership, location: StockLocation | None = None) -> QuerySet[StockBalance]:
    """Stock on hand per lot and location, earliest expiry first."""
    if not _is_team(viewer):
        return StockBalance.objects.none()
    balances = StockBalance.objects.filter(location__program_id=viewer.program_id, quantity__gt=0)
    if location is not None:
        balances = balances.filter(location=location)
    return balances.select_related("lot__item", "location").order_by(
        "lot__item__name", "lot__expires_on", "location__name"
    )


def lots_to_offer(
    *, viewer: Membership, item: SupplyItem, location: StockLocation, today: dt.date | None = None
) -> list[StockBalance]:
    """Lots of `item` in stock at `location`, earliest-expiring first (expired ones excluded)."""
    today = today or viewer.program.today()
    balances = balances_for(viewer=viewer, location=location).filter(lot__item=item)
    return [
        b
        for b in balances.order_by(F("lot__expires_on").asc(nulls_last=True), "lot__pk")
        if b.lot.expires_on is None or b.lot.expires_on >= today
    ]


def low_stock_items(*, viewer: Membership) -> list[tuple[SupplyItem, int]]:
    """Items whose total stock across the program is below their low-stock level."""
    if not _is_team(viewer):
        return []
    items = list(SupplyItem.objects.filter(program_id=viewer.program_id, is_active=True, low_stock_level__gt=0))
    totals = dict(
        StockBalance.objects.filter(lot__item__in=items).values_list("lot__item").annotate(total=Sum("quantity"))
    )
    low = []
    for item in items:
        total = totals.get(item.pk) or 0
        if total < item.low_stock_level:
            low.append((item, total))
    return low


def lots_expiring(*, viewer: Membership, today: dt.date | None = None) -> "QuerySet[WithAnnotations[Lot, _OnHand]]":
    """Lots with stock on hand that expire within 60 days (or have expired)."""
    if not _is_team(viewer):
        return Lot.objects.none().annotate(on_hand=Sum("balances__quantity"))  # still none; the same type
    today = today or viewer.program.today()
    return (
        Lot.objects.filter(
            item__program_id=viewer.program_id,
            expires_on__lte=today + dt.timedelta(days=EXPIRY_WARNING_DAYS),
            balances__quantity__gt=0,
        )
        .annotate(on_hand=Sum("balances__quantity"))
        .select_related("item")
        .order_by("expires_on")
    )


# ---- words for expiry, and the warnings block ----


@dataclass
class Expiry:
    words: str
    badge: str
    expired: bool


def expiry_for(expires_on: dt.date | None, today: dt.date) -> Expiry:
    """'expires in 45 days', 'expires today', 'expired': short enough for a phone's row."""
    if expires_on is None:
        return Expiry(_("no expiry date"), "badge-neutral", expired=False)
    days = (expires_on - today).days
    if days < 0:
        return Expiry(_("expired"), "badge-overdue", expired=True)
    if days == 0:
        words = _("expires today")
    elif days == 1:
        words = _("expires tomorrow")
    else:
        words = ngettext("expires in %(days)d day", "expires in %(days)d days", days) % {"days": days}
    return Expiry(words, "badge-due-soon" if days <= EXPIRY_WARNING_DAYS else "badge-ok", expired=False)


@dataclass
class LowStock:
    item: SupplyItem
    on_hand: int


@dataclass
class ExpiringLot:
    lot: Lot
    on_hand: int
    expiry: Expiry


@dataclass
class InventoryWarnings:
    """What the warnings block (supplies/_warnings.html) shows; empty for anyone outside the team."""

    low_stock: list[LowStock] = field(default_factory=list)
    expiring: list[ExpiringLot] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.low_stock or self.expiring)


def inventory_warnings(viewer: Membership, today: dt.date | None = None) -> InventoryWarnings:
    """Stock below a program-set level, and lots expiring within 60 days: three queries, whatever the size."""
    if not _is_team(viewer):
        return InventoryWarnings()
    today = today or viewer.program.today()
    return InventoryWarnings(
        low_stock=[LowStock(item, total) for item, total in low_stock_items(viewer=viewer)],
        expiring=[
            ExpiringLot(lot, lot.on_hand, expiry_for(lot.expires_on, today))
            for lot in lots_expiring(viewer=viewer, today=today)
        ],
    )


# ---- the ledger ----


@dataclass
class LedgerFilters:
    item: SupplyItem | None = None
    lot: Lot | None = None
    location: StockLocation | None = None
    kind: str = ""


def movements_for(*, viewer: Membership, filters: LedgerFilters | None = None) -> QuerySet[StockMovement]:
    """Every stock change of the program, newest first."""
    if not _is_team(viewer):
        return StockMovement.objects.none()
    filters = filters or LedgerFilters()
    movements = StockMovement.objects.filter(program_id=viewer.program_id)
    if filters.item is not None:
        movements = movements.filter(lot__item=filters.item)
    if filters.lot is not None:
        movements = movements.filter(lot=filters.lot)
    if filters.location is not None:
        movements = movements.filter(location=filters.location)
    if filters.kind:
        movements = movements.filter(kind=filters.kind)
    return movements.select_related("lot__item", "location", "recorded_by").order_by("-recorded_at", "-pk")


# ---- a lot's totals ----


def lot_summary(*, viewer: Membership, lot: Lot) -> dict[str, int]:
    """Totals of a lot's ledger by kind (received, distributed, written off, on hand)."""
    totals = dict(
        movements_for(viewer=viewer, filters=LedgerFilters(lot=lot))
        .order_by()
        .values_list("kind")
        .annotate(total=Sum("quantity"))
    )
    on_hand = sum(totals.values())
    return {
        "received": totals.get(StockMovement.Kind.RECEIVE, 0),
        "distributed": -totals.get(StockMovement.Kind.DISTRIBUTE, 0),
        "written_off": -totals.get(StockMovement.Kind.WRITE_OFF, 0),
        "on_hand": on_hand,
    }
