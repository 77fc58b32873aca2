"""Writes for participants: create, record what a referral said, merge two records."""

import datetime as dt
import json

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import ForeignObjectRel, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from port.accounts.models import Membership, Program
from port.accounts.roles import TEAM_ROLES
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.participants.models import (
    MatchCandidate,
    Participant,
    ParticipantAlias,
    ParticipantMerge,
    ParticipantPhone,
)
from port.participants.normalize import name_key, normalize_name, strip_invisible

# Fields a later referral may fill in when the record has nothing for them yet.
FILLABLE_FIELDS = (
    "first_name",
    "last_name",
    "preferred_name",
    "date_of_birth",
    "address",
    "location_notes",
    "preferred_language",
)


def participant_create(
    *,
    program: Program,
    first_name: str = "",
    last_name: str = "",
    preferred_name: str = "",
    date_of_birth: dt.date | None = None,
    phone: str = "",
    address: str = "",
    location_notes: str = "",
    preferred_language: str = "",
) -> Participant:
    # Invisible characters (zero-width, direction overrides) are never stored in a name.
    first_name, last_name = strip_invisible(first_name), strip_invisible(last_name)
    preferred_name = strip_invisible(preferred_name)
    participant = Participant.objects.create(
        program=program,
        first_name=first_name,
        last_name=last_name,
        preferred_name=preferred_name,
        name_key=name_key(first_name, last_name),
        date_of_birth=date_of_birth,
        address=address,
        location_notes=location_notes,
        preferred_language=preferred_language,
    )
    if phone:
        ParticipantPhone.objects.create(participant=participant, number=phone)
    return participant


def participant_update_from_referral(*, participant: Participant, details: dict) -> list[str]:
    """Fill the record's empty fields from a new referral and add any new phone or name.

    Existing values are never overwritten: what each referral said is kept on the referral itself.
    Returns the names of the fields that changed.
    """
    changed = []
    details = {
        **details,
        **{
            field: strip_invisible(details[field])
            for field in ("first_name", "last_name", "preferred_name")
            if details.get(field)
        },
    }
    for field in FILLABLE_FIELDS:
        value = details.get(field)
        if value and not getattr(participant, field):
            setattr(participant, field, value)
            changed.append(field)
    if changed:
        participant.name_key = name_key(participant.first_name, participant.last_name)
        participant.save()
    phone = details.get("phone")
    if phone:
        _, created = ParticipantPhone.objects.get_or_create(participant=participant, number=phone)
        if created:
            changed.append("phone")
    key = name_key(details.get("first_name", ""), details.get("last_name", ""))
    if key and key != participant.name_key:
        _, created = ParticipantAlias.objects.get_or_create(
            participant=participant,
            name_key=key,
            defaults={"first_name": details.get("first_name", ""), "last_name": details.get("last_name", "")},
        )
        if created:
            changed.append("alias")
    return changed


def _snapshot(participant: Participant) -> dict:
    """Every stored field of the record, with its names and phones, as JSON-safe values."""
    data = {f.attname: f.value_from_object(participant) for f in Participant._meta.concrete_fields}
    data["aliases"] = [[a.first_name, a.last_name] for a in participant.aliases.all()]
    data["phones"] = [p.number for p in participant.phones.all()]
    # Dates, times and UUIDs become strings; a plain JSONField cannot store them as they are.
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


# Relations that describe the merge itself and must keep pointing at the absorbed record. Records
# merged into the absorbed one earlier are *not* here: they move on to the survivor, so `merged_into`
# always names a live record and the merge history of a person is one query away.
_MERGE_BOOKKEEPING = {
    (MatchCandidate, "new_participant"),
    (MatchCandidate, "existing_participant"),
    (ParticipantMerge, "survivor"),
    (ParticipantMerge, "absorbed"),
}
# Copied rather than moved: the absorbed record keeps its own, as it was.
_COPIED = (ParticipantAlias, ParticipantPhone)


def _add_alias(participant: Participant, first_name: str, last_name: str) -> None:
    key = name_key(first_name, last_name)
    if key and key != participant.name_key:
        ParticipantAlias.objects.get_or_create(
            participant=participant, name_key=key, defaults={"first_name": first_name, "last_name": last_name}
        )


def _move_references(*, survivor: Participant, absorbed: Participant) -> dict[str, int]:
    """Point every row that refers to `absorbed` at `survivor`, including apps added later.

    `include_hidden` matters: relations declared with related_name="+" are hidden, and would
    otherwise be left behind on the absorbed record.
    """
    moved = {}
    for relation in Participant._meta.get_fields(include_hidden=True):
        if not (isinstance(relation, ForeignObjectRel) and relation.auto_created and relation.one_to_many):
            continue
        model, field_name = relation.related_model, relation.field.name
        assert model is not None  # a reverse relation always has the model it comes from
        if (model, field_name) in _MERGE_BOOKKEEPING or model in _COPIED:
            continue
        count = model._base_manager.filter(**{field_name: absorbed}).update(**{field_name: survivor})
        if count:
            moved[f"{model._meta.label_lower}.{field_name}"] = count
    return moved


def _carry_over_pending_candidates(
    *, survivor: Participant, absorbed: Participant, by: Membership, now: dt.datetime
) -> list[int]:
    """Pending possible duplicates that named the absorbed record now concern the survivor."""
    changed = []
    pending = MatchCandidate.objects.select_for_update().filter(
        Q(new_participant=absorbed) | Q(existing_participant=absorbed), status=MatchCandidate.Status.PENDING
    )
    for candidate in pending:
        absorbed_is_new = candidate.new_participant_id == absorbed.pk
        other_id = candidate.existing_participant_id if absorbed_is_new else candidate.new_participant_id
        changed.append(candidate.pk)
        if other_id == survivor.pk:
            # This is the question the merge answers.
            _decide(candidate, MatchCandidate.Status.MERGED, by=by, now=now)
            continue
        twin = (
            MatchCandidate.objects.select_for_update()
            .filter(
                Q(new_participant_id=other_id, existing_participant=survivor)
                | Q(new_participant=survivor, existing_participant_id=other_id)
            )
            .first()
        )
        if twin is None:
            if absorbed_is_new:
                candidate.new_participant = survivor
            else:
                candidate.existing_participant = survivor
            candidate.save(update_fields=["new_participant", "existing_participant"])
        elif twin.status == MatchCandidate.Status.PENDING:
            # The same question is already waiting: keep one, with the reasons of both.
            twin.reasons = [*twin.reasons, *(r for r in candidate.reasons if r not in twin.reasons)]
            twin.save(update_fields=["reasons"])
            candidate.delete()
        elif twin.status == MatchCandidate.Status.DISMISSED:
            # A person said the other record is not the survivor's person; the absorbed record now
            # is the survivor's person, so the other record is not theirs either.
            _decide(candidate, MatchCandidate.Status.DISMISSED, by=by, now=now)
        else:
            # The other record was already merged with the survivor: all three are one person.
            _decide(candidate, MatchCandidate.Status.MERGED, by=by, now=now)
    return changed


def _decide(candidate: MatchCandidate, status: str, *, by: Membership, now: dt.datetime) -> None:
    candidate.status, candidate.decided_by, candidate.decided_at = status, by.user, now
    candidate.save(update_fields=["status", "decided_by", "decided_at"])


@transaction.atomic
def participant_merge(*, survivor: Participant, absorbed: Participant, by: Membership) -> ParticipantMerge:
    """Merge `absorbed` into `survivor`. Nothing from either is lost, and the merge is recorded.

    Everything that pointed at the absorbed record (referrals, overdose events, and whatever later
    apps add) moves to the survivor; its names (and preferred name) become aliases and its phones
    are added; empty fields on the survivor are filled from it and its location notes are appended;
    a snapshot of both records is kept; pending possible duplicates that named it now name the
    survivor; the absorbed record stays, hidden, with `merged_into` set.
    """
    if by.role not in TEAM_ROLES:
        raise ValidationError(_("Only the program's team can merge participant records."))
    if survivor.pk == absorbed.pk:
        raise ValidationError(_("A record cannot be merged with itself."))
    if survivor.program_id != absorbed.program_id or survivor.program_id != by.program_id:
        raise ValidationError(_("Only records of the same program can be merged."))
    # Lock both rows so two people merging at once cannot interleave, then check what is stored
    # now, not what the caller read earlier.
    locked = {p.pk: p for p in Participant.objects.select_for_update().filter(pk__in=[survivor.pk, absorbed.pk])}
    survivor, absorbed = locked[survivor.pk], locked[absorbed.pk]
    if survivor.merged_into_id or absorbed.merged_into_id:
        raise ValidationError(_("One of these records has already been merged into another."))

    survivor_before, absorbed_before = _snapshot(survivor), _snapshot(absorbed)
    # Fill the survivor's blanks first (this also keeps the absorbed name as an alias), so that its
    # name is final before the other names are compared with it.
    details = {f: getattr(absorbed, f) for f in FILLABLE_FIELDS}
    participant_update_from_referral(participant=survivor, details=details)
    for alias in absorbed.aliases.all():
        _add_alias(survivor, alias.first_name, alias.last_name)
    if absorbed.preferred_name and normalize_name(absorbed.preferred_name) != normalize_name(survivor.preferred_name):
        _add_alias(survivor, absorbed.preferred_name, absorbed.last_name)
    for phone in absorbed.phones.all():
        ParticipantPhone.objects.get_or_create(participant=survivor, number=phone.number)
    if absorbed.location_notes and absorbed.location_notes not in survivor.location_notes:
        survivor.location_notes = "\n".join(filter(None, [survivor.location_notes, absorbed.location_notes]))
        survivor.save(update_fields=["location_notes", "updated_at"])

    moved = _move_references(survivor=survivor, absorbed=absorbed)
    absorbed.merged_into = survivor
    absorbed.save(update_fields=["merged_into", "updated_at"])
    candidates = _carry_over_pending_candidates(survivor=survivor, absorbed=absorbed, by=by, now=timezone.now())

    merge = ParticipantMerge.objects.create(
        program=survivor.program,
        survivor=survivor,
        absorbed=absorbed,
        absorbed_snapshot=absorbed_before,
        survivor_snapshot=survivor_before,
        merged_by=by.user,
    )
    audit_record(
        action=AuditEvent.Action.MERGE,
        by=by,
        target_type="participants.participant",
        target_ids=[survivor.pk, absorbed.pk],
        participant_ids=[survivor.pk, absorbed.pk],
        changes={"survivor": survivor.pk, "absorbed": absorbed.pk, "moved": moved, "match_candidates": candidates},
    )
    return merge


@transaction.atomic
def match_candidate_merge(*, candidate: MatchCandidate, keep: Participant, by: Membership) -> ParticipantMerge:
    """A person confirmed a possible duplicate is the same person: merge the other record into `keep`."""
    candidate = _pending_candidate(candidate, by)
    pair = {
        candidate.new_participant_id: candidate.new_participant,
        candidate.existing_participant_id: candidate.existing_participant,
    }
    if keep.pk not in pair:
        raise ValidationError(_("Choose one of the two records to keep."))
    absorbed = next(p for pk, p in pair.items() if pk != keep.pk)
    # participant_merge marks this candidate as merged, with whoever decided and when.
    return participant_merge(survivor=keep, absorbed=absorbed, by=by)


@transaction.atomic
def match_candidate_dismiss(*, candidate: MatchCandidate, by: Membership) -> None:
    """A person decided the two records are different people."""
    candidate = _pending_candidate(candidate, by)
    _decide(candidate, MatchCandidate.Status.DISMISSED, by=by, now=timezone.now())
    audit_record(
        action=AuditEvent.Action.UPDATE,
        by=by,
        target_type="participants.matchcandidate",
        target_ids=[candidate.pk],
        participant_ids=[candidate.new_participant_id, candidate.existing_participant_id],
        changes={"status": ["pending", "dismissed"]},
    )


def _pending_candidate(candidate: MatchCandidate, by: Membership) -> MatchCandidate:
    """The candidate as stored now, locked, if it is still waiting and `by` may decide it."""
    if by.role not in TEAM_ROLES or candidate.program_id != by.program_id:
        raise ValidationError(_("Only the program's team can decide about possible duplicates."))
    candidate = (
        MatchCandidate.objects.select_for_update()
        .select_related("new_participant", "existing_participant")
        .get(pk=candidate.pk)
    )
    if candidate.status != MatchCandidate.Status.PENDING:
        raise ValidationError(_("This possible duplicate has already been decided."))
    if candidate.new_participant.merged_into_id or candidate.existing_participant.merged_into_id:
        raise ValidationError(_("One of these records has since been merged into another."))
    return candidate
