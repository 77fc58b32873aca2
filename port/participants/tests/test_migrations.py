"""Migration 0002: possible-duplicate pairs asked once, and name keys folded like intake folds them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from port.participants.models import MatchCandidate, Participant, ParticipantAlias
from port.participants.normalize import name_key

BEFORE = [("participants", "0001_initial")]
AFTER = [("participants", "0002_match_pairs_once_and_folded_name_keys")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _migrate_back_to_latest() -> None:
    """Every app's latest migration again: going down to BEFORE also unapplied the migrations of other
    apps that depend on a later one of this app (port.linkage's), which AFTER alone would leave out."""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_repeated_pairs_are_reduced_to_one_decided_row_and_name_keys_are_refolded(cast):
    old = _migrate(BEFORE)
    try:
        person = old.get_model("participants", "Participant")
        alias = old.get_model("participants", "ParticipantAlias")
        candidate = old.get_model("participants", "MatchCandidate")
        # Keys as the old normalization made them: a Cyrillic "а" dropped, Cyrillic names empty.
        maria = person.objects.create(
            program_id=cast.program.pk, first_name="M\u0430ria", last_name="Lopez", name_key="mria|lopez"
        )
        olga = person.objects.create(program_id=cast.program.pk, first_name="Ольга", last_name="Петрова", name_key="")
        other = person.objects.create(
            program_id=cast.program.pk, first_name="Mario", last_name="Lopez", name_key="mario|lopez"
        )
        alias.objects.create(participant=maria, first_name="Maria", last_name="López", name_key="maria|lopez")
        alias.objects.create(participant=maria, first_name="Maria", last_name="Lopez", name_key="maria|lopez2")
        candidate.objects.create(
            program_id=cast.program.pk, new_participant=maria, existing_participant=other, reasons=["same phone number"]
        )
        candidate.objects.create(
            program_id=cast.program.pk,
            new_participant=other,
            existing_participant=maria,
            reasons=["similar name"],
            status="dismissed",
        )
        candidate.objects.create(program_id=cast.program.pk, new_participant=olga, existing_participant=olga)
    finally:
        _migrate(AFTER)
        _migrate_back_to_latest()

    pair = MatchCandidate.objects.get()
    assert pair.status == MatchCandidate.Status.DISMISSED  # a person's answer is what is kept
    assert set(pair.reasons) == {"similar name", "same phone number"}
    assert Participant.objects.get(pk=maria.pk).name_key == name_key("Maria", "Lopez")
    assert Participant.objects.get(pk=olga.pk).name_key == name_key("Ольга", "Петрова") != ""
    assert list(ParticipantAlias.objects.filter(participant_id=maria.pk).values_list("name_key", flat=True)) == [
        name_key("Maria", "Lopez")
    ]
