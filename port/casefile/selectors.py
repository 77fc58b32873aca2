"""Reads for the participant's page, scoped to the viewer: the timeline of everything that happened with
the person across referrals, outreach and merges, the next actions, and referral summaries for comparing
two records."""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from port.accounts.models import Membership
from port.accounts.roles import TEAM_ROLES
from port.accounts.visibility import Group, can_see
from port.casefile.models import ResourceList
from port.linkage.models import HandOffChange
from port.outreach.models import (
    ContactAttempt,
    Encounter,
    EncounterItem,
    RecoveryCapitalAssessment,
    Supporter,
    TeamMember,
)
from port.outreach.services import attempt_policy_status
from port.participants.models import Participant, ParticipantMerge
from port.participants.selectors import merges_into
from port.referrals.clock import contact_clock
from port.referrals.models import OPEN_STATUSES, Referral, ReferralChange, Status
from port.referrals.selectors import referrals_visible_to

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
    BARC10 = "barc10"
    RESOURCE_LIST = "resource_list"
    HANDOFF = "handoff"

    RANKS = {
        REFERRAL: 0,
        SUPPORTER_ADDED: 1,
        SUPPORTER_AGREED: 2,
        ATTEMPT: 3,
        ENCOUNTER: 4,
        CHANGE: 5,
        MERGE: 6,
        BARC10: 7,
        RESOURCE_LIST: 8,
        HANDOFF: 9,
    }


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


TimelineRecord = (
    Referral
    | ReferralChange
    | ContactAttempt
    | Encounter
    | Supporter
    | ParticipantMerge
    | RecoveryCapitalAssessment
    | ResourceList
    | HandOffChange
)


@dataclass
class TimelineEvent:
    kind: str
    at: dt.datetime
    record: TimelineRecord

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


def participant_timeline(
    *,
    viewer: Membership,
    participant: Participant,
    before: TimelineCursor | None = None,
    limit: int = TIMELINE_PAGE_SIZE,
) -> Timeline:
    """Everything that happened with the participant, newest first: referrals (with their overdose),
    status changes and assignments, contact attempts (with who went), encounters (with who was there,
    what was given and taught, to whom), supporters added and their agreement recorded, merges, and
    BARC-10 recovery capital scores, and
    hand-offs with each change of their status.

    One query per kind (plus a fixed number of prefetches), each limited to one page, merged here: the
    number of queries does not grow with the length of the history. `before` continues an earlier page.
    """
    if viewer.role not in TEAM_ROLES or participant.program_id != viewer.program_id:
        return Timeline([], None)
    team = Prefetch("team", queryset=TeamMember.objects.select_related("user").order_by("pk"))
    in_program = {"program_id": viewer.program_id, "participant": participant}
    sources: list[tuple[str, str, QuerySet[Any]]] = [
        (
            EventKind.REFERRAL,
            "received_at",
            referrals_visible_to(viewer)
            .filter(participant=participant)
            .select_related("program", "overdose_event", "acuity", "assigned_to", "referring_agency"),
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
        (EventKind.MERGE, "merged_at", merges_into(viewer=viewer, participant=participant).select_related("merged_by")),
        (
            EventKind.BARC10,
            "given_at",
            RecoveryCapitalAssessment.objects.filter(**in_program).select_related("given_by", "referral"),
        ),
        (
            EventKind.RESOURCE_LIST,
            "made_at",
            ResourceList.objects.filter(**in_program)
            .select_related("made_by", "supporter")
            .annotate(service_count=Count("services")),
        ),
        # Hand-offs: each status change (the first is the hand-off made), with where it went.
        (
            EventKind.HANDOFF,
            "changed_at",
            HandOffChange.objects.filter(
                handoff__program_id=viewer.program_id, handoff__participant=participant
            ).select_related("handoff__organization", "handoff__service", "changed_by"),
        ),
    ]
    events: list[TimelineEvent] = []
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
        clock = contact_clock(referral, now)
        if not tried:
            text = _("Contact deadline: %(clock)s (no attempt yet)") % {"clock": clock.text}
            actions.append(NextAction("contact", text, urgent=clock.overdue, referral=referral))
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
                "clock": clock.text,
                "tried": _attempts(policy.attempts),
            }
            actions.append(NextAction("contact", text, urgent=clock.overdue, referral=referral))
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
