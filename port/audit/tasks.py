"""Scheduled work for the audit trail, run by the huey consumer (`manage.py run_huey`)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from port.audit.chain import anchor_write


@db_periodic_task(crontab(minute="*/10"))
@lock_task("audit-anchor")
def audit_anchor() -> None:
    """Every ten minutes: write the chain's head outside the database (settings.AUDIT_ANCHOR_PATH)."""
    anchor_write()
