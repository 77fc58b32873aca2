"""Writes for programs and memberships."""

from django.db import transaction

from port.accounts.models import AcuityLevel, Program
from port.outreach.services import text_templates_seed_defaults
from port.supplies.services import supplies_seed_defaults

DEFAULT_ACUITY_LEVELS = (
    ("high", "High risk", 24),
    ("elevated", "Elevated", 48),
    ("standard", "Standard", 72),
)


@transaction.atomic
def program_create(*, name: str, slug: str, time_zone: str = "America/New_York") -> Program:
    """Create a program with the default acuity levels (24, 48 and 72 hours), supply items and an office,
    and neutral text-message templates, which it may change."""
    program = Program(name=name, slug=slug, time_zone=time_zone)
    program.full_clean()
    program.save()
    AcuityLevel.objects.bulk_create(
        AcuityLevel(program=program, code=code, label=label, window_hours=hours, rank=rank)
        for rank, (code, label, hours) in enumerate(DEFAULT_ACUITY_LEVELS)
    )
    supplies_seed_defaults(program=program)
    text_templates_seed_defaults(program=program)
    return program
