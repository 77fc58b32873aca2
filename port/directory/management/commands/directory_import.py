"""manage.py directory_import --program SLUG PATH [--mapping NAME] [--dry-run] [--valid-only]"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from port.accounts.models import Program
from port.directory.hsds.services import ImportRefused, directory_import, directory_path_read


class Command(BaseCommand):
    help = (
        "Import a resource directory: an HSDS 3.0 JSON file or folder, an HSDS tabular CSV folder, or a "
        "spreadsheet with --mapping NAME. Prints the plan (what is added, changed, left alone, and every "
        "problem) first; --dry-run stops there."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--program", required=True, help="the program's slug")
        parser.add_argument("path", type=Path)
        parser.add_argument("--mapping", default="", help="a column mapping's name (samhsa-programs, ...)")
        parser.add_argument("--dry-run", action="store_true", help="print the plan and change nothing")
        parser.add_argument("--valid-only", action="store_true", help="import the valid rows, report the others")

    def handle(self, *args: Any, **options: Any) -> None:
        program = Program.objects.filter(slug=options["program"]).first()
        if program is None:
            raise CommandError(f"No program with the slug {options['program']!r}.")
        dataset = directory_path_read(program, options["path"], mapping=options["mapping"])
        plan = directory_import(program=program, dataset=dataset, actor=None, valid_only=False, dry_run=True)
        for line in plan.report_lines():
            self.stdout.write(line)
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was changed.")
            if not plan.ok:
                raise CommandError("Problems would stop this import (fix them, or use --valid-only).")
            return
        try:
            directory_import(
                program=program,
                dataset=directory_path_read(program, options["path"], mapping=options["mapping"]),
                actor=None,
                valid_only=options["valid_only"],
                source=str(options["path"]),
            )
        except ImportRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS("Imported."))
