"""Write the audit chain's head to the anchor file now (the worker does it every 10 minutes)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from port.audit.chain import anchor_write


class Command(BaseCommand):
    help = "Append the audit chain's head (seq, hash, time) to AUDIT_ANCHOR_PATH."

    def handle(self, *args: Any, **options: Any) -> None:
        anchor = anchor_write()
        self.stdout.write(
            f"Anchored seq {anchor.seq} hash {anchor.entry_hash} at {anchor.written_at} "
            f"in {settings.AUDIT_ANCHOR_PATH}."
        )
