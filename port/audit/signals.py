"""Sign-in, failed sign-in and sign-out are audited."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from port.audit.models import AuditEvent
from port.audit.services import audit_record


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs) -> None:
    audit_record(action=AuditEvent.Action.LOGIN, user=user)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_record(action=AuditEvent.Action.LOGOUT, user=user)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # The attempted username is kept to spot guessing; passwords are never in `credentials` here.
    audit_record(action=AuditEvent.Action.LOGIN_FAILED, note=str(credentials.get("username", ""))[:150])
