"""Possible-duplicate pairs become unique whichever record is called new (duplicates removed first),
and every name key is recomputed with the folding of lookalike letters (port/participants/normalize.py)."""

import django.db.models.functions.comparison
from django.db import migrations, models

DECIDED_FIRST = {"merged": 0, "dismissed": 1, "pending": 2}


def remove_repeated_pairs(apps, schema_editor):
    """Keep one row per pair: the one a person decided, else the oldest, with the reasons of all."""
    MatchCandidate = apps.get_model("participants", "MatchCandidate")
    MatchCandidate.objects.filter(new_participant=models.F("existing_participant")).delete()
    kept: dict[tuple[int, int], object] = {}
    repeated: list[int] = []
    changed: dict[int, object] = {}
    rows = MatchCandidate.objects.order_by("created_at", "pk").iterator(chunk_size=2000)
    for row in rows:
        pair = (min(row.new_participant_id, row.existing_participant_id),
                max(row.new_participant_id, row.existing_participant_id))
        first = kept.get(pair)
        if first is None:
            kept[pair] = row
            continue
        if DECIDED_FIRST.get(row.status, 2) < DECIDED_FIRST.get(first.status, 2):
            row, first = first, row
            kept[pair] = first
        first.reasons = [*first.reasons, *(r for r in row.reasons if r not in first.reasons)]
        changed[first.pk] = first
        changed.pop(row.pk, None)
        repeated.append(row.pk)
    for start in range(0, len(repeated), 500):
        MatchCandidate.objects.filter(pk__in=repeated[start:start + 500]).delete()
    MatchCandidate.objects.bulk_update(list(changed.values()), ["reasons"], batch_size=500)


def recompute_name_keys(apps, schema_editor):
    """Uses the normalization of this release; a later change to it brings its own recomputation."""
    from port.participants.normalize import name_key

    Participant = apps.get_model("participants", "Participant")
    ParticipantAlias = apps.get_model("participants", "ParticipantAlias")
    people = []
    for person in Participant.objects.only("pk", "first_name", "last_name", "name_key").iterator(chunk_size=2000):
        key = name_key(person.first_name, person.last_name)
        if key != person.name_key:
            person.name_key = key
            people.append(person)
    Participant.objects.bulk_update(people, ["name_key"], batch_size=500)
    seen: set[tuple[int, str]] = set()
    aliases, repeated = [], []
    for alias in ParticipantAlias.objects.order_by("pk").iterator(chunk_size=2000):
        key = name_key(alias.first_name, alias.last_name)
        if (alias.participant_id, key) in seen:
            repeated.append(alias.pk)  # two spellings that now fold to the same name: one is enough
            continue
        seen.add((alias.participant_id, key))
        if key != alias.name_key:
            alias.name_key = key
            aliases.append(alias)
    ParticipantAlias.objects.filter(pk__in=repeated).delete()
    # Give every changed alias a placeholder first, so no two rows of one participant share a key
    # in the middle of the update (the unique constraint is checked row by row).
    for alias in aliases:
        ParticipantAlias.objects.filter(pk=alias.pk).update(name_key=f"~{alias.pk}")
    ParticipantAlias.objects.bulk_update(aliases, ["name_key"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ("participants", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="matchcandidate",
            name="match_candidate_pair_unique",
        ),
        migrations.RunPython(remove_repeated_pairs, migrations.RunPython.noop),
        migrations.RunPython(recompute_name_keys, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="matchcandidate",
            constraint=models.UniqueConstraint(
                django.db.models.functions.comparison.Least("new_participant", "existing_participant"),
                django.db.models.functions.comparison.Greatest("new_participant", "existing_participant"),
                name="match_candidate_pair_unique_either_order",
            ),
        ),
        migrations.AddConstraint(
            model_name="matchcandidate",
            constraint=models.CheckConstraint(
                condition=models.Q(("new_participant", models.F("existing_participant")), _negated=True),
                name="match_candidate_two_records",
            ),
        ),
    ]
