"""Scheduled work, run by the huey consumer beside the deadline warnings (port.notifications.tasks)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from port.linkage.services import handoff_checks_create, task_reminders_send


@db_periodic_task(crontab(minute="*/5"))
@lock_task("linkage-follow-up")
def follow_up() -> int:
    """Every five minutes: hand-off checks for the peer (no answer; appointment passed), then reminders of
    tasks due tomorrow, today or overdue."""
    made = handoff_checks_create()
    return made + task_reminders_send()
