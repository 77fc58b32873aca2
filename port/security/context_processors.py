from django.http import HttpRequest
from django.utils import timezone

from port.security.services import HAS_DEVICE_KEY, enrol_deadline, two_factor_required


def two_factor(request: HttpRequest) -> dict:
    """`two_factor_deadline`: when the person must have set up two-factor sign-in, while they are in
    the grace period to do so (base.html shows a banner with a link); otherwise None."""
    user, session = getattr(request, "user", None), getattr(request, "session", None)
    if user is None or session is None or not user.is_authenticated or session.get(HAS_DEVICE_KEY, True):
        return {"two_factor_deadline": None}
    match = getattr(request, "resolver_match", None)
    if match is not None and "security" in match.namespaces:
        return {"two_factor_deadline": None}  # the two-factor pages say it themselves
    if not two_factor_required(user=user, membership=getattr(request, "membership", None)):
        return {"two_factor_deadline": None}
    deadline = enrol_deadline(user)
    return {"two_factor_deadline": deadline if deadline > timezone.now() else None}
