"""Notes and the participant's own words are encrypted at rest; keys rotate without losing a note."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.core.checks import registry
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from port.core.checks import field_encryption_keys_set, field_encryption_keys_valid
from port.core.encryption import (
    PREFIX,
    EncryptedTextField,
    UndecryptableValue,
    encrypt_existing_rows,
    key_from_secret_key,
    models_with_encrypted_fields,
)
from port.outreach.models import ContactAttempt, Encounter, EncounterAddendum, Mode, Outcome, Supporter
from port.outreach.services import (
    EncounterIn,
    contact_attempt_record,
    encounter_add_addendum,
    encounter_record,
    supporter_save,
)
from port.referrals.models import ClosingReason, Referral, ReferralChange, Status
from port.referrals.services import referral_transition
from port.testing.outreach import assigned_referral

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
NOTE = "Sleeps at the shelter on 5th; prefers texts after 6 pm"


def stored(instance, field: str) -> str | None:
    """The column's value as the database holds it, read past the ORM."""
    meta = type(instance)._meta
    column = meta.get_field(field).column
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {connection.ops.quote_name(column)} FROM {connection.ops.quote_name(meta.db_table)} "  # noqa: S608
            f"WHERE {connection.ops.quote_name(meta.pk.column)} = %s",
            [instance.pk],
        )
        return cursor.fetchone()[0]


def store_raw(instance, field: str, value: str) -> None:
    """Write a column past the ORM, as rows from before encryption were written."""
    meta = type(instance)._meta
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} SET {quote(meta.get_field(field).column)} = %s "  # noqa: S608
            f"WHERE {quote(meta.pk.column)} = %s",
            [value, instance.pk],
        )


def opens_with(key: str, raw: str) -> str | None:
    try:
        return Fernet(key).decrypt(raw.removeprefix(PREFIX).encode()).decode()
    except InvalidToken:
        return None


def rotate(*args) -> str:
    out = StringIO()
    call_command("rotate_encryption_keys", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def referral(cast) -> Referral:
    referral = assigned_referral(cast)
    Referral.objects.filter(pk=referral.pk).update(notes=NOTE)
    return referral


def test_a_note_reads_back_as_written_but_is_stored_encrypted(referral):
    assert Referral.objects.get(pk=referral.pk).notes == NOTE
    raw = stored(referral, "notes")
    assert raw.startswith(PREFIX)
    assert NOTE not in raw and "shelter" not in raw


def test_every_sensitive_outreach_text_is_stored_encrypted(cast, referral):
    peer, participant = cast.peer, referral.participant
    supporter = supporter_save(
        by=peer,
        participant=participant,
        first_name="Robin",
        relationship="sister",
        consent_to_contact=True,
        needs="Counseling for her own grief",
    )
    attempt = contact_attempt_record(
        by=peer,
        referral=referral,
        mode=Mode.PHONE,
        outcome=Outcome.REACHED_PARTICIPANT,
        note="Said to call back after her shift",
    )
    encounter = encounter_record(
        by=peer,
        participant=participant,
        referral=referral,
        attempt=attempt,
        data=EncounterIn(
            mode=Mode.PHONE, goals="Get my license back", next_steps="Call the clinic Monday", notes="Using again"
        ),
    )
    addendum = encounter_add_addendum(by=peer, encounter=encounter, text="Clinic called back")

    written = [
        (supporter, "needs", "Counseling for her own grief"),
        (attempt, "note", "Said to call back after her shift"),
        (encounter, "goals", "Get my license back"),
        (encounter, "next_steps", "Call the clinic Monday"),
        (encounter, "notes", "Using again"),
        (addendum, "text", "Clinic called back"),
    ]
    for instance, field, text in written:
        assert stored(instance, field).startswith(PREFIX), field
        assert text not in stored(instance, field)
        assert getattr(type(instance).objects.get(pk=instance.pk), field) == text
    assert set(models_with_encrypted_fields()) == {
        Referral,
        ReferralChange,
        Supporter,
        ContactAttempt,
        Encounter,
        EncounterAddendum,
    }


def test_a_supervisors_reason_for_closing_as_unable_to_reach_early_is_stored_encrypted(cast, referral):
    why = "Family says she moved to Ohio last week."
    referral_transition(
        referral=referral,
        to_status=Status.CLOSED,
        by=cast.supervisor,
        reason=ClosingReason.UNABLE_TO_REACH,
        override_reason=why,
    )
    change = ReferralChange.objects.filter(referral=referral, kind=ReferralChange.Kind.STATUS).last()
    assert stored(change, "override_reason").startswith(PREFIX)
    assert why not in stored(change, "override_reason")
    assert ReferralChange.objects.get(pk=change.pk).override_reason == why


def test_an_empty_note_stays_empty_so_has_a_note_filters_work(cast, referral):
    empty = assigned_referral(cast, first_name="Jordan", phone="412-555-0199")
    assert stored(empty, "notes") == ""
    assert list(Referral.objects.filter(notes="").values_list("pk", flat=True)) == [empty.pk]
    assert list(Referral.objects.exclude(notes="").values_list("pk", flat=True)) == [referral.pk]


@pytest.mark.parametrize("lookup", [{"notes": NOTE}, {"notes__icontains": "shelter"}, {"notes__startswith": "S"}])
def test_searching_the_content_of_an_encrypted_field_is_refused_not_silently_empty(referral, lookup):
    with pytest.raises(FieldError):
        list(Referral.objects.filter(**lookup))


def test_a_note_from_before_encryption_is_readable_and_the_command_encrypts_it(referral):
    store_raw(referral, "notes", "Written before encryption")
    assert Referral.objects.get(pk=referral.pk).notes == "Written before encryption"

    output = rotate()

    assert "referrals.Referral: 1 rows, 0 values re-encrypted from an older key, 1 plaintext values encrypted" in output
    assert stored(referral, "notes").startswith(PREFIX)
    assert Referral.objects.get(pk=referral.pk).notes == "Written before encryption"


def test_the_command_changes_nothing_the_second_time(referral):
    rotate()
    before = stored(referral, "notes")
    assert "Done: 0 values rewritten" in rotate()
    assert stored(referral, "notes") == before


def test_rotation_prepend_a_key_re_encrypt_then_drop_the_old_one(cast, settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    referrals = [
        assigned_referral(cast, first_name=name, phone=f"412-555-01{i:02}")
        for i, name in enumerate(["Ari", "Bo", "Cy"])
    ]
    for i, referral in enumerate(referrals):
        Referral.objects.filter(pk=referral.pk).update(notes=f"note {i}")
    assert opens_with(OLD_KEY, stored(referrals[0], "notes")) == "note 0"

    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    assert [Referral.objects.get(pk=r.pk).notes for r in referrals] == ["note 0", "note 1", "note 2"]
    Referral.objects.filter(pk=referrals[2].pk).update(notes="note 2, edited")  # new writes use the new key
    assert opens_with(NEW_KEY, stored(referrals[2], "notes")) == "note 2, edited"

    output = rotate("--batch-size", "2")

    assert "referrals.Referral: 3 rows, 2 values re-encrypted from an older key, 0 plaintext values" in output
    for referral in referrals:
        assert opens_with(OLD_KEY, stored(referral, "notes")) is None
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    assert [Referral.objects.get(pk=r.pk).notes for r in referrals] == ["note 0", "note 1", "note 2, edited"]


def test_notes_written_without_configured_keys_move_to_the_first_configured_key(referral, settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    Referral.objects.filter(pk=referral.pk).update(notes="demo note")
    assert opens_with(key_from_secret_key(settings.SECRET_KEY).decode(), stored(referral, "notes")) == "demo note"

    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    assert Referral.objects.get(pk=referral.pk).notes == "demo note"
    rotate()
    assert opens_with(NEW_KEY, stored(referral, "notes")) == "demo note"


def test_a_note_under_a_missing_key_is_a_clear_error_naming_the_field_not_the_note(referral, settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    Referral.objects.filter(pk=referral.pk).update(notes=NOTE)
    raw = stored(referral, "notes")
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]

    with pytest.raises(UndecryptableValue) as error:
        Referral.objects.get(pk=referral.pk)
    message = str(error.value)
    assert isinstance(error.value, ImproperlyConfigured)
    assert "referrals.Referral.notes" in message and "FIELD_ENCRYPTION_KEYS" in message
    assert NOTE not in message and raw.removeprefix(PREFIX) not in message

    with pytest.raises(CommandError, match="referrals.Referral.notes"):
        rotate()
    assert stored(referral, "notes") == raw  # nothing was overwritten


def test_a_changed_stored_value_is_refused_rather_than_read_as_garbage(referral):
    raw = stored(referral, "notes")
    store_raw(referral, "notes", raw[:-6] + ("AAAAAA" if not raw.endswith("AAAAAA") else "BBBBBB"))
    with pytest.raises(UndecryptableValue):
        Referral.objects.get(pk=referral.pk)


def test_a_mistyped_key_is_reported_by_the_system_check_and_refused_on_save(referral, settings):
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, "not-a-key"]
    errors = field_encryption_keys_valid(None)
    assert [e.id for e in errors] == ["core.E001"]
    assert "entry 2" in errors[0].msg and "not-a-key" not in errors[0].msg
    with pytest.raises(ImproperlyConfigured, match="entry 2"):
        Referral.objects.filter(pk=referral.pk).update(notes="anything")


def test_check_deploy_warns_when_production_has_no_encryption_keys(settings):
    assert field_encryption_keys_set in registry.registry.get_checks(include_deployment_checks=True)
    assert field_encryption_keys_set not in registry.registry.get_checks(include_deployment_checks=False)
    settings.DEBUG = False
    settings.FIELD_ENCRYPTION_KEYS = []
    assert [w.id for w in field_encryption_keys_set(None)] == ["core.W001"]
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    assert field_encryption_keys_set(None) == []
    assert field_encryption_keys_valid(None) == []


def test_the_data_migration_encrypts_old_rows_and_its_reverse_writes_them_back_as_plaintext(referral):
    store_raw(referral, "notes", "Written before the migration")
    operation = encrypt_existing_rows("referrals", ["Referral"])

    operation.code(apps, None)
    assert stored(referral, "notes").startswith(PREFIX)
    assert Referral.objects.get(pk=referral.pk).notes == "Written before the migration"

    operation.reverse_code(apps, None)
    assert stored(referral, "notes") == "Written before the migration"


def test_the_field_is_a_text_field_and_keeps_a_form_length_limit():
    note = ContactAttempt._meta.get_field("note")
    assert isinstance(note, EncryptedTextField)
    assert note.formfield().max_length == 300
