"""Reads of inventory, scoped to the viewer's program. Stock itself holds no participant data; the
recall list of a lot (`lot_distributions`) does, and is audited by the page that shows it."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Count, DateTimeField, F, IntegerField, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek
from django.http import Http404
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from port.accounts.models import Membership
from port.accounts.roles import TEAM_ROLES
from port.outreach.models import EncounterItem
from port.participants.selectors import participants_visible_to
from port.supplies.models import Lot, StockBalance, StockLocation, StockMovement, SupplyItem
from port.supplies.services import may_transfer_from

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


def lots_expiring(*, viewer: Membership, today: dt.date | None = None) -> QuerySet[Lot]:
    """Lots with stock on hand that expire within 60 days (or have expired)."""
    if not _is_team(viewer):
        return Lot.objects.none()
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


# ---- what was given: the distribution report and a lot's recall list ----


class Period:
    WEEK = "week"
    MONTH = "month"


def _local_midnight(day: dt.date, zone) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone)


def _distributions(viewer: Membership) -> QuerySet[StockMovement]:
    movements = StockMovement.objects.filter(program_id=viewer.program_id, kind=StockMovement.Kind.DISTRIBUTE)
    if not _is_team(viewer):
        movements = movements.none()
    # When it was given is the encounter's time (a visit may be entered later); the ledger time otherwise.
    return movements.annotate(
        given_at=Coalesce("encounter_item__encounter__occurred_at", "recorded_at", output_field=DateTimeField())
    )


def period_starts(start: dt.date, end: dt.date, period: str) -> list[dt.date]:
    """The first day of every week (Monday) or month that overlaps start..end."""
    if period == Period.WEEK:
        day = start - dt.timedelta(days=start.weekday())
        starts = []
        while day <= end:
            starts.append(day)
            day += dt.timedelta(days=7)
        return starts
    day = start.replace(day=1)
    starts = []
    while day <= end:
        starts.append(day)
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return starts


@dataclass
class ReportRow:
    label: str
    counts: list[int]
    total: int
    key: object = None
    items: list[str] = field(default_factory=list)

    @property
    def cells(self) -> list[tuple[str, int]]:
        """(item name, count) pairs, so each cell can name its column on a phone."""
        return list(zip(self.items, self.counts, strict=True))


@dataclass
class LotRow:
    lot_id: int
    item_name: str
    lot_number: str
    expires_on: dt.date | None
    kits: int
    encounters: int


@dataclass
class DistributionReport:
    start: dt.date
    end: dt.date
    period: str
    items: list[str]
    by_period: list[ReportRow]
    by_recipient: list[ReportRow]
    by_lot: list[LotRow]
    total: int


def distribution_report(
    *, viewer: Membership, start: dt.date, end: dt.date, period: str = Period.MONTH, item: SupplyItem | None = None
) -> DistributionReport:
    """Kits given from `start` to `end` (dates in the program's time zone, both included): per week or
    month, per recipient type and per lot. Aggregates only, so no participant data; four queries."""
    zone = viewer.program.zone
    given = _distributions(viewer).filter(
        given_at__gte=_local_midnight(start, zone), given_at__lt=_local_midnight(end + dt.timedelta(days=1), zone)
    )
    if item is not None:
        given = given.filter(lot__item=item)

    trunc = TruncWeek if period == Period.WEEK else TruncMonth
    per_period = list(
        given.annotate(period_start=trunc("given_at", tzinfo=zone))
        .values("period_start", "lot__item__name")
        .annotate(kits=Sum("quantity"))
        .order_by()
    )
    per_recipient = list(
        given.values("encounter_item__recipient_type", "lot__item__name").annotate(kits=Sum("quantity")).order_by()
    )
    per_lot = list(
        given.values("lot_id", "lot__item__name", "lot__lot_number", "lot__expires_on")
        .annotate(kits=Sum("quantity"), encounters=Count("encounter_item__encounter", distinct=True))
        .order_by("lot__item__name", "lot__expires_on", "lot__lot_number")
    )

    items = sorted({row["lot__item__name"] for row in per_period})
    column = {name: index for index, name in enumerate(items)}

    def _local_day(value) -> dt.date:
        # TruncWeek/TruncMonth give an aware datetime on some databases and a date on none; normalise.
        return value.astimezone(zone).date() if isinstance(value, dt.datetime) else value

    period_counts: dict[dt.date, list[int]] = {day: [0] * len(items) for day in period_starts(start, end, period)}
    for row in per_period:
        counts = period_counts.setdefault(_local_day(row["period_start"]), [0] * len(items))
        counts[column[row["lot__item__name"]]] += -row["kits"]
    by_period = [
        ReportRow(_period_label(day, period), counts, sum(counts), key=day, items=items)
        for day, counts in sorted(period_counts.items())
    ]

    recipient_counts = {value: [0] * len(items) for value in EncounterItem.Recipient.values}
    for row in per_recipient:
        # "" collects any distribution not tied to an encounter item (none are made that way today).
        counts = recipient_counts.setdefault(row["encounter_item__recipient_type"] or "", [0] * len(items))
        counts[column[row["lot__item__name"]]] += -row["kits"]
    by_recipient = [
        ReportRow(
            str(EncounterItem.Recipient(value).label) if value else _("Not recorded"),
            counts,
            sum(counts),
            key=value,
            items=items,
        )
        for value, counts in recipient_counts.items()
    ]

    by_lot = [
        LotRow(
            row["lot_id"],
            row["lot__item__name"],
            row["lot__lot_number"],
            row["lot__expires_on"],
            -row["kits"],
            row["encounters"],
        )
        for row in per_lot
    ]
    return DistributionReport(
        start=start,
        end=end,
        period=period,
        items=items,
        by_period=by_period,
        by_recipient=by_recipient,
        by_lot=by_lot,
        total=sum(row.total for row in by_period),
    )


def _period_label(day: dt.date, period: str) -> str:
    if period == Period.WEEK:
        return _("Week of %(date)s") % {"date": date_format(day, "j M Y")}
    return date_format(day, "F Y")


@dataclass
class LotDistribution:
    """One encounter at which a lot was given: when, by whom, to what kind of recipient. The participant
    is named only by the public id of their page (for recalls, the team opens it there)."""

    given_at: dt.datetime
    peer: str
    recipient_type: str
    quantity: int
    location: str
    encounter_id: int
    participant_id: int
    participant_public_id: object


def lot_distributions(*, viewer: Membership, lot: Lot) -> QuerySet[StockMovement]:
    """Every distribution of `lot` to a participant the viewer may see, newest first (for recalls).
    Only what the recall list shows is read: no names, no encounter notes."""
    return (
        _distributions(viewer)
        .filter(lot=lot, encounter_item__encounter__participant__in=participants_visible_to(viewer))
        .select_related("location")
        .annotate(
            encounter_id=F("encounter_item__encounter_id"),
            participant_id=F("encounter_item__encounter__participant_id"),
            participant_public_id=F("encounter_item__encounter__participant__public_id"),
            recipient_type=F("encounter_item__recipient_type"),
            peer_first_name=F("encounter_item__encounter__author__first_name"),
            peer_last_name=F("encounter_item__encounter__author__last_name"),
            peer_username=F("encounter_item__encounter__author__username"),
        )
        .order_by("-given_at", "-pk")
    )


def lot_distribution_rows(movements, zone) -> list[LotDistribution]:
    """The recall list's rows, times in the program's zone."""
    return [
        LotDistribution(
            given_at=movement.given_at.astimezone(zone),
            peer=f"{movement.peer_first_name} {movement.peer_last_name}".strip() or movement.peer_username,
            recipient_type=str(EncounterItem.Recipient(movement.recipient_type).label),
            quantity=-movement.quantity,
            location=movement.location.name,
            encounter_id=movement.encounter_id,
            participant_id=movement.participant_id,
            participant_public_id=movement.participant_public_id,
        )
        for movement in movements
    ]


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
