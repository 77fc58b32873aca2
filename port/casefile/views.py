"""Participant pages: search, the participant's page, possible duplicates, and merging two records.

Only the program's team works with participant records. The list pages (search, possible
duplicates) answer 403 to other roles; a record's own pages answer 404 to anyone who may not see
that record, so its existence is not leaked.
"""

import datetime as dt
from dataclasses import dataclass, field
from uuid import UUID
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from port.accounts.access import membership_required, team_only
from port.accounts.http import MemberRequest
from port.accounts.models import Membership
from port.accounts.roles import Role
from port.accounts.visibility import Group, can_see
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.casefile import selectors
from port.casefile.forms import KeepRecordForm, ParticipantSearchForm, ReviewDecisionForm
from port.consent.selectors import participant_consents
from port.core.charts import ChartPoint
from port.core.pagination import page_of
from port.linkage.selectors import participant_handoffs, upcoming_for
from port.outreach import barc10
from port.outreach.models import Encounter, EncounterItem
from port.outreach.selectors import barc10_trend, participant_supporters, readiness_trend
from port.participants import selectors as people
from port.participants.break_glass import break_glass_reader
from port.participants.models import MatchCandidate, Participant, ParticipantMerge
from port.participants.normalize import format_phone, normalize_name
from port.participants.services import match_candidate_dismiss, match_candidate_merge, participant_merge
from port.referrals.clock import contact_clock
from port.referrals.models import ClosingReason, Referral, ReferralChange, Source

# Record pages let every member in, so that the selector answers 404 for records they may not see.
any_member = membership_required(Role.values)

REVIEW_PAGE_SIZE = 25

REASON_LABELS = {
    "same name": gettext_lazy("Same name"),
    "same as a known alias": gettext_lazy("Same as a known alias"),
    "same date of birth": gettext_lazy("Same date of birth"),
    "same phone number": gettext_lazy("Same phone number"),
    "similar name": gettext_lazy("Similar name"),
    "different name": gettext_lazy("Different name"),
    "date of birth missing": gettext_lazy("Date of birth missing on one record"),
    "date of birth differs slightly": gettext_lazy("Date of birth differs slightly (a typing slip?)"),
    "date of birth differs": gettext_lazy("Different date of birth"),
    "only part of the name known": gettext_lazy("Only a first or a last name is known"),
}


def humanise_reasons(reasons: list[str]) -> list[str]:
    return [str(REASON_LABELS.get(reason, reason.capitalize())) for reason in reasons]


# ---- search ----


def _search_data(request: HttpRequest) -> QueryDict | None:
    """The search box posts, so names and birth dates stay out of URLs and browser history; a query in
    the URL (?q=) is not read at all."""
    return request.POST if request.method == "POST" else None


@require_http_methods(["GET", "POST"])
@team_only
def participant_search(request: MemberRequest) -> HttpResponse:
    viewer = request.membership
    form = ParticipantSearchForm(_search_data(request))
    results = None
    if form.is_bound and form.is_valid():
        results = people.participant_search(viewer=viewer, query=form.cleaned_data["q"])
        people.audit_participant_list(viewer=viewer, participants=results, note="participant search")
    return render(
        request,
        "casefile/search.html",
        {
            "form": form,
            "results": _search_rows(results),
            "limit": people.SEARCH_LIMIT,
        },
    )


@dataclass
class SearchRow:
    participant: Participant
    phones: list[str]
    aliases: list[str]


def _search_rows(results: list[Participant] | None) -> list[SearchRow] | None:
    if results is None:
        return None
    return [
        SearchRow(p, [format_phone(ph.number) for ph in p.phones.all()], [str(a) for a in p.aliases.all()])
        for p in results
    ]


# ---- the participant's page ----


def _live_record(viewer: Membership, public_id: UUID, *, allow_break_glass: bool = False) -> Participant:
    """The record (audited as a read), or a redirect-worthy Http404 subclass for merged-away ones."""
    try:
        return people.participant_get(viewer=viewer, public_id=public_id, allow_break_glass=allow_break_glass)
    except Http404:
        survivor = people.participant_survivor(viewer=viewer, public_id=public_id)
        if survivor is None:
            raise
        raise MergedAway(survivor) from None


class MergedAway(Http404):
    def __init__(self, survivor: Participant) -> None:
        super().__init__()
        self.survivor = survivor


@require_GET
@any_member
def participant_detail(request: MemberRequest, public_id: UUID) -> HttpResponse:
    """The participant's page: who they are, what is due next, their supporters, and everything that
    happened with them, newest first, a page of the timeline at a time."""
    viewer = request.membership
    try:
        participant = _live_record(viewer, public_id, allow_break_glass=True)
    except MergedAway as merged:
        # An old link to a record that was merged: the person now lives in the surviving record.
        messages.info(request, _("That record was merged into this one."))
        return redirect("participants:detail", public_id=merged.survivor.public_id)
    if participant.break_glass is not None:
        return _break_glass_page(request, participant)
    before = None
    if request.GET.get("before"):
        try:
            before = selectors.TimelineCursor.parse(request.GET["before"])
        except ValueError:
            messages.error(request, _("That link to older entries is not valid; showing the newest."))
    now = timezone.now()
    zone = viewer.program.zone
    timeline = selectors.participant_timeline(viewer=viewer, participant=participant, before=before)
    candidates = people.match_candidates_naming(viewer=viewer, participant=participant)
    _audit_others_shown(viewer, participant, candidates, timeline)
    return render(
        request,
        "casefile/detail.html",
        {
            "participant": participant,
            "aliases": [str(a) for a in participant.aliases.all()],
            "phones": [(p.number, format_phone(p.number)) for p in participant.phones.all()],
            "next_actions": selectors.participant_next_actions(viewer=viewer, participant=participant, now=now),
            "supporters": participant_supporters(viewer=viewer, participant=participant),
            "consent_rows": participant_consents(viewer=viewer, participant=participant),
            "handoffs": participant_handoffs(viewer=viewer, participant=participant),
            "upcoming": upcoming_for(viewer=viewer, participant=participant),
            "entries": [_timeline_entry(event, zone=zone, now=now) for event in timeline.events],
            "older": timeline.older.token() if timeline.older else "",
            "paged": before is not None,
            "page_size": selectors.TIMELINE_PAGE_SIZE,
            "candidates": candidates,
            "time_zone": viewer.program.time_zone,
            **_trends(viewer, participant, zone),
        },
    )


def _trends(viewer: Membership, participant: Participant, zone: ZoneInfo) -> dict[str, object]:
    """The BARC-10 total's and the readiness ruler's trends, oldest first, as chart points (an assessment:
    only for roles that may see assessments). Two queries however many scores there are."""
    if not can_see(viewer, Group.ASSESSMENTS):
        return {"show_trends": False}

    def day(moment: dt.datetime) -> str:
        return formats.date_format(timezone.localtime(moment, zone), "M j, Y")

    return {
        "show_trends": True,
        "barc10_points": [
            ChartPoint(day(a.given_at), a.total) for a in barc10_trend(viewer=viewer, participant=participant)
        ],
        "readiness_points": [
            ChartPoint(day(e.occurred_at), e.readiness or 0)
            for e in readiness_trend(viewer=viewer, participant=participant)
        ],
        "barc10_cut_off": barc10.REMISSION_CUT_OFF,
    }


def _break_glass_page(request: MemberRequest, participant: Participant) -> HttpResponse:
    """A record of another program, opened by breaking the glass: who the person is and their history,
    read only (no next actions, supporters, possible duplicates or links into that program's pages)."""
    grant = participant.break_glass
    assert grant is not None  # the page is shown only for a record read under a grant
    reader = break_glass_reader(viewer=request.membership, grant=grant)
    zone = participant.program.zone
    now = timezone.now()
    before = None
    if request.GET.get("before"):
        try:
            before = selectors.TimelineCursor.parse(request.GET["before"])
        except ValueError:
            messages.error(request, _("That link to older entries is not valid; showing the newest."))
    timeline = selectors.participant_timeline(viewer=reader, participant=participant, before=before)
    return render(
        request,
        "casefile/detail.html",
        {
            "participant": participant,
            "break_glass": grant,
            "read_only": True,
            "aliases": [str(a) for a in participant.aliases.all()],
            "phones": [(p.number, format_phone(p.number)) for p in participant.phones.all()],
            "entries": [_timeline_entry(event, zone=zone, now=now) for event in timeline.events],
            "older": timeline.older.token() if timeline.older else "",
            "paged": before is not None,
            "page_size": selectors.TIMELINE_PAGE_SIZE,
            "time_zone": participant.program.time_zone,
        },
    )


def _audit_others_shown(
    viewer: Membership,
    participant: Participant,
    candidates: list[MatchCandidate],
    timeline: selectors.Timeline,
) -> None:
    """The page also shows other records: possible duplicates (by name) and records merged into this
    one (what they said). Their reads are audited too, under their own ids."""
    others = {
        c.existing_participant_id if c.new_participant_id == participant.pk else c.new_participant_id
        for c in candidates
    }
    others |= {e.record.absorbed_id for e in timeline.events if isinstance(e.record, ParticipantMerge)}
    if others:
        audit_record(
            action=AuditEvent.Action.LIST,
            by=viewer,
            target_type="participants.participant",
            target_ids=sorted(others),
            participant_ids=sorted(others),
            note=f"shown on the page of participant {participant.pk}",
        )


@dataclass
class ReferralClock:
    """A referral's deadline and, while nobody has reached the person, the time left or overdue."""

    deadline: dt.datetime
    occurred_at: dt.datetime | None
    text: str
    overdue: bool


@dataclass
class TimelineEntry:
    kind: str
    at: dt.datetime
    record: selectors.TimelineRecord
    clock: ReferralClock | None = None
    merge: "MergeEntry | None" = None
    reason: str = ""  # why a referral was closed, in words
    given: list = field(default_factory=list)
    taught: list = field(default_factory=list)


def _timeline_entry(event: selectors.TimelineEvent, *, zone: ZoneInfo, now: dt.datetime) -> TimelineEntry:
    """What the template needs for one entry, with times already in the program's zone."""
    entry = TimelineEntry(event.kind, timezone.localtime(event.at, zone), event.record)
    if event.kind == selectors.EventKind.REFERRAL:
        referral = event.record
        assert isinstance(referral, Referral)
        occurred = referral.overdose_event.occurred_at
        clock = contact_clock(referral, now)
        entry.clock = ReferralClock(
            deadline=clock.deadline,
            occurred_at=timezone.localtime(occurred, zone) if occurred else None,
            text=clock.text if clock.running else "",
            overdue=clock.overdue,
        )
    elif event.kind == selectors.EventKind.CHANGE:
        assert isinstance(event.record, ReferralChange)
        reason = event.record.reason
        entry.reason = str(ClosingReason(reason).label) if reason in ClosingReason.values else reason
    elif event.kind == selectors.EventKind.MERGE:
        assert isinstance(event.record, ParticipantMerge)
        entry.merge = _merge_entry(event.record)
    elif event.kind == selectors.EventKind.ENCOUNTER:
        assert isinstance(event.record, Encounter)
        for item in event.record.items.all():
            (entry.given if item.kind == EncounterItem.Kind.SUPPLY else entry.taught).append(item)
    return entry


@dataclass
class MergeEntry:
    merge: ParticipantMerge
    absorbed_name: str
    details: list[tuple[str, str]]


def _merge_entry(merge: ParticipantMerge) -> MergeEntry:
    """What the absorbed record held when it was merged, from its snapshot: nothing is lost."""
    snap = merge.absorbed_snapshot
    name = " ".join(filter(None, [snap.get("first_name"), snap.get("last_name")])) or _("Name not known")
    details = [
        (_("Preferred name"), snap.get("preferred_name") or ""),
        (_("Other names"), ", ".join(" ".join(filter(None, pair)) for pair in snap.get("aliases", []))),
        (_("Date of birth"), _date(dt.date.fromisoformat(snap["date_of_birth"])) if snap.get("date_of_birth") else ""),
        (_("Phones"), ", ".join(format_phone(n) for n in snap.get("phones", []))),
        (_("Address"), snap.get("address") or ""),
        (_("Where to find them"), snap.get("location_notes") or ""),
        (_("Language"), snap.get("preferred_language") or ""),
    ]
    return MergeEntry(merge, name, [(label, value) for label, value in details if value])


# ---- comparing two records ----


@dataclass
class ComparedValue:
    label: str
    value: str
    differs: bool


@dataclass
class ComparedRecord:
    participant: Participant
    heading: str
    values: list[ComparedValue]


def _date(value: dt.date | None) -> str:
    return formats.date_format(value, "M j, Y") if value else ""


def _facts(
    participant: Participant, summary: selectors.ReferralSummary, zone: ZoneInfo
) -> list[tuple[str, str, object]]:
    """(label, shown value, value compared) for one record."""
    aliases = sorted(str(a) for a in participant.aliases.all())
    phones = sorted(p.number for p in participant.phones.all())
    latest = summary.latest_overdose_at
    latest_date = timezone.localtime(latest, zone).date() if latest else None
    source_label = Source(summary.latest_source).label if summary.latest_source in Source.values else ""
    return [
        (
            _("Name"),
            participant.display_name if (participant.first_name or participant.last_name) else "",
            participant.name_key,
        ),
        (_("Preferred name"), participant.preferred_name, normalize_name(participant.preferred_name)),
        (_("Other names (aliases)"), ", ".join(aliases), {a.name_key for a in participant.aliases.all()}),
        (_("Date of birth"), _date(participant.date_of_birth), participant.date_of_birth),
        (_("Phones"), ", ".join(format_phone(p) for p in phones), set(phones)),
        (_("Address"), participant.address, participant.address.strip().casefold()),
        (_("Where to find them"), participant.location_notes, participant.location_notes.strip().casefold()),
        (_("Language"), participant.preferred_language, participant.preferred_language.strip().casefold()),
        (_("Referrals"), str(summary.count), summary.count),
        (_("Latest overdose"), _date(latest_date), latest_date),
        (_("Latest referral from"), str(source_label), summary.latest_source),
    ]


def _compare(viewer: Membership, left: tuple[Participant, str], right: tuple[Participant, str]) -> list[ComparedRecord]:
    """Two records side by side; each value says in words whether it differs from the other's."""
    summaries = selectors.participant_referral_summaries(viewer=viewer, participant_ids=[left[0].pk, right[0].pk])
    zone = viewer.program.zone
    left_facts = _facts(left[0], summaries[left[0].pk], zone)
    right_facts = _facts(right[0], summaries[right[0].pk], zone)
    records = []
    for (participant, heading), facts, other in ((left, left_facts, right_facts), (right, right_facts, left_facts)):
        values = [
            ComparedValue(label, shown, key != other_key)
            for (label, shown, key), (_label, _shown, other_key) in zip(facts, other, strict=True)
        ]
        records.append(ComparedRecord(participant, heading, values))
    return records


# ---- possible duplicates ----


@require_GET
@team_only
def review_list(request: MemberRequest) -> HttpResponse:
    viewer = request.membership
    page = page_of(request, people.match_candidates_pending(viewer=viewer), REVIEW_PAGE_SIZE)
    candidates = list(page.object_list)
    if candidates:
        audit_record(
            action=AuditEvent.Action.LIST,
            by=viewer,
            target_type="participants.matchcandidate",
            target_ids=[c.pk for c in candidates],
            participant_ids=[pk for c in candidates for pk in (c.new_participant_id, c.existing_participant_id)],
        )
    return render(
        request,
        "casefile/review_list.html",
        {
            "page": page,
            "rows": [(c, humanise_reasons(c.reasons)) for c in candidates],
            "nav_active": "review",
        },
    )


@require_http_methods(["GET", "POST"])
@team_only
def review(request: MemberRequest, pk: int) -> HttpResponse:
    viewer = request.membership
    candidate = people.match_candidate_get(viewer=viewer, pk=pk)
    earlier, newer = candidate.existing_participant, candidate.new_participant
    form = ReviewDecisionForm(
        request.POST if request.method == "POST" else None,
        first=earlier,
        second=newer,
        first_role=_("Earlier record"),
        second_role=_("New record"),
        zone=viewer.program.zone,
    )
    is_open = (
        candidate.status == MatchCandidate.Status.PENDING and not earlier.merged_into_id and not newer.merged_into_id
    )
    if request.method == "POST":
        if not is_open:
            messages.error(request, _("This possible duplicate has already been decided."))
            return redirect("participants:review", pk=candidate.pk)
        if form.is_valid():
            try:
                if form.cleaned_data["decision"] == ReviewDecisionForm.MERGE:
                    survivor, _absorbed = form.survivor_and_absorbed()
                    match_candidate_merge(candidate=candidate, keep=survivor, by=viewer)
                    messages.success(
                        request,
                        _(
                            "The two records are merged into this one. Nothing was "
                            "deleted: the other record's names, phones and referrals "
                            "are here now."
                        ),
                    )
                    return redirect("participants:detail", public_id=survivor.public_id)
                match_candidate_dismiss(candidate=candidate, by=viewer)
                messages.success(request, _("Marked as different people. Both records stay as they are."))
                return redirect("participants:review_list")
            except ValidationError as exc:
                form.add_error(None, exc)
    return render(
        request,
        "casefile/review.html",
        {
            "candidate": candidate,
            "reasons": humanise_reasons(candidate.reasons),
            "records": _compare(viewer, (earlier, _("Earlier record")), (newer, _("New record"))),
            "form": form,
            "is_open": is_open,
            "live_record": _live_of(earlier, newer),
            "nav_active": "review",
        },
    )


def _live_of(*records: Participant) -> Participant | None:
    """After a merge: the record that holds the person now (merges keep `merged_into` pointing at a
    live record), for the link on a decided possible duplicate."""
    merged = next((r for r in records if r.merged_into_id), None)
    return merged.merged_into if merged else None


# ---- merging any two records ----


@require_http_methods(["GET", "POST"])
@any_member
def merge_choose(request: MemberRequest, public_id: UUID) -> HttpResponse:
    viewer = request.membership
    participant = people.participant_get(viewer=viewer, public_id=public_id)
    form = ParticipantSearchForm(_search_data(request))
    results = None
    if form.is_bound and form.is_valid():
        results = people.participant_search(viewer=viewer, query=form.cleaned_data["q"], exclude=participant)
        people.audit_participant_list(viewer=viewer, participants=results, note="merge: choose a record")
    suggestions = [
        c.existing_participant if c.new_participant_id == participant.pk else c.new_participant
        for c in people.match_candidates_naming(viewer=viewer, participant=participant)
    ]
    people.audit_participant_list(viewer=viewer, participants=suggestions, note="merge: suggested duplicates")
    return render(
        request,
        "casefile/merge_choose.html",
        {
            "participant": participant,
            "form": form,
            "results": _search_rows(results),
            "suggestions": suggestions,
            "limit": people.SEARCH_LIMIT,
        },
    )


@require_http_methods(["GET", "POST"])
@any_member
def merge_confirm(request: MemberRequest, public_id: UUID, other_id: UUID) -> HttpResponse:
    viewer = request.membership
    try:
        participant = _live_record(viewer, public_id)
        other = _live_record(viewer, other_id)
    except MergedAway as merged:
        # Someone merged one of them meanwhile (or an old link): nothing to do twice.
        messages.error(request, _("One of these records has already been merged into another."))
        return redirect("participants:detail", public_id=merged.survivor.public_id)
    if participant.pk == other.pk:
        messages.error(request, _("A record cannot be merged with itself. Choose another record."))
        return redirect("participants:merge_choose", public_id=participant.public_id)
    form = KeepRecordForm(
        request.POST if request.method == "POST" else None,
        first=participant,
        second=other,
        first_role=_("This record"),
        second_role=_("The other record"),
        zone=viewer.program.zone,
    )
    if request.method == "POST" and form.is_valid():
        survivor, absorbed = form.survivor_and_absorbed()
        try:
            participant_merge(survivor=survivor, absorbed=absorbed, by=viewer)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _(
                    "The two records are merged into this one. Nothing was deleted: the "
                    "other record's names, phones and referrals are here now."
                ),
            )
            return redirect("participants:detail", public_id=survivor.public_id)
    return render(
        request,
        "casefile/merge_confirm.html",
        {
            "participant": participant,
            "other": other,
            "form": form,
            "records": _compare(viewer, (participant, _("This record")), (other, _("The other record"))),
        },
    )
