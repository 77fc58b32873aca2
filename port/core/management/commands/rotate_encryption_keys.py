"""Re-encrypt every encrypted field with the newest key (docs/deployment.md, "Keys and rotation")."""

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from port.core.encryption import DEFAULT_BATCH_SIZE, models_with_encrypted_fields, reencrypt_model


class Command(BaseCommand):
    help = (
        "Encrypt every value of the encrypted fields (notes, the participant's own words) with the first "
        "key in FIELD_ENCRYPTION_KEYS: values under an older key and plaintext from before encryption. "
        "Safe to run again and while the application runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Rows per transaction (default {DEFAULT_BATCH_SIZE}).",
        )

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        rows = changed = 0
        for model in models_with_encrypted_fields():
            try:
                count = reencrypt_model(model, batch_size=batch_size)
            except ImproperlyConfigured as error:
                # Batches done before stay done; after fixing the keys, running again finishes the rest.
                raise CommandError(str(error)) from None
            rows += count.rows
            changed += count.encrypted + count.reencrypted
            self.stdout.write(
                f"{count.label}: {count.rows} rows, {count.reencrypted} values re-encrypted from an "
                f"older key, {count.encrypted} plaintext values encrypted"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {changed} values rewritten in {rows} rows; every value is now under the first key."
            )
        )
