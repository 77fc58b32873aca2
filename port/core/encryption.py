"""Encryption at rest for sensitive free text: notes, and what the participant said in their own words.

A value is stored as "fernet:v1:" followed by a Fernet token (AES-128-CBC with an HMAC-SHA256, so a
changed or truncated value is refused instead of read as garbage). The keys come from
settings.FIELD_ENCRYPTION_KEYS, newest first: values are encrypted with the first and read with any,
so a new key can be put in front while old values are still readable, until
`manage.py rotate_encryption_keys` has re-encrypted them (docs/deployment.md, "Keys and rotation").
Without configured keys (the demo, the tests) a key is derived from SECRET_KEY.

Rows written before a field was encrypted have no prefix and are read as they are; the migration that
encrypted the field and the rotation command rewrite them. Empty strings stay empty, so filters on
"has a note" keep working; any other comparison with the content is refused (it could never match).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeGuard

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.apps import apps as django_apps
from django.apps.registry import Apps
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import migrations, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models.lookups import Exact, Lookup, Transform
from django.utils.translation import gettext_lazy as _

PREFIX = "fernet:v1:"
DEFAULT_BATCH_SIZE = 500


class UndecryptableValue(ImproperlyConfigured):
    """A stored value that no configured key opens. The message names the field, never the value."""


def key_from_secret_key(secret_key: str) -> bytes:
    """The Fernet key used when FIELD_ENCRYPTION_KEYS is empty: derived, so the demo needs no setup."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"port.core.encryption field key").derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(derived)


def invalid_key_positions(keys: list[str] | tuple[str, ...]) -> list[int]:
    """1-based positions of entries that are not Fernet keys (the keys themselves are never shown)."""
    bad = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            bad.append(position)
    return bad


@lru_cache(maxsize=8)
def _fernets(keys: tuple[str, ...], secret_key: str) -> tuple[Fernet, MultiFernet]:
    bad = invalid_key_positions(keys)
    if bad:
        raise ImproperlyConfigured(
            f"FIELD_ENCRYPTION_KEYS: entry {', '.join(map(str, bad))} is not a Fernet key (32 url-safe "
            'base64-encoded bytes); make one as docs/deployment.md, "Keys and rotation", shows.'
        )
    derived = Fernet(key_from_secret_key(secret_key))
    configured = [Fernet(key) for key in keys]
    # The derived key stays readable after keys are configured, so an installation that started without
    # them keeps working until the rotation command has re-encrypted its values with the new key.
    return (configured or [derived])[0], MultiFernet([*configured, derived])


def _current() -> tuple[Fernet, MultiFernet]:
    return _fernets(tuple(settings.FIELD_ENCRYPTION_KEYS), settings.SECRET_KEY)


def is_encrypted(stored: str | None) -> TypeGuard[str]:
    return stored is not None and stored.startswith(PREFIX)


def encrypt(plaintext: str) -> str:
    """The stored form of `plaintext`, encrypted with the newest key. Empty stays empty."""
    if not plaintext:
        return plaintext
    primary, _all = _current()
    return PREFIX + primary.encrypt(plaintext.encode()).decode("ascii")


def decrypt(stored: str | None, *, label: str) -> str | None:
    """The text of a stored value; a value without the prefix predates encryption and is returned as is.
    `label` ("app.Model.field") names the field in the error when no configured key opens the value."""
    if not is_encrypted(stored):
        return stored
    _primary, every = _current()
    try:
        return every.decrypt(stored[len(PREFIX) :].encode("ascii")).decode()
    except (InvalidToken, UnicodeError):
        raise UndecryptableValue(
            f"A value of {label} cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS: the key it was "
            "encrypted with is missing, or the stored value was changed. Put the old key back at the end of "
            'the list (docs/deployment.md, "Keys and rotation").'
        ) from None


def is_current(stored: str | None) -> bool:
    """Whether a stored value needs nothing from the rotation command: empty, or encrypted with the newest key."""
    if not stored:
        return True
    if not is_encrypted(stored):
        return False
    primary, _all = _current()
    try:
        primary.decrypt(stored[len(PREFIX) :].encode("ascii"))
    except (InvalidToken, UnicodeError):
        return False
    return True


class EncryptedExact(Exact):
    """Only "is empty" can be asked of an encrypted field: each encryption of a text differs, so an
    equality test with content would silently match nothing."""

    def get_prep_lookup(self) -> Any:
        if self.rhs not in ("", None) and not hasattr(self.rhs, "resolve_expression"):
            raise FieldError(f'{self.lhs.output_field.name} is encrypted: it can only be compared with "".')
        return super().get_prep_lookup()


class EncryptedTextField(models.TextField):
    """A TextField whose values are encrypted in the database (see the module docstring)."""

    description = _("Text, encrypted at rest")
    # Lookups that compare content (contains, startswith, …) would run on ciphertext: refuse them.
    allowed_lookups = frozenset({"exact", "isnull"})

    def label(self) -> str:
        return f"{self.model._meta.label}.{self.name}"

    def get_lookup(self, lookup_name: str) -> type[Lookup] | None:
        if lookup_name not in self.allowed_lookups:
            return None  # Django then raises FieldError("Unsupported lookup …")
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name: str) -> type[Transform] | None:
        return None

    def get_db_prep_value(self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False) -> Any:
        value = super().get_db_prep_value(value, connection, prepared)
        if value is None or value == "":
            return value
        return encrypt(value)

    def from_db_value(self, value: str | None, expression: object, connection: BaseDatabaseWrapper) -> str | None:
        return decrypt(value, label=self.label())


EncryptedTextField.register_lookup(EncryptedExact, lookup_name="exact")


def encrypted_fields(model: type[models.Model]) -> list[EncryptedTextField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


def models_with_encrypted_fields(app_registry: Apps = django_apps) -> list[type[models.Model]]:
    return [m for m in app_registry.get_models() if encrypted_fields(m) and not m._meta.proxy and m._meta.managed]


@dataclass
class RotationCount:
    label: str
    rows: int = 0
    encrypted: int = 0  # plaintext values from before the field was encrypted
    reencrypted: int = 0  # values under an older key


def _raw_values(fields: list[EncryptedTextField]) -> dict[str, models.Expression]:
    # Read the stored text itself: the wrapper's plain TextField has no from_db_value.
    return {
        f"encryption_raw_{f.attname}": models.ExpressionWrapper(models.F(f.attname), output_field=models.TextField())
        for f in fields
    }


def _each_batch(
    model: type[models.Model], fields: list[EncryptedTextField], batch_size: int, handle: Callable[[list[tuple]], None]
) -> None:
    """Calls `handle` with each batch of rows (pk, then the stored values) inside its own transaction,
    the rows locked (on PostgreSQL) so that an edit made meanwhile is neither lost nor overwritten."""
    manager = model._base_manager
    raw = _raw_values(fields)
    last_pk = None
    while True:
        with transaction.atomic(using=manager.db):
            queryset = manager.order_by("pk").annotate(**raw).select_for_update()
            if last_pk is not None:
                queryset = queryset.filter(pk__gt=last_pk)
            rows = list(queryset.values_list("pk", *raw)[:batch_size])
            if not rows:
                return
            handle(rows)
        last_pk = rows[-1][0]


def reencrypt_model(model: type[models.Model], *, batch_size: int = DEFAULT_BATCH_SIZE) -> RotationCount:
    """Encrypt every value of `model`'s encrypted fields that is plaintext or under an older key with the
    newest key. Values already under the newest key are left alone, so running it again changes nothing.
    Raises UndecryptableValue (naming the field) when a value opens with no configured key."""
    fields = encrypted_fields(model)
    count = RotationCount(model._meta.label)

    def handle(rows: list[tuple]) -> None:
        changed = []
        for pk, *stored_values in rows:
            count.rows += 1
            if all(is_current(stored) for stored in stored_values):
                continue
            instance = model(pk=pk)
            for field, stored in zip(fields, stored_values, strict=True):
                if not is_current(stored):
                    if is_encrypted(stored):
                        count.reencrypted += 1
                    else:
                        count.encrypted += 1
                # bulk_update writes every listed field: current values are decrypted and written anew too.
                setattr(instance, field.attname, decrypt(stored, label=f"{model._meta.label}.{field.name}"))
            changed.append(instance)
        if changed:
            model._base_manager.bulk_update(changed, [f.name for f in fields])

    _each_batch(model, fields, batch_size, handle)
    return count


def decrypt_model_to_plaintext(model: type[models.Model], *, batch_size: int = DEFAULT_BATCH_SIZE) -> int:
    """Write `model`'s encrypted values back as plaintext: the reverse of the migrations that encrypted
    them, run before the fields become plain TextFields again. Returns the number of values written."""
    fields = encrypted_fields(model)
    written = 0

    def handle(rows: list[tuple]) -> None:
        nonlocal written
        for pk, *stored_values in rows:
            plain = {
                field.attname: models.Value(
                    decrypt(stored, label=f"{model._meta.label}.{field.name}"), output_field=models.TextField()
                )
                for field, stored in zip(fields, stored_values, strict=True)
                if is_encrypted(stored)
            }
            if plain:
                model._base_manager.filter(pk=pk).update(**plain)
                written += len(plain)

    _each_batch(model, fields, batch_size, handle)
    return written


def encrypt_existing_rows(app_label: str, model_names: list[str]) -> migrations.RunPython:
    """The data migration that follows turning fields into EncryptedTextFields: forwards encrypts the rows
    written before, backwards writes them back as plaintext (before the fields become plain text again)."""

    def forwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        for name in model_names:
            reencrypt_model(apps.get_model(app_label, name))

    def backwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        for name in model_names:
            decrypt_model_to_plaintext(apps.get_model(app_label, name))

    return migrations.RunPython(forwards, backwards, elidable=False)
