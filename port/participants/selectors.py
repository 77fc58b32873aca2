"""Reads of participants, scoped to the viewer: the one place the scoping rule for people lives."""

import datetime as dt
import re
from dataclasses import dataclass
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from port.accounts.models import Membership
from port.accounts.roles import TEAM_ROLES
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.participants.break_glass import break_glass_active
from port.participants.models import MatchCandidate, Participant, ParticipantMerge
from port.participants.normalize import InvalidPhone, normalize_name, normalize_phone

SEARCH_LIMIT = 25


def participants_visible_to(viewer: Membership) -> QuerySet[Participant]:
    """The team sees its own program's participants (not merged-away records); nobody else sees any."""
    if viewer.role not in TEAM_ROLES:
        return Participant.objects.none()
    return Participant.objects.filter(program_id=viewer.program_id, merged_into__isnull=True)


def participant_get(
    *, viewer: Membership, public_id: UUID | str, audit: bool = True, allow_break_glass: bool = False
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


def participant_survivor(*, viewer: Membership, public_id: UUID | str) -> Participant | None:
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
        assert survivor is not None  # the query and each hop follow a merged_into that is set
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


def merges_into(*, viewer: Membership, participant: Participant) -> QuerySet[ParticipantMerge]:
    """Merges into this record, and into records that were later merged into it (merging keeps every
    absorbed record's `merged_into` pointing at the live one)."""
    return ParticipantMerge.objects.filter(program_id=viewer.program_id).filter(
        Q(survivor=participant) | Q(survivor__merged_into=participant)
    )


def participant_merges(*, viewer: Membership, participant: Participant) -> list[ParticipantMerge]:
    """Every merge that made this record what it is, newest first, including merges into records
    that were themselves merged into it later."""
    if viewer.role not in TEAM_ROLES or participant.program_id != viewer.program_id:
        return []
    return list(
        merges_into(viewer=viewer, participant=participant).select_related("merged_by").order_by("-merged_at", "-pk")
    )


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


def participant_record_ids(participant: Participant) -> list[int]:
    """The participant's record and every record merged into it: their trail is one person's trail."""
    return [participant.pk, *Participant.objects.filter(merged_into=participant).values_list("pk", flat=True)]
