"""Finding the participant a referral is about, so people are found and not duplicated.

An *exact* match (the same first and last name, or a known alias, and the same birth date; or the
same full name and the same phone, unless the birth dates differ) links the referral to the existing
record. A *likely* match (similar names with the same birth date; the same phone with a different
name or a different birth date; the same name where a birth date is missing or looks mistyped; only
a first or a last name, with the same birth date or phone) links to nothing until a person confirms
it on the review screen.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import jellyfish
from django.db.models import QuerySet

from port.accounts.models import Program
from port.participants.models import Participant, ParticipantAlias, ParticipantPhone
from port.participants.normalize import name_key, normalize_name

SIMILAR_NAME_THRESHOLD = 0.88


class MatchKind(StrEnum):
    EXACT = "exact"
    LIKELY = "likely"


@dataclass
class Candidate:
    participant: Participant
    kind: MatchKind
    reasons: list[str] = field(default_factory=list)


def _similar(a: str, b: str) -> bool:
    return bool(a and b) and jellyfish.jaro_winkler_similarity(a, b) >= SIMILAR_NAME_THRESHOLD


def _names_similar(key_a: str, key_b: str) -> bool:
    first_a, _, last_a = key_a.partition("|")
    first_b, _, last_b = key_b.partition("|")
    if _similar(first_a + last_a, first_b + last_b):
        return True
    if _similar(first_a + last_a, last_b + first_b):  # first and last name swapped
        return True
    # Same family name and a nickname or initial: "Bill Smith" / "William Smith" is left to a person.
    # Two first names alone ("Alex" / "Amy") share no family name: an initial says nothing then.
    return bool(last_a) and last_a == last_b and bool(first_a) and bool(first_b) and first_a[0] == first_b[0]


def find_candidates(
    *, program: Program, first_name: str, last_name: str, date_of_birth: dt.date | None, phone: str
) -> list[Candidate]:
    """Every existing participant in `program` that may be this person, strongest first."""
    key = name_key(first_name, last_name)
    full_name = bool(normalize_name(first_name) and normalize_name(last_name))
    # Each way of matching is its own indexed lookup, joined with UNION: one OR across the joined
    # alias and phone tables would make the database scan every participant of the program.
    program_people = Participant.objects.filter(program=program, merged_into__isnull=True)
    lookups: list[QuerySet[Any, int]] = []
    if key:
        lookups.append(program_people.filter(name_key=key).values_list("pk", flat=True).order_by())
        lookups.append(
            ParticipantAlias.objects.filter(name_key=key, participant__program=program)
            .values_list("participant_id", flat=True)
            .order_by()
        )
    if date_of_birth:
        lookups.append(program_people.filter(date_of_birth=date_of_birth).values_list("pk", flat=True).order_by())
    if phone:
        lookups.append(
            ParticipantPhone.objects.filter(number=phone, participant__program=program)
            .values_list("participant_id", flat=True)
            .order_by()
        )
    if not lookups:
        return []
    ids = set(lookups[0].union(*lookups[1:]))
    pool = program_people.filter(pk__in=ids).prefetch_related("aliases", "phones").order_by("pk")
    candidates = []
    for person in pool:
        keys = {person.name_key} | {alias.name_key for alias in person.aliases.all()}
        keys.discard("")
        phones = {p.number for p in person.phones.all()}
        same_name = key in keys
        same_dob = bool(date_of_birth) and person.date_of_birth == date_of_birth
        same_phone = bool(phone) and phone in phones
        # Both records have a birth date and they differ: a namesake (a father and son sharing a
        # home phone) rather than the same person, unless a person says otherwise.
        dob_conflict = bool(date_of_birth and person.date_of_birth) and date_of_birth != person.date_of_birth
        similar_name = bool(key) and any(_names_similar(key, k) for k in keys)
        reasons = []
        if same_name:
            reasons.append("same name" if key == person.name_key else "same as a known alias")
        if same_dob:
            reasons.append("same date of birth")
        if same_phone:
            reasons.append("same phone number")
        if same_name and not full_name and (same_dob or same_phone):
            # "Alex" and a shelter's phone (or a birth date) are shared by many people: a person decides.
            candidates.append(Candidate(person, MatchKind.LIKELY, [*reasons, "only part of the name known"]))
        elif (same_name and same_dob) or (same_name and same_phone and not dob_conflict):
            candidates.append(Candidate(person, MatchKind.EXACT, reasons))
        elif same_dob and similar_name:
            candidates.append(Candidate(person, MatchKind.LIKELY, [*reasons, "similar name"]))
        elif same_name and same_phone:
            candidates.append(Candidate(person, MatchKind.LIKELY, [*reasons, "date of birth differs"]))
        elif same_phone:
            candidates.append(
                Candidate(person, MatchKind.LIKELY, [*reasons, "similar name" if similar_name else "different name"])
            )
        elif same_name and (not date_of_birth or not person.date_of_birth):
            candidates.append(Candidate(person, MatchKind.LIKELY, [*reasons, "date of birth missing"]))
        elif same_name and date_of_birth and person.date_of_birth and _dob_typo(date_of_birth, person.date_of_birth):
            candidates.append(Candidate(person, MatchKind.LIKELY, [*reasons, "date of birth differs slightly"]))
    candidates.sort(key=lambda c: (c.kind != MatchKind.EXACT, -len(c.reasons), c.participant.pk))
    return candidates


def match_lock_keys(
    *, program_id: int, first_name: str, last_name: str, date_of_birth: dt.date | None, phone: str
) -> list[int]:
    """Keys that two referrals which could match each other share, as signed 64-bit integers in
    ascending order (for PostgreSQL's advisory locks, taken in one order so two intakes never deadlock).

    Every way `find_candidates` finds a person needs the same birth date, the same phone or the same
    name; names count as a set of normalized words, so swapped first and last names share a key.
    """
    names = sorted({normalize_name(first_name), normalize_name(last_name)} - {""})
    parts = [
        f"name:{'|'.join(names)}" if names else "",
        f"dob:{date_of_birth.isoformat()}" if date_of_birth else "",
        f"phone:{phone}" if phone else "",
    ]
    keys = set()
    for part in filter(None, parts):
        digest = hashlib.blake2b(f"participant-match:{program_id}:{part}".encode(), digest_size=8).digest()
        keys.add(int.from_bytes(digest, "big", signed=True))
    return sorted(keys)


def _dob_typo(a: dt.date, b: dt.date) -> bool:
    """Day and month swapped, or one part off: common typing slips in a birth date."""
    if a.year == b.year and a.month == b.day and a.day == b.month:
        return True
    same_parts = (a.year == b.year) + (a.month == b.month) + (a.day == b.day)
    return same_parts == 2
