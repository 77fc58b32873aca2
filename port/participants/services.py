"""Writes for participants: create, record what a referral said, merge two records."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _

from port.accounts.models import Membership, Program
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.participants.models import (
    MatchCandidate,
    Participant,
    ParticipantAlias,
    ParticipantMerge,
    ParticipantPhone,
)
from port.participants.normalize import name_key

# Fields a later referral may fill in when the record has nothing for them yet.
FILLABLE_FIELDS = ("first_name", "last_name", "preferred_name", "date_of_birth", "address",
                   "location_notes", "preferred_language")


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
            participant=participant, name_key=key,
            defaults={"first_name": details.get("first_name", ""), "last_name": details.get("last_name", "")},
        )
        if created:
            changed.append("alias")
    return changed


def _snapshot(participant: Participant) -> dict:
    data = model_to_dict(participant, exclude=["merged_into", "program"])
    data["public_id"] = str(participant.public_id)
    data["date_of_birth"] = participant.date_of_birth.isoformat() if participant.date_of_birth else None
    data["aliases"] = [[a.first_name, a.last_name] for a in participant.aliases.all()]
    data["phones"] = [p.number for p in participant.phones.all()]
    return data


# Relations that describe the merge itself and must keep pointing at the absorbed record.
_MERGE_BOOKKEEPING = {(MatchCandidate, "new_participant"), (MatchCandidate, "existing_participant"),
                      (ParticipantMerge, "survivor"), (ParticipantMerge, "absorbed"),
                      (Participant, "merged_into")}


@transaction.atomic
def participant_merge(*, survivor: Participant, absorbed: Participant, by: Membership) -> ParticipantMerge:
    """Merge `absorbed` into `survivor`. Nothing from either is lost, and the merge is recorded.

    Everything that pointed at the absorbed record (referrals, overdose events, and whatever later
    apps add) moves to the survivor; its names become aliases and its phones are added; empty fields
    on the survivor are filled from it; a snapshot of both records is kept; the absorbed record stays,
    hidden, with `merged_into` set.
    """
    if survivor.pk == absorbed.pk:
        raise ValidationError(_("A record cannot be merged with itself."))
    if survivor.program_id != absorbed.program_id or survivor.program_id != by.program_id:
        raise ValidationError(_("Only records of the same program can be merged."))
    if survivor.merged_into_id or absorbed.merged_into_id:
        raise ValidationError(_("One of these records has already been merged."))
    # Lock both rows so two people merging at once cannot interleave.
    locked = {p.pk: p for p in Participant.objects.select_for_update().filter(pk__in=[survivor.pk, absorbed.pk])}
    survivor, absorbed = locked[survivor.pk], locked[absorbed.pk]

    survivor_before, absorbed_before = _snapshot(survivor), _snapshot(absorbed)
    for alias in absorbed.aliases.all():
        ParticipantAlias.objects.get_or_create(participant=survivor, name_key=alias.name_key,
                                               defaults={"first_name": alias.first_name,
                                                         "last_name": alias.last_name})
    for phone in absorbed.phones.all():
        ParticipantPhone.objects.get_or_create(participant=survivor, number=phone.number)
    details = {f: getattr(absorbed, f) for f in FILLABLE_FIELDS}
    details["first_name"], details["last_name"] = absorbed.first_name, absorbed.last_name
    participant_update_from_referral(participant=survivor, details=details)
    if absorbed.location_notes and absorbed.location_notes not in survivor.location_notes:
        survivor.location_notes = "\n".join(filter(None, [survivor.location_notes, absorbed.location_notes]))
        survivor.save(update_fields=["location_notes", "updated_at"])

    for relation in Participant._meta.related_objects:
        if relation.one_to_many and (relation.related_model, relation.field.name) not in _MERGE_BOOKKEEPING:
            if relation.related_model in (ParticipantAlias, ParticipantPhone):
                continue
            relation.related_model._base_manager.filter(**{relation.field.name: absorbed}).update(
                **{relation.field.name: survivor}
            )

    absorbed.merged_into = survivor
    absorbed.save(update_fields=["merged_into", "updated_at"])
    now = timezone.now()
    MatchCandidate.objects.filter(
        status=MatchCandidate.Status.PENDING,
        new_participant__in=[survivor, absorbed], existing_participant__in=[survivor, absorbed],
    ).update(status=MatchCandidate.Status.MERGED, decided_by=by.user, decided_at=now)
    # Other pending candidates that named the absorbed record now concern the survivor.
    for candidate in MatchCandidate.objects.filter(status=MatchCandidate.Status.PENDING,
                                                   existing_participant=absorbed):
        if candidate.new_participant_id == survivor.pk:
            candidate.status = MatchCandidate.Status.MERGED
        else:
            candidate.existing_participant = survivor
        candidate.save()
    MatchCandidate.objects.filter(status=MatchCandidate.Status.PENDING, new_participant=absorbed).update(
        status=MatchCandidate.Status.DISMISSED, decided_by=by.user, decided_at=now
    )

    merge = ParticipantMerge.objects.create(
        program=survivor.program, survivor=survivor, absorbed=absorbed,
        absorbed_snapshot=absorbed_before, survivor_snapshot=survivor_before, merged_by=by.user,
    )
    audit_record(action=AuditEvent.Action.MERGE, by=by, target_type="participants.participant",
                 target_ids=[survivor.pk, absorbed.pk], participant_ids=[survivor.pk, absorbed.pk],
                 changes={"survivor": survivor.pk, "absorbed": absorbed.pk})
    return merge


def match_candidate_dismiss(*, candidate: MatchCandidate, by: Membership) -> None:
    """A person decided the two records are different people."""
    if candidate.status != MatchCandidate.Status.PENDING:
        raise ValidationError(_("This possible duplicate has already been decided."))
    candidate.status = MatchCandidate.Status.DISMISSED
    candidate.decided_by = by.user
    candidate.decided_at = timezone.now()
    candidate.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(action=AuditEvent.Action.UPDATE, by=by, target_type="participants.matchcandidate",
                 target_ids=[candidate.pk],
                 participant_ids=[candidate.new_participant_id, candidate.existing_participant_id],
                 changes={"status": ["pending", "dismissed"]})
