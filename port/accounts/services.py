"""Plain writes on the ground floor: a program with its acuity levels.

What an admin changes (programs, users, memberships, API tokens) goes through the audited services in
port/security/accounts.py; a new program gets every app's defaults from
port.administration.services.program_set_up.
"""

from django.db import transaction

from port.accounts.models import AcuityLevel, Program

DEFAULT_ACUITY_LEVELS = (
    ("high", "High risk", 24),
    ("elevated", "Elevated", 48),
    ("standard", "Standard", 72),
)


@transaction.atomic
def program_create(
    *, name: str, slug: str, time_zone: str = "America/New_York", policy: dict[str, int] | None = None
) -> Program:
    """Create a program with the default acuity levels (24, 48 and 72 hours), which it may change.
    `policy`: other settings (attempt policy, warning hours, idle timeout...)."""
    program = Program(name=name, slug=slug, time_zone=time_zone, **(policy or {}))
    program.full_clean()
    program.save()
    AcuityLevel.objects.bulk_create(
        AcuityLevel(program=program, code=code, label=label, window_hours=hours, rank=rank)
        for rank, (code, label, hours) in enumerate(DEFAULT_ACUITY_LEVELS)
    )
    return program
