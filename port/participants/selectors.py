"""Reads of participants, scoped to the viewer: the one place the scoping rule for people lives."""

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from port.accounts.models import Membership
from port.accounts.roles import TEAM_ROLES
from port.accounts.visibility import Group, can_see
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.outreach.models import ContactAttempt, Encounter, EncounterItem, Supporter, TeamMember
from port.outreach.services import attempt_policy_status
from port.participants.break_glass import break_glass_active
from port.participants.models import MatchCandidate, Participant, ParticipantMerge
from port.participants.normalize import InvalidPhone, normalize_name, normalize_phone
from port.referrals.clock import describe_time_left
from port.referrals.models import OPEN_STATUSES, Referral, ReferralChange, Status
from port.referrals.selectors import referrals_visible_to

SEARCH_LIMIT = 25


def participants_visible_to(viewer: Membership) -> QuerySet[Participant]:
    """The team sees its own program's participants (not merged-away records); nobody else sees any."""
    if viewer.role not in TEAM_ROLES:
        return Participant.objects.none()
    return Participant.objects.filter(program_id=viewer.program_id, merged_into__isnull=True)


def participant_get(
    *, viewer: Membership, public_id, audit: bool = True, allow_break_glass: bool = False
) -> Participant:
    """One participant the viewer may see, or 404. Audited as a read.

    With `allow_break_glass` (the participant's page only, which is then read-only), a record outside the
    viewer's scope is returned too while the viewer holds an unexpired break-the-glass grant for it
    (port.participants.break_glass); the read is audited with the grant's reason and flagged, and the grant
    is on `participant.break_glass`."""
    try:
        participant = participants_visible_to(viewer).get(public_id=public_id)
    except (Participant.DoesNotExist, ValueError, TypeError) as exc:
        grant = break_glass_active(viewer=viewer, public_id=public_id) if allow_break_glass else None
        if grant is None:
            raise Http404 from exc
        participant = grant.participant
        participant.break_glass = grant
        if audit:
            audit_record(
                action=AuditEvent.Action.VIEW,
                by=viewer,
                target_type="participants.participant",
                target_ids=[participant.pk],
                participant_ids=[participant.pk],
                reason=grant.reason,
                flagged=True,
                note=f"read under break-the-glass access {grant.pk}",
            )
        return participant
    participant.break_glass = None
    if audit:
        audit_record(
            action=AuditEvent.Action.VIEW,
            by=viewer,
            target_type="participants.participant",
            target_ids=[participant.pk],
            participant_ids=[participant.pk],
        )
    return participant


def match_candidates_pending(*, viewer: Membership) -> QuerySet[MatchCandidate]:
    """Likely duplicates waiting for a person to decide, oldest first."""
    if viewer.role not in TEAM_ROLES:
        return MatchCandidate.objects.none()
    return (
        MatchCandidate.objects.filter(
            program_id=viewer.program_id,
            status=MatchCandidate.Status.PENDING,
            new_participant__merged_into__isnull=True,
            existing_participant__merged_into__isnull=True,
        )
        .select_related("new_participant", "existing_participant")
        .order_by("created_at", "pk")
    )


def participant_survivor(*, viewer: Membership, public_id) -> Participant | None:
    """For a record that was merged away: the record it now lives in, if the viewer may see it.

    Lets an old link (a bookmark, a referral printed before the merge) still find the person.
    """
    if viewer.role not in TEAM_ROLES:
        return None
    absorbed = (
        Participant.objects.filter(program_id=viewer.program_id, public_id=public_id, merged_into__isnull=False)
        .select_related("merged_into")
        .first()
    )
    if absorbed is None:
        return None
    # Merges point every absorbed record at a live one; the loop only guards against old data.
    survivor = absorbed.merged_into
    for _hop in range(10):
        if survivor.merged_into_id is None:
            return survivor
        survivor = survivor.merged_into
    return None


# ---- search ----


@dataclass(frozen=True)
class ParticipantQuery:
    """What a person typed into the search box, understood as a name, a birth date or a phone."""

    first: str = ""  # name parts, normalized like name_key
    last: str = ""
    date_of_birth: dt.date | None = None
    phone: str = ""  # E.164
    phone_digits: str = ""  # the end of a number, e.g. its last four digits


_DIGITS_ONLY = re.compile(r"^[\d\s().+-]+$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_participant_query(text: str) -> ParticipantQuery:
    """Understand a search: "Maria Gonzalez", "Gonzalez, Maria", "1988-04-12", "4/12/1988",
    "(412) 555-0100" or the last digits of a phone. Raises ValidationError saying what is wrong."""
    text = " ".join((text or "").split())
    if len(text) < 2:
        raise ValidationError(_("Type at least two letters of a name, a date of birth or a phone number."))
    date_match = _ISO_DATE.match(text) or _US_DATE.match(text)
    if date_match:
        parts = [int(x) for x in date_match.groups()]
        year, month, day = parts if _ISO_DATE.match(text) else (parts[2], parts[0], parts[1])
        try:
            return ParticipantQuery(date_of_birth=dt.date(year, month, day))
        except ValueError:
            raise ValidationError(
                _("This is not a real date. Write a date of birth as YYYY-MM-DD or MM/DD/YYYY.")
            ) from None
    if _DIGITS_ONLY.match(text):
        digits = re.sub(r"\D", "", text)
        if len(digits) < 4:
            raise ValidationError(_("Type at least four digits of a phone number."))
        if len(digits) < 10:
            return ParticipantQuery(phone_digits=digits)
        try:
            return ParticipantQuery(phone=normalize_phone(text))
        except InvalidPhone:
            raise ValidationError(_("This is not a phone number we can dial.")) from None
    if "," in text:  # "Gonzalez, Maria"
        last, _comma, first = text.partition(",")
        first, last = normalize_name(first), normalize_name(last)
    else:
        words = [normalize_name(word) for word in text.split(" ")]
        words = [word for word in words if word]
        first, last = (words[0], "".join(words[1:])) if words else ("", "")
    if not (first or last):
        raise ValidationError(_("Type a name, a date of birth (YYYY-MM-DD or MM/DD/YYYY) or a phone number."))
    return ParticipantQuery(first=first, last=last)


def _name_lookup(prefix: str, query: ParticipantQuery) -> Q:
    """Match name_key ("first|last") by the start of each name part, in either order."""
    field = f"{prefix}name_key"
    if query.first and query.last:
        in_order = Q(**{f"{field}__startswith": query.first, f"{field}__contains": f"|{query.last}"})
        swapped = Q(**{f"{field}__startswith": query.last, f"{field}__contains": f"|{query.first}"})
        return in_order | swapped
    word = query.first or query.last
    return Q(**{f"{field}__startswith": word}) | Q(**{f"{field}__contains": f"|{word}"})


def participant_search(*, viewer: Membership, query: str, exclude: Participant | None = None) -> list[Participant]:
    """Up to 25 participants the viewer may see whose name, a known alias, preferred name, date of
    birth or phone matches `query`. An unreadable query finds nobody (forms say why first)."""
    try:
        parsed = parse_participant_query(query)
    except ValidationError:
        return []
    people = participants_visible_to(viewer)
    if parsed.date_of_birth:
        lookup = Q(date_of_birth=parsed.date_of_birth)
    elif parsed.phone:
        lookup = Q(phones__number=parsed.phone)
    elif parsed.phone_digits:
        lookup = Q(phones__number__endswith=parsed.phone_digits)
    else:
        lookup = _name_lookup("", parsed) | _name_lookup("aliases__", parsed)
        if parsed.first and not parsed.last:
            lookup |= Q(preferred_name__istartswith=query.strip())
    # Filter on ids in a subquery rather than .distinct(), so joins through aliases and phones
    # neither duplicate rows nor force DISTINCT over every column.
    matching_ids = people.filter(lookup).values("pk")
    results = participants_visible_to(viewer).filter(pk__in=matching_ids)
    if exclude is not None:
        results = results.exclude(pk=exclude.pk)
    return list(results.order_by("last_name", "first_name", "pk").prefetch_related("aliases", "phones")[:SEARCH_LIMIT])


def audit_participant_list(*, viewer: Membership, participants: list[Participant], note: str = "") -> None:
    """A page listed these participants: one audit entry naming each of them."""
    if participants:
        ids = [p.pk for p in participants]
        audit_record(
            action=AuditEvent.Action.LIST,
            by=viewer,
            target_type="participants.participant",
            target_ids=ids,
            participant_ids=ids,
            note=note,
        )


# ---- the participant's page ----

TIMELINE_PAGE_SIZE = 200


class EventKind:
    """What a timeline entry is. The rank orders entries that happened at the same moment."""

    REFERRAL = "referral"
    SUPPORTER_ADDED = "supporter_added"
    SUPPORTER_AGREED = "supporter_agreed"
    ATTEMPT = "attempt"
    ENCOUNTER = "encounter"
    CHANGE = "change"
    MERGE = "merge"

    RANKS = {REFERRAL: 0, SUPPORTER_ADDED: 1, SUPPORTER_AGREED: 2, ATTEMPT: 3, ENCOUNTER: 4, CHANGE: 5, MERGE: 6}


@dataclass(frozen=True)
class TimelineCursor:
    """Where a page of the timeline ends: the next page holds everything older than this entry.
    Carries times and row ids only, never anything about the person."""

    at: dt.datetime
    rank: int
    pk: int

    _TOKEN = re.compile(r"^(-?\d{1,20})\.(\d)\.(\d{1,20})$")

    def token(self) -> str:
        micros = (self.at - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)
        return f"{micros}.{self.rank}.{self.pk}"

    @classmethod
    def parse(cls, token: str) -> "TimelineCursor":
        """Raises ValueError for anything that is not a token made by `token()`."""
        match = cls._TOKEN.match(token or "")
        if not match:
            raise ValueError(token)
        micros, rank, pk = (int(part) for part in match.groups())
        try:
            at = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=micros)
        except OverflowError as exc:
            raise ValueError(token) from exc
        return cls(at, rank, pk)


@dataclass
class TimelineEvent:
    kind: str
    at: dt.datetime
    record: object  # Referral, ReferralChange, ContactAttempt, Encounter, Supporter or ParticipantMerge

    @property
    def sort_key(self) -> tuple:
        return (self.at, EventKind.RANKS[self.kind], self.record.pk)

    @property
    def cursor(self) -> TimelineCursor:
        return TimelineCursor(self.at, EventKind.RANKS[self.kind], self.record.pk)


@dataclass
class Timeline:
    """One page of everything that happened with a participant, newest first."""

    events: list[TimelineEvent]
    older: TimelineCursor | None  # set when there is more to show


def _older_than(rows: QuerySet, field: str, rank: int, cursor: TimelineCursor | None) -> QuerySet:
    """Rows that sort after `cursor` in (time, rank, id) order, newest first: keyset paging, so a page
    deep in the history costs what the first one does."""
    if cursor is None:
        return rows
    if rank < cursor.rank:
        return rows.filter(**{f"{field}__lte": cursor.at})
    if rank > cursor.rank:
        return rows.filter(**{f"{field}__lt": cursor.at})
    return rows.filter(Q(**{f"{field}__lt": cursor.at}) | Q(**{field: cursor.at, "pk__lt": cursor.pk}))


def _merges_of(viewer: Membership, participant: Participant) -> QuerySet[ParticipantMerge]:
    """Merges into this record, and into records that were later merged into it (merging keeps every
    absorbed record's `merged_into` pointing at the live one)."""
    return ParticipantMerge.objects.filter(program_id=viewer.program_id).filter(
        Q(survivor=participant) | Q(survivor__merged_into=participant)
    )


def participant_timeline(
    *,
    viewer: Membership,
    participant: Participant,
    before: TimelineCursor | None = None,
    limit: int = TIMELINE_PAGE_SIZE,
) -> Timeline:
    """Everything that happened with the participant, newest first: referrals (with their overdose),
    status changes and assignments, contact attempts (with who went), encounters (with who was there,
    what was given and taught, to whom), supporters added and their agreement recorded, and merges.

    One query per kind (plus a fixed number of prefetches), each limited to one page, merged here: the
    number of queries does not grow with the length of the history. `before` continues an earlier page.
    """
    if viewer.role not in TEAM_ROLES or participant.program_id != viewer.program_id:
        return Timeline([], None)
    team = Prefetch("team", queryset=TeamMember.objects.select_related("user").order_by("pk"))
    in_program = {"program_id": viewer.program_id, "participant": participant}
    sources = [
        (
            EventKind.REFERRAL,
            "received_at",
            referrals_visible_to(viewer)
            .filter(participant=participant)
            .select_related("overdose_event", "acuity", "assigned_to", "referring_agency"),
        ),
        # The "received" entry intake writes is the referral itself.
        (
            EventKind.CHANGE,
            "changed_at",
            ReferralChange.objects.filter(referral__program_id=viewer.program_id, referral__participant=participant)
            .exclude(kind=ReferralChange.Kind.STATUS, from_status="")
            .select_related("referral", "changed_by", "assigned_to"),
        ),
        (
            EventKind.ATTEMPT,
            "attempted_at",
            ContactAttempt.objects.filter(**in_program)
            .select_related("referral", "recorded_by", "supporter", "encounter")
            .prefetch_related(team),
        ),
        (
            EventKind.ENCOUNTER,
            "occurred_at",
            Encounter.objects.filter(**in_program)
            .select_related("author", "referral")
            .prefetch_related(
                team,
                Prefetch("items", queryset=EncounterItem.objects.select_related("supply_item", "lot", "supporter")),
                Prefetch("supporters_present", queryset=Supporter.objects.order_by("first_name", "pk")),
                "addenda__author",
            ),
        ),
        (EventKind.SUPPORTER_ADDED, "created_at", Supporter.objects.filter(**in_program)),
        (
            EventKind.SUPPORTER_AGREED,
            "consent_recorded_at",
            Supporter.objects.filter(
                **in_program, consent_to_contact=True, consent_recorded_at__isnull=False
            ).select_related("consent_recorded_by"),
        ),
        (EventKind.MERGE, "merged_at", _merges_of(viewer, participant).select_related("merged_by")),
    ]
    events = []
    for kind, field, rows in sources:
        rows = _older_than(rows, field, EventKind.RANKS[kind], before).order_by(f"-{field}", "-pk")[: limit + 1]
        events += [TimelineEvent(kind, getattr(row, field), row) for row in rows]
    events.sort(key=lambda event: event.sort_key, reverse=True)
    page = events[:limit]
    return Timeline(page, page[-1].cursor if len(events) > limit else None)


@dataclass
class NextAction:
    """What is due next for the participant, in words, with the referral or encounter it is about."""

    kind: str  # "contact", "policy_exhausted" or "follow_up"
    text: str
    urgent: bool = False
    referral: Referral | None = None
    encounter: object | None = None


def _attempts(count: int) -> str:
    return ngettext("%(count)d attempt", "%(count)d attempts", count) % {"count": count}


def participant_next_actions(
    *, viewer: Membership, participant: Participant, now: dt.datetime | None = None
) -> list[NextAction]:
    """What the team should do next: reach the person before each running contact clock runs out
    (or let a supervisor decide when the attempt policy is used up), then follow up on the next steps
    the participant chose at the last encounter. At most three queries."""
    if viewer.role not in TEAM_ROLES or participant.program_id != viewer.program_id:
        return []
    now = now or timezone.now()
    open_referrals = list(
        referrals_visible_to(viewer)
        .filter(participant=participant, status__in=OPEN_STATUSES)
        .select_related("program")
        .order_by("contact_deadline", "pk")
    )
    running = [r for r in open_referrals if r.clock_running]
    attempts: dict[int, list] = {r.pk: [] for r in running}
    if running:
        for attempt in ContactAttempt.objects.filter(program_id=viewer.program_id, referral__in=running).only(
            "referral_id", "attempted_at", "mode"
        ):
            attempts[attempt.referral_id].append(attempt)
    actions = []
    for referral in running:
        tried = attempts[referral.pk]
        left = referral.contact_deadline - now
        clock = describe_time_left(left)
        if not tried:
            text = _("Contact deadline: %(clock)s (no attempt yet)") % {"clock": clock}
            actions.append(NextAction("contact", text, urgent=left.total_seconds() < 0, referral=referral))
            continue
        policy = attempt_policy_status(referral=referral, attempts=tried)
        if policy.exhausted:
            text = _("Attempt policy used up — supervisor to decide (%(tried)s over %(days)d days, not reached)") % {
                "tried": _attempts(policy.attempts),
                "days": policy.days,
            }
            actions.append(NextAction("policy_exhausted", text, urgent=True, referral=referral))
        else:
            text = _("Contact deadline: %(clock)s (%(tried)s so far, not reached yet)") % {
                "clock": clock,
                "tried": _attempts(policy.attempts),
            }
            actions.append(NextAction("contact", text, urgent=left.total_seconds() < 0, referral=referral))
    latest = (
        Encounter.objects.filter(program_id=viewer.program_id, participant=participant)
        .only("pk", "occurred_at", "next_steps")
        .order_by("-occurred_at", "-pk")
        .first()
    )
    # The next steps are the participant's own words (an assessment): shown only to roles that may see them.
    if latest is not None and latest.next_steps and can_see(viewer, Group.ASSESSMENTS):
        actions.append(
            NextAction(
                "follow_up",
                _("Follow up: last encounter's next steps: %(steps)s") % {"steps": latest.next_steps},
                encounter=latest,
            )
        )
    elif latest is not None and latest.next_steps:
        actions.append(
            NextAction("follow_up", _("Follow up on the next steps chosen at the last encounter."), encounter=latest)
        )
    elif any(r.status == Status.REACHED for r in open_referrals):
        actions.append(
            NextAction(
                "follow_up",
                _("Follow up: the person was reached; record the encounter and the next steps they choose."),
                encounter=latest,
            )
        )
    return actions


def participant_merges(*, viewer: Membership, participant: Participant) -> list[ParticipantMerge]:
    """Every merge that made this record what it is, newest first, including merges into records
    that were themselves merged into it later."""
    if viewer.role not in TEAM_ROLES or participant.program_id != viewer.program_id:
        return []
    return list(_merges_of(viewer, participant).select_related("merged_by").order_by("-merged_at", "-pk"))


def match_candidates_naming(*, viewer: Membership, participant: Participant) -> list[MatchCandidate]:
    """Pending possible duplicates in which this participant is one of the two records."""
    return list(
        match_candidates_pending(viewer=viewer).filter(
            Q(new_participant=participant) | Q(existing_participant=participant)
        )
    )


def match_candidate_get(*, viewer: Membership, pk: int) -> MatchCandidate:
    """One possible duplicate of the viewer's program, decided or not, or 404. Audited as a read of
    both records."""
    if viewer.role not in TEAM_ROLES:
        raise Http404
    try:
        candidate = (
            MatchCandidate.objects.select_related("new_participant", "existing_participant", "decided_by")
            .prefetch_related(
                "new_participant__aliases",
                "new_participant__phones",
                "existing_participant__aliases",
                "existing_participant__phones",
            )
            .get(pk=pk, program_id=viewer.program_id)
        )
    except MatchCandidate.DoesNotExist as exc:
        raise Http404 from exc
    audit_record(
        action=AuditEvent.Action.VIEW,
        by=viewer,
        target_type="participants.matchcandidate",
        target_ids=[candidate.pk],
        participant_ids=[candidate.new_participant_id, candidate.existing_participant_id],
    )
    return candidate


@dataclass(frozen=True)
class ReferralSummary:
    count: int = 0
    latest_overdose_at: dt.datetime | None = None
    latest_source: str = ""


def participant_referral_summaries(*, viewer: Membership, participant_ids: list[int]) -> dict[int, ReferralSummary]:
    """For each participant: how many referrals, the latest overdose, the latest referral's source.
    One query for any number of participants."""
    referrals = referrals_visible_to(viewer)
    latest_source = (
        referrals.filter(participant_id=OuterRef("participant_id")).order_by("-received_at", "-pk").values("source")[:1]
    )
    rows = (
        referrals.filter(participant_id__in=participant_ids)
        .order_by()
        .values("participant_id")
        .annotate(
            count=Count("pk"),
            latest_overdose_at=Max("overdose_event__occurred_at"),
            latest_source=Subquery(latest_source),
        )
    )
    summaries = {pk: ReferralSummary() for pk in participant_ids}
    for row in rows:
        summaries[row["participant_id"]] = ReferralSummary(
            row["count"], row["latest_overdose_at"], row["latest_source"] or ""
        )
    return summaries


def participant_record_ids(participant: Participant) -> list[int]:
    """The participant's record and every record merged into it: their trail is one person's trail."""
    return [participant.pk, *Participant.objects.filter(merged_into=participant).values_list("pk", flat=True)]
