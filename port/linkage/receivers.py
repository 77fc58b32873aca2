"""What linkage does when a referral's status changes (port.referrals.signals.referral_status_changed,
sent inside the change's transaction): the person first reached gets check-ins; a closed case's open
tasks are cancelled."""

from typing import Any

from django.dispatch import receiver

from port.linkage.services import checkins_create, tasks_close_for_referral
from port.referrals.models import Status
from port.referrals.signals import referral_status_changed


@receiver(referral_status_changed, dispatch_uid="linkage-referral-status")
def on_referral_status_changed(*, referral: Any, to_status: str, by: Any = None, **_kwargs: Any) -> None:
    if to_status == Status.REACHED:
        checkins_create(referral=referral)
    elif to_status == Status.CLOSED:
        tasks_close_for_referral(referral=referral, by=by)
