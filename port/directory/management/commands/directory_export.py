"""manage.py directory_export --program SLUG --format hsds-json|hsds-csv OUTDIR"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from port.accounts.models import Program
from port.audit.models import AuditEvent
from port.audit.services import admin_audit
from port.directory.hsds.export import export_files
from port.directory.models import Service


class Command(BaseCommand):
    help = "Export a program's resource directory as HSDS 3.0 JSON (the API's lists) or tabular CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--program", required=True)
        parser.add_argument("--format", required=True, choices=["hsds-json", "hsds-csv"])
        parser.add_argument("outdir", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        program = Program.objects.filter(slug=options["program"]).first()
        if program is None:
            raise CommandError(f"No program with the slug {options['program']!r}.")
        outdir: Path = options["outdir"]
        outdir.mkdir(parents=True, exist_ok=True)
        files = export_files(program, options["format"])
        for name, content in files.items():
            (outdir / name).write_bytes(content)
            self.stdout.write(f"{outdir / name}: {len(content)} bytes")
        admin_audit(
            actor=None,
            program=program,
            action=AuditEvent.Action.EXPORT,
            target=Service,
            target_ids=[],
            note=f"Directory export ({options['format']}), {len(files)} files",
        )
