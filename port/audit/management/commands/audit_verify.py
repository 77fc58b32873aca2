"""Verify the audit trail: every entry's HMAC, the links between entries, and the anchors."""

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from port.audit.chain import AnchorFileError, anchors_read, chain_verify


class Command(BaseCommand):
    help = (
        "Walk the audit chain from seq 1, recompute each entry's HMAC, check the links, the head and "
        "the anchors written outside the database (AUDIT_ANCHOR_PATH). Prints OK, or names the first "
        "broken entry and exits with status 1."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--chunk-size", type=int, default=5000, help="Entries read from the database at a time (default 5000)."
        )

    def handle(self, *args: Any, chunk_size: int, **options: Any) -> None:
        started = time.monotonic()
        try:
            anchors = anchors_read()
        except AnchorFileError as error:
            raise CommandError(f"Audit anchors cannot be read: {error}") from error
        if not anchors:
            self.stderr.write(
                self.style.WARNING(
                    f"No anchors in {settings.AUDIT_ANCHOR_PATH}: deleting the newest entries cannot be detected "
                    f"until `manage.py audit_anchor` (or the worker, every 10 minutes) has written one."
                )
            )
        report = chain_verify(chunk_size=max(chunk_size, 1), anchors=anchors)
        if not report.ok:
            raise CommandError(f"Audit chain BROKEN after {report.count} good entries. {report.broken}")
        newest = report.newest_anchor
        anchored = (
            f"; {report.anchors_checked} anchors match, the newest written at {newest.written_at} for seq {newest.seq}"
            if newest
            else "; no anchors"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain OK: {report.count} entries, head seq {report.head_seq} hash {report.head_hash}"
                f"{anchored} ({time.monotonic() - started:.1f} s)."
            )
        )
