"""Setting up a program: the ground floor's program plus every app's defaults, done from above.

Accounts makes the program and its acuity levels (port.accounts.services.program_create); each app seeds
its own defaults for it (supply items and an office, text-message templates). A new app with per-program
defaults adds its seeding call here.
"""

from django.db import transaction

from port.accounts.models import Program, User
from port.accounts.services import program_create
from port.audit.models import AuditEvent
from port.audit.services import admin_audit, record_changes
from port.directory.categories import port_taxonomy_seed
from port.outreach.services import text_templates_seed_defaults
from port.supplies.services import supplies_seed_defaults


@transaction.atomic
def program_set_up(
    *,
    name: str,
    slug: str,
    time_zone: str = "America/New_York",
    actor: User | None = None,
    policy: dict[str, int] | None = None,
) -> Program:
    """Create a program with the default acuity levels (24, 48 and 72 hours), supply items and an office,
    neutral text-message templates and PORT's directory categories, which it may change. `policy`: other
    settings (attempt policy, warning hours, idle timeout...). Made by an admin (`actor`), it is audited as created."""
    program = program_create(name=name, slug=slug, time_zone=time_zone, policy=policy)
    supplies_seed_defaults(program=program)
    text_templates_seed_defaults(program=program)
    port_taxonomy_seed(program=program)
    if actor is not None:
        admin_audit(
            actor=actor,
            program=program,
            action=AuditEvent.Action.CREATE,
            target=Program,
            target_ids=[program.pk],
            changes=record_changes(None, program),
            note="program created",
        )
    return program
