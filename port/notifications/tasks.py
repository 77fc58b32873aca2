"""Scheduled work, run by the huey consumer (`manage.py run_huey`, started by `make run`)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from port.notifications.services import deadline_warnings_send


@db_periodic_task(crontab(minute="*/5"))
@lock_task("deadline-warnings")
def deadline_warnings() -> int:
    """Every five minutes: warn about referrals near or past their contact deadline."""
    return deadline_warnings_send()
