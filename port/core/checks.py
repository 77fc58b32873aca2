"""System checks for settings the application itself reads (`manage.py check`, `check --deploy`)."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from port.core.encryption import invalid_key_positions


@register(Tags.security)
def field_encryption_keys_valid(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    """A mistyped key would otherwise be noticed only when the first note is saved or read."""
    bad = invalid_key_positions(settings.FIELD_ENCRYPTION_KEYS)
    if not bad:
        return []
    return [
        Error(
            f"FIELD_ENCRYPTION_KEYS: entry {', '.join(map(str, bad))} is not a Fernet key "
            "(32 url-safe base64-encoded bytes).",
            hint='Make one with: python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"',
            id="core.E001",
        )
    ]


@register(Tags.security, deploy=True)
def field_encryption_keys_set(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    """In production the notes' key must not be one derived from SECRET_KEY (docs/deployment.md)."""
    if settings.FIELD_ENCRYPTION_KEYS or settings.DEBUG:
        return []
    return [
        Warning(
            "FIELD_ENCRYPTION_KEYS is not set: notes are encrypted with a key derived from SECRET_KEY, "
            "so whoever has SECRET_KEY and a copy of the database can read them, and changing SECRET_KEY "
            "makes them unreadable.",
            hint='Set FIELD_ENCRYPTION_KEYS, then run "manage.py rotate_encryption_keys" '
            '(docs/deployment.md, "Keys and rotation").',
            id="core.W001",
        )
    ]


@register(Tags.security, deploy=True)
def audit_hmac_key_set(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    """The audit chain's key must not be derivable from SECRET_KEY, nor change when SECRET_KEY does."""
    if settings.DEBUG or settings.AUDIT_HMAC_KEY != "audit:" + settings.SECRET_KEY:
        return []
    return [
        Warning(
            "AUDIT_HMAC_KEY is not set: audit entries are signed with a key derived from SECRET_KEY, so "
            "rotating SECRET_KEY would make every earlier entry fail verification.",
            hint="Set AUDIT_HMAC_KEY to a long random value kept off the database server, and never change "
            "it (docs/privacy.md).",
            id="core.W002",
        )
    ]
