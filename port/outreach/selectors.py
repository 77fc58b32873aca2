"""Reads for outreach, scoped to the viewer (a Membership): attempts and the attempt policy on a referral,
supporters, encounters, the team who may go on a visit, what can be given from inventory, and the
program's text templates, and what was given at encounters (the distribution report; a lot's recall list,
which its page audits). Reads of participant data are audited here."""

import datetime as dt
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db.models import Count, DateTimeField, F, Prefetch, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from port.accounts.models import Membership
from port.accounts.roles import SUPERVISING_ROLES, TEAM_ROLES, Role
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.outreach.models import (
    ContactAttempt,
    Encounter,
    EncounterAddendum,
    EncounterItem,
    RecoveryCapitalAssessment,
    Supporter,
    TeamMember,
    TextTemplate,
)
from port.outreach.services import ENCOUNTER_OUTCOMES, PolicyStatus, attempt_policy_status, encounter_locked
from port.participants.models import Participant
from port.participants.selectors import participants_visible_to
from port.referrals.models import OPEN_STATUSES, Referral, Status
from port.referrals.selectors import referrals_visible_to
from port.supplies.models import Lot, StockBalance, StockLocation, StockMovement, SupplyItem
from port.supplies.selectors import lots_to_offer, stock_locations, supply_items

# Who may be named, as a user, among those who went on an attempt or a visit.
VISITING_ROLES = TEAM_ROLES | {Role.FIRST_RESPONDER}


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _Given(TypedDict):
        given_at: dt.datetime

    class _Recall(_Given):
        encounter_id: int
        participant_id: int
        participant_public_id: UUID
        recipient_type: str
        peer_first_name: str
        peer_last_name: str
        peer_username: str


def _is_team(viewer: Membership) -> bool:
    return viewer.role in TEAM_ROLES


def _team_prefetch() -> Prefetch:
    return Prefetch("team", queryset=TeamMember.objects.select_related("user").order_by("pk"))


# ---- the team ----


def team_members(*, viewer: Membership) -> list[Membership]:
    """The program's active team and its EMS/fire partners (who can be named as having gone on an attempt
    or a visit; a named EMS/fire partner may then open the participant's visit sheet)."""
    if not _is_team(viewer):
        return []
    return list(
        Membership.objects.filter(
            program_id=viewer.program_id, role__in=VISITING_ROLES, is_active=True, user__is_active=True
        )
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )


# ---- supporters ----


def supporters_visible_to(viewer: Membership) -> QuerySet[Supporter]:
    if not _is_team(viewer):
        return Supporter.objects.none()
    return Supporter.objects.filter(program_id=viewer.program_id, participant__merged_into__isnull=True)


def participant_supporters(
    *, viewer: Membership, participant: Participant, agreed_only: bool = False, audit: bool = True
) -> list[Supporter]:
    """The participant's supporters (only those the participant agreed the team may talk with, if
    `agreed_only`); one query. Audited as a read of the participant's record."""
    queryset = supporters_visible_to(viewer).filter(participant=participant).select_related("consent_recorded_by")
    if agreed_only:
        queryset = queryset.filter(consent_to_contact=True)
    supporters = list(queryset)
    if audit and supporters:
        audit_record(
            action=AuditEvent.Action.LIST,
            by=viewer,
            target_type="outreach.supporter",
            target_ids=[s.pk for s in supporters],
            participant_ids=[participant.pk],
        )
    return supporters


def supporter_get(*, viewer: Membership, pk: int) -> Supporter:
    """One supporter of a participant the viewer may see, or 404. Audited as a read."""
    try:
        supporter = supporters_visible_to(viewer).select_related("participant", "consent_recorded_by").get(pk=pk)
    except Supporter.DoesNotExist as exc:
        raise Http404 from exc
    audit_record(
        action=AuditEvent.Action.VIEW,
        by=viewer,
        target_type="outreach.supporter",
        target_ids=[supporter.pk],
        participant_ids=[supporter.participant_id],
    )
    return supporter


# ---- attempts on a referral ----


@dataclass
class Measure:
    """Time from receipt to a stamp (first attempt, first contact), and whether it met the deadline.

    `met` is None while there is no stamp and the deadline has not passed yet."""

    at: dt.datetime | None
    elapsed: dt.timedelta | None
    met: bool | None


def _measure(stamp: dt.datetime | None, referral: Referral, now: dt.datetime) -> Measure:
    if stamp is None:
        return Measure(None, None, False if now > referral.contact_deadline else None)
    return Measure(stamp, stamp - referral.received_at, stamp <= referral.contact_deadline)


@dataclass
class OutreachSummary:
    """What the referral page shows about outreach: figures derived from the stamps, the attempts (with
    who went), encounters, and whether the attempt policy is used up."""

    referral: Referral
    attempts: list[ContactAttempt]
    encounters: list[Encounter]
    policy: PolicyStatus
    first_attempt: Measure
    first_contact: Measure
    can_log_attempt: bool
    # The policy is used up without contact: closing as unable to reach is offered to supervisors.
    offered_for_closing: bool
    can_close: bool
    encounter_outcomes: frozenset = field(default=ENCOUNTER_OUTCOMES)


def referral_attempts(*, viewer: Membership, referral: Referral) -> list[ContactAttempt]:
    """A referral's attempts, oldest first, each with its team (one query for all of them), the
    supporter reached and the encounter it led to."""
    if not _is_team(viewer) or referral.program_id != viewer.program_id:
        return []
    return list(
        ContactAttempt.objects.filter(program_id=viewer.program_id, referral=referral)
        .select_related("recorded_by", "supporter", "encounter")
        .prefetch_related(_team_prefetch())
        .order_by("attempted_at", "pk")
    )


def referral_outreach_summary(
    *, viewer: Membership, referral: Referral, now: dt.datetime | None = None
) -> OutreachSummary | None:
    """Outreach on one referral (None for anyone outside the program's team). Four queries and an
    audit entry, however many attempts there are."""
    if not _is_team(viewer) or referral.program_id != viewer.program_id:
        return None
    now = now or timezone.now()
    attempts = referral_attempts(viewer=viewer, referral=referral)
    encounters = list(
        Encounter.objects.filter(program_id=viewer.program_id, referral=referral)
        .select_related("author")
        .order_by("-occurred_at", "-pk")
    )
    if attempts or encounters:
        audit_record(
            action=AuditEvent.Action.LIST,
            by=viewer,
            target_type="outreach.contactattempt",
            target_ids=[a.pk for a in attempts],
            participant_ids=[referral.participant_id],
            note=f"referral {referral.pk}: attempts and {len(encounters)} encounters",
        )
    policy = attempt_policy_status(referral=referral, attempts=attempts)
    return OutreachSummary(
        referral=referral,
        attempts=attempts,
        encounters=encounters,
        policy=policy,
        first_attempt=_measure(referral.first_attempt_at, referral, now),
        first_contact=_measure(referral.first_contact_at, referral, now),
        can_log_attempt=referral.status != Status.CLOSED and referral.assigned_to_id is not None,
        offered_for_closing=policy.exhausted,
        can_close=policy.exhausted and viewer.role in SUPERVISING_ROLES,
    )


def attempt_for_encounter(*, viewer: Membership, participant: Participant, pk: int | str) -> ContactAttempt:
    """An attempt on this participant that an encounter may follow, or 404."""
    if not _is_team(viewer):
        raise Http404
    try:
        return (
            ContactAttempt.objects.select_related("referral", "supporter", "encounter")
            .prefetch_related(_team_prefetch())
            .get(pk=int(pk), program_id=viewer.program_id, participant=participant)
        )
    except (ContactAttempt.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def open_referrals_of(*, viewer: Membership, participant: Participant) -> list[Referral]:
    """The participant's open referrals, newest first (an encounter may be about one of them)."""
    return list(
        referrals_visible_to(viewer)
        .filter(participant=participant, status__in=OPEN_STATUSES)
        .select_related("program")
        .order_by("-received_at", "-pk")
    )


# ---- trends: BARC-10 totals and the readiness ruler ----

# The most recent this many points are drawn (and tabled) on the participant's page.
TREND_POINTS = 24


def recovery_capital_visible_to(viewer: Membership) -> QuerySet[RecoveryCapitalAssessment]:
    if not _is_team(viewer):
        return RecoveryCapitalAssessment.objects.none()
    return RecoveryCapitalAssessment.objects.filter(program_id=viewer.program_id, participant__merged_into__isnull=True)


def barc10_trend(
    *, viewer: Membership, participant: Participant, limit: int = TREND_POINTS
) -> list[RecoveryCapitalAssessment]:
    """The participant's latest BARC-10 totals, oldest first: one query however many there are. A part
    of the participant's page, whose read is audited there."""
    rows = list(
        recovery_capital_visible_to(viewer)
        .filter(participant=participant)
        .only("pk", "given_at", "total")
        .order_by("-given_at", "-pk")[:limit]
    )
    return rows[::-1]


def readiness_trend(*, viewer: Membership, participant: Participant, limit: int = TREND_POINTS) -> list[Encounter]:
    """The readiness ruler (0 to 10) of the participant's latest encounters that recorded one, oldest
    first: one query."""
    rows = list(
        encounters_visible_to(viewer)
        .filter(participant=participant, readiness__isnull=False)
        .only("pk", "occurred_at", "readiness")
        .order_by("-occurred_at", "-pk")[:limit]
    )
    return rows[::-1]


# ---- encounters ----


def encounters_visible_to(viewer: Membership) -> QuerySet[Encounter]:
    if not _is_team(viewer):
        return Encounter.objects.none()
    return Encounter.objects.filter(program_id=viewer.program_id, participant__merged_into__isnull=True)


def encounter_get(*, viewer: Membership, pk: int, audit: bool = True) -> Encounter:
    """One encounter with everything its page shows (a fixed number of queries), or 404. Audited."""
    try:
        encounter = (
            encounters_visible_to(viewer)
            .select_related("participant", "referral", "attempt", "author", "program")
            .prefetch_related(
                _team_prefetch(),
                Prefetch("items", queryset=EncounterItem.objects.select_related("supply_item", "lot", "supporter")),
                Prefetch("supporters_present", queryset=Supporter.objects.order_by("first_name", "pk")),
                Prefetch("addenda", queryset=EncounterAddendum.objects.select_related("author")),
            )
            .get(pk=pk)
        )
    except Encounter.DoesNotExist as exc:
        raise Http404 from exc
    if audit:
        audit_record(
            action=AuditEvent.Action.VIEW,
            by=viewer,
            target_type="outreach.encounter",
            target_ids=[encounter.pk],
            participant_ids=[encounter.participant_id],
        )
    return encounter


def encounter_editable_until(encounter: Encounter) -> dt.datetime:
    return encounter.created_at + dt.timedelta(hours=encounter.program.encounter_edit_hours)


def may_edit_encounter(viewer: Membership, encounter: Encounter, now: dt.datetime | None = None) -> bool:
    """Its author, within the program's edit period."""
    return (
        _is_team(viewer)
        and encounter.program_id == viewer.program_id
        and encounter.author_id == viewer.user_id
        and not encounter_locked(encounter, now)
    )


# ---- what can be given from inventory ----


@dataclass
class SupplyOffer:
    """A lot of an item in stock at a place the viewer can give from: their own bag or vehicle, or the office."""

    balance: StockBalance
    mine: bool

    @property
    def key(self) -> str:
        return str(self.balance.pk)


@dataclass
class SupplyOffers:
    item: SupplyItem
    offers: list[SupplyOffer]


# The order the encounter form lists items in: naloxone first, as it is what the team gives most.
KIND_ORDER: dict[str, int] = {
    kind: rank
    for rank, kind in enumerate(
        [
            SupplyItem.Kind.NALOXONE,
            SupplyItem.Kind.HYGIENE_KIT,
            SupplyItem.Kind.TEST_STRIPS,
            SupplyItem.Kind.WOUND_CARE,
            SupplyItem.Kind.OTHER,
        ]
    )
}


def giving_locations(*, viewer: Membership) -> tuple[list[StockLocation], list[StockLocation]]:
    """Where the viewer gives from: the bags or vehicles they carry, and the office(s). One query."""
    locations = list(stock_locations(viewer=viewer, active_only=True))
    own = [loc for loc in locations if loc.holder_id == viewer.user_id and loc.kind != StockLocation.Kind.OFFICE]
    offices = [loc for loc in locations if loc.kind == StockLocation.Kind.OFFICE]
    return own, offices


def supplies_to_offer(*, viewer: Membership) -> list[SupplyOffers]:
    """Every active supply item with the lots that can be given, earliest-expiring first at the viewer's
    own bag or vehicle, then at the office (port.supplies.selectors.lots_to_offer; expired lots are
    never offered). The first offer of each item is the one to preselect.

    The number of queries depends on the program's items and the viewer's locations, never on how many
    lots are in stock."""
    if not _is_team(viewer):
        return []
    own, offices = giving_locations(viewer=viewer)
    items = sorted(supply_items(viewer=viewer), key=lambda item: (KIND_ORDER.get(item.kind, 99), item.name))
    result = []
    for item in items:
        offers = []
        for location in [*own, *offices]:
            offers += [
                SupplyOffer(balance, mine=location in own)
                for balance in lots_to_offer(viewer=viewer, item=item, location=location)
            ]
        result.append(SupplyOffers(item, offers))
    return result


# ---- text templates ----

SPANISH_HINTS = ("es", "spa", "españ", "espan")
PLACEHOLDERS = frozenset({"peer_name", "first_name"})


def language_of(preferred_language: str) -> str:
    """Which template language fits a participant's preferred language ("Spanish", "es", "Español")."""
    value = (preferred_language or "").strip().lower()
    if value.startswith(SPANISH_HINTS):
        return TextTemplate.Language.SPANISH
    return TextTemplate.Language.ENGLISH


def template_placeholders(body: str) -> set[str]:
    """The {names} a template body uses (ValueError if its braces do not pair up)."""
    return {name for _text, name, _spec, _conv in string.Formatter().parse(body) if name is not None}


class _KeepUnknown(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill_template(body: str, *, peer_name: str, first_name: str) -> str:
    try:
        return body.format_map(_KeepUnknown(peer_name=peer_name, first_name=first_name))
    except (ValueError, IndexError, AttributeError):
        return body  # a body the admin's form would have refused: shown as written


@dataclass
class FilledTemplate:
    template: TextTemplate
    text: str
    preferred: bool


def text_templates_for(*, viewer: Membership, participant: Participant) -> list[FilledTemplate]:
    """The program's active text templates, filled in, in the participant's preferred language first."""
    if not _is_team(viewer):
        return []
    # Marked as "their language" only when the participant's language is known.
    preferred = language_of(participant.preferred_language) if participant.preferred_language.strip() else None
    templates = TextTemplate.objects.filter(program_id=viewer.program_id, is_active=True)
    first_name = participant.preferred_name or participant.first_name
    peer_name = viewer.user.first_name or viewer.user.get_username()
    filled = [
        FilledTemplate(t, fill_template(t.body, peer_name=peer_name, first_name=first_name), t.language == preferred)
        for t in templates
    ]
    # Their language first, then English before Spanish; within one, in the order the program added them.
    return sorted(filled, key=lambda f: (not f.preferred, f.template.language, f.template.pk))


# ---- supplies given at encounters: the distribution report and a lot's recall list ----
# The ledger does not know encounters (an encounter's item points at its ledger entry), so what was
# given to whom and when is read here, from the encounter's side.


class Period:
    WEEK = "week"
    MONTH = "month"


def _local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone)


def _distributions(viewer: Membership) -> "QuerySet[WithAnnotations[StockMovement, _Given]]":
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

    def _local_day(value: dt.date | dt.datetime) -> dt.date:
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
    for given_to in per_recipient:
        # "" collects any distribution not tied to an encounter item (none are made that way today).
        counts = recipient_counts.setdefault(given_to["encounter_item__recipient_type"] or "", [0] * len(items))
        counts[column[given_to["lot__item__name"]]] += -given_to["kits"]
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


def lot_distributions(*, viewer: Membership, lot: Lot) -> "QuerySet[WithAnnotations[StockMovement, _Recall]]":
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


def lot_distribution_rows(
    movements: "Iterable[WithAnnotations[StockMovement, _Recall]]", zone: ZoneInfo
) -> list[LotDistribution]:
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
