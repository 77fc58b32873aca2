"""The referral API (intake channel 4): an agency's system sends referrals and follows their status.

Mounted at /api/v1/ by port/api/urls.py. Writes go through the intake service like every other
channel; the one read answers only what a referral partner may know (status and clock).
"""

import json
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import NinjaAPI, Path, Status, Swagger
from ninja.decorators import decorate_view
from ninja.errors import AuthenticationError, HttpError, ValidationError

from port.accounts.http import ApiRequest
from port.accounts.models import ApiToken
from port.api.auth import AgencyTokenAuth, ApiRateLimited, ApiUnauthorized
from port.api.schemas import ErrorOut, ReferralIn, ReferralStatusOut, describe_validation_error
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.referrals.intake import IntakeRejected, ReferenceReused, referral_intake
from port.referrals.models import Channel, Referral

# A referral is a few hundred bytes; 64 KB leaves room for long notes and stops accidental uploads.
MAX_BODY_BYTES = 64 * 1024
REALM = "PORT referral API"

DESCRIPTION = """
Referral partners' systems (an emergency department's record system, 2-1-1's call software, an EMS
records system) send referrals to a PORT program and check how each is going.

**Authentication.** Every request carries the agency's API token:
`Authorization: Bearer port_...`. A program administrator creates tokens in the admin
(Admin → API tokens); the token is shown once. A missing, unknown, revoked or expired token answers
401 with a `WWW-Authenticate: Bearer` header.

**Idempotency.** `external_id` is your own identifier for the referral. Sending the same
`external_id` again from the same agency, about the same person, creates nothing: it answers **200**
with the referral made the first time (the first **201**). Retry freely after a timeout. A retry is
recognised by the person's names (case, accents and spacing aside) and date of birth, and by the
overdose time when both sends give one; nothing else of the body is compared, and nothing is changed:
to change a referral, call the program. The same `external_id` about a different person or overdose
answers **409** with `errors.external_id`, and nothing is created: give each referral its own.

**Times** are ISO 8601 with a UTC offset (`2025-03-01T21:30:00-05:00` or `...Z`). A time without an
offset is refused (422) because it is ambiguous, and so is an offset beyond -14:00 or +14:00 (no
place uses one) or a time before 2000-01-01T00:00:00Z (a typing error). Answers give times in the
program's time zone.

**Types are strict.** Booleans are JSON `true`/`false` (not `0`, `1` or `"yes"`), numbers are JSON
integers (not `2.0`, `"2"` or `true`); `null` or `""` means not known. No text field may hold a
control character (NUL, escape codes and the like); tabs and line breaks are allowed only in
`notes`, `participant.address`, `participant.location_notes` and `overdose.location`.

**Errors** always have the same shape, and never repeat a value you sent:

```json
{"detail": "The referral was not accepted: 2 fields need attention.",
 "errors": {"participant.phone": "This is not a phone number we can dial; check the digits.",
            "overdose.occurred_at": "The overdose time is in the future."}}
```

400: the body is not JSON or not a JSON object. 401: token. 404: no such referral sent by your
agency (or no such address: unknown paths answer 404 in the same shape). 409: the `external_id`
was already used for a different person or overdose (see `errors`). 411: the body was sent in
chunks through a server that cannot read them; send a `Content-Length`. 413: body over 64 KB.
422: a field is missing or wrong (see `errors`). 429: too many requests with this token (see
`Retry-After`).
"""


class ProjectSwagger(Swagger):
    """Swagger UI from local static files, in a page with a language and a phone viewport."""

    template = "api/swagger.html"


api = NinjaAPI(
    title="PORT referral API",
    version="1",
    description=DESCRIPTION,
    openapi_url="/openapi.json",
    docs_url="/docs",
    # Swagger UI would otherwise load a badge from validator.swagger.io: no third-party requests.
    docs=ProjectSwagger(settings={"validatorUrl": None, "defaultModelsExpandDepth": 0}),
    auth=AgencyTokenAuth(),
)


def _error(
    request: HttpRequest,
    status: int,
    detail: str,
    errors: dict[str, str] | None = None,
) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors or {}}, status=status)


def _not_accepted(errors: dict[str, str]) -> dict[str, Any]:
    detail = ngettext(
        "The referral was not accepted: %(count)d field needs attention.",
        "The referral was not accepted: %(count)d fields need attention.",
        len(errors),
    ) % {"count": len(errors)}
    return {"detail": detail, "errors": errors}


@api.exception_handler(ValidationError)
def validation_failed(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """ninja's list of pydantic errors, in the same shape (and field paths) as intake's own."""
    errors: dict[str, str] = {}
    for error in exc.errors:
        loc = tuple(error.get("loc", ()))
        # ("body", "payload", "participant", "phone") -> "participant.phone"
        path = loc[2:] if loc[:1] == ("body",) else loc[1:]
        if loc[:1] == ("body",) and not path:
            # The body as a whole is not an object: empty, an array, a string, a number or null.
            return _error(request, 400, _("The body must be a JSON object with the referral's fields."))
        errors.setdefault(".".join(str(part) for part in path), describe_validation_error(error))
    return api.create_response(request, _not_accepted(errors), status=422)


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(request, 401, str(exc))
    challenge = f'Bearer realm="{REALM}"'
    if isinstance(exc, ApiUnauthorized) and exc.invalid_token:
        challenge += ', error="invalid_token"'
    response["WWW-Authenticate"] = challenge
    return response


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    detail = str(exc)
    # ninja reports every unreadable body as "Cannot parse request body"; say what was wrong.
    if isinstance(exc.__cause__, UnicodeDecodeError):
        detail = _("The body is not valid JSON: it is not UTF-8 text.")
    elif isinstance(exc.__cause__, json.JSONDecodeError):
        detail = _("The body is not valid JSON (%(reason)s at line %(line)d, column %(column)d).") % {
            "reason": exc.__cause__.msg,
            "line": exc.__cause__.lineno,
            "column": exc.__cause__.colno,
        }
    response = _error(request, exc.status_code, detail)
    if isinstance(exc, ApiRateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


def _too_large(request: HttpRequest) -> HttpResponse:
    limit = min(MAX_BODY_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or MAX_BODY_BYTES)
    return _error(
        request,
        413,
        _("The body is larger than %(limit)d KB; send one referral per request.") % {"limit": limit // 1024},
    )


@api.exception_handler(RequestDataTooBig)
def body_over_django_limit(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _too_large(request)


def refuse_large_body(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """413 before anything reads the body (or checks the token): the sender learns why at once."""

    @wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _error(request, 400, _("The Content-Length header is not a number."))
        if length > MAX_BODY_BYTES:
            return _too_large(request)
        return run(request, *args, **kwargs)

    return wrapper


def _status_of(referral: Referral, token: ApiToken) -> dict[str, Any]:
    zone = token.agency.program.zone
    return {
        "id": referral.public_id,
        "external_id": referral.external_id,
        "status": referral.status,
        "received_at": referral.received_at.astimezone(zone),
        "contact_deadline": referral.contact_deadline.astimezone(zone),
    }


ERROR_RESPONSES = {
    400: ErrorOut,
    401: ErrorOut,
    409: ErrorOut,
    411: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}

CREATE_EXAMPLES = {
    "responses": {
        201: {
            "content": {
                "application/json": {
                    "example": {
                        "id": "0b4f6c1e-8a59-4c1b-9a55-3f0e7f7a2d10",
                        "external_id": "ED-2025-000123",
                        "status": "received",
                        "received_at": "2025-03-01T21:30:00-05:00",
                        "contact_deadline": "2025-03-03T08:00:00-05:00",
                    }
                }
            }
        },
        401: {
            "content": {
                "application/json": {
                    "example": {
                        "detail": "This token is unknown, revoked or expired. Ask your PORT program's "
                        "administrator for a new one.",
                        "errors": {},
                    }
                }
            }
        },
        422: {
            "content": {
                "application/json": {
                    "example": {
                        "detail": "The referral was not accepted: 3 fields need attention.",
                        "errors": {
                            "participant.phone": "Give a way to reach the person: a phone number, an address, "
                            "or where they can be found.",
                            "received_at": "Give the time with its UTC offset, e.g. 2025-03-01T21:30:00-05:00 "
                            "or 2025-03-02T02:30:00Z; a time without an offset is ambiguous.",
                            "source": "Unknown value. Use one of: 'emergency_department', '211', 'ems', "
                            "'fire', 'law_enforcement', 'self', 'family' or 'other'.",
                        },
                    }
                }
            }
        },
    }
}


@api.post(
    "/referrals",
    response={200: ReferralStatusOut, 201: ReferralStatusOut, **ERROR_RESPONSES},
    summary="Send a referral",
    description="Creates the referral (201) or, when this agency already sent one with the same "
    "`external_id` about the same person, answers that referral unchanged (200). The same "
    "`external_id` about a different person or overdose is refused (409).",
    operation_id="referral_create",
    openapi_extra=CREATE_EXAMPLES,
)
@decorate_view(refuse_large_body)
def referral_create(request: ApiRequest, payload: ReferralIn, response: HttpResponse) -> Status[Any]:
    token = request.auth
    try:
        result = referral_intake(
            program=token.agency.program,
            submission=payload.to_submission(),
            channel=Channel.API,
            agency=token.agency,
            submitted_by=None,
            api_token=token,
        )
    except IntakeRejected as rejected:
        return Status(409 if isinstance(rejected, ReferenceReused) else 422, _not_accepted(rejected.errors))
    response["Location"] = reverse(
        f"{api.urls_namespace}:referral_status", kwargs={"referral_id": result.referral.public_id}
    )
    return Status(201 if result.created else 200, _status_of(result.referral, token))


def _referral_sent_by(token: ApiToken, public_id: str) -> Referral:
    """A referral this token's agency sent, or 404: another agency's and unknown ids look the same."""
    not_found = HttpError(404, _("No referral with this id was sent by your agency."))
    try:
        wanted = uuid.UUID(public_id)
    except ValueError:
        raise not_found from None
    referral = (
        Referral.objects.filter(
            public_id=wanted, referring_agency_id=token.agency_id, program_id=token.agency.program_id
        )
        # Only what the answer and the audit entry need; nothing about the person is loaded.
        .only("pk", "public_id", "external_id", "status", "received_at", "contact_deadline", "participant_id")
        .first()
    )
    if referral is None:
        raise not_found
    return referral


@api.get(
    "/referrals/{referral_id}",
    response={200: ReferralStatusOut, 401: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    summary="Follow a referral you sent",
    description="The status and contact deadline of a referral your agency sent; never details of "
    "the person. Another agency's referral answers 404, as an unknown id does.",
    operation_id="referral_status",
    url_name="referral_status",
)
def referral_status(
    request: ApiRequest,
    referral_id: Annotated[
        str,
        Path(
            description="The `id` answered when the referral was sent.", example="0b4f6c1e-8a59-4c1b-9a55-3f0e7f7a2d10"
        ),
    ],
) -> Status[Any]:
    token = request.auth
    referral = _referral_sent_by(token, referral_id)
    audit_record(
        action=AuditEvent.Action.VIEW,
        api_token=token,
        target_type="referrals.referral",
        target_ids=[referral.pk],
        participant_ids=[referral.participant_id],
        note="status via API",
    )
    return Status(200, _status_of(referral, token))
