"""Writes for programs, users, memberships and API tokens.

Every change a program admin makes (port.accounts.admin and the other apps' admin classes) goes through
a service here that writes the change and one audit entry: who, which record (ids), the action and the
fields that changed, with before and after values. Secrets (passwords, token hashes) are named as changed,
never recorded. None of these records holds participant data.
"""

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.db import models, transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from port.accounts.models import AcuityLevel, Agency, ApiToken, Membership, Program, User
from port.accounts.roles import Role
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.outreach.services import text_templates_seed_defaults
from port.supplies.services import supplies_seed_defaults

DEFAULT_ACUITY_LEVELS = (
    ("high", "High risk", 24),
    ("elevated", "Elevated", 48),
    ("standard", "Standard", 72),
)

# Fields whose values never reach the audit trail: only that they changed.
SECRET_FIELDS = frozenset({"password", "token_hash", "hint", "key", "secret", "bin_key"})
NOT_RECORDED = "(not recorded)"
# How often a token's last use is written: one write per request would make every API call a write.
LAST_USED_EVERY = dt.timedelta(minutes=5)


# --- Recording what changed --------------------------------------------------------------------


def _field_values(record: models.Model | None) -> dict[str, Any]:
    if record is None:
        return {}
    return {
        field.attname: field.value_from_object(record)
        for field in record._meta.concrete_fields
        if not field.primary_key
    }


def record_changes(before: models.Model | None, after: models.Model | None) -> dict[str, list]:
    """{field: [before, after]} for every field that differs (foreign keys as ids); secrets are named only."""
    old, new = _field_values(before), _field_values(after)
    changes = {}
    for name in old | new:
        was, now = old.get(name), new.get(name)
        if was == now:
            continue
        if name in SECRET_FIELDS:
            was, now = (NOT_RECORDED if was else None), (NOT_RECORDED if now else None)
        changes[name.removesuffix("_id") if name.endswith("_id") else name] = [was, now]
    return changes


def _stored(record: models.Model) -> models.Model | None:
    """The record as the database has it now (None for a new one)."""
    if record._state.adding or record.pk is None:
        return None
    return type(record)._default_manager.filter(pk=record.pk).first()


def _admin_audit(
    *,
    actor: User | None,
    program: Program | None,
    action: str,
    target: type[models.Model],
    target_ids: Iterable[Any],
    changes: dict | None = None,
    note: str = "",
) -> AuditEvent:
    """One entry for an admin's change; as their admin membership of `program` when they have one
    (so it shows in that program's trail with the role), otherwise as the operator they are."""
    by = None
    if actor is not None and program is not None:
        by = Membership.objects.filter(user=actor, program=program, role=Role.ADMIN, is_active=True).first()
    return audit_record(
        action=action,
        by=by,
        user=None if by else actor,
        program=None if by else program,
        target_type=target._meta.label_lower,
        target_ids=list(target_ids),
        changes=changes,
        note=note,
    )


@transaction.atomic
def admin_record_save(
    *,
    actor: User | None,
    record: models.Model,
    program: Program | None,
    related: Sequence[models.Model] = (),
    related_deleted: Sequence[models.Model] = (),
    note: str = "admin",
) -> models.Model:
    """Save `record` and the rows edited with it on the same page (inlines: saved or deleted), and write
    one audit entry: created or changed, with each field's before and after values; a related row's
    changes are under "<model label>:<id>"."""
    before = _stored(record)
    record.save()
    changes: dict[str, Any] = record_changes(before, record)
    for row in related:
        row_before = _stored(row)
        row.save()
        row_changes = record_changes(row_before, row)
        if row_changes:
            changes[f"{row._meta.label_lower}:{row.pk}"] = row_changes
    for row in related_deleted:
        key = f"{row._meta.label_lower}:{row.pk}"
        changes[key] = record_changes(row, None)
        row.delete()
    action = AuditEvent.Action.CREATE if before is None else AuditEvent.Action.UPDATE
    _admin_audit(
        actor=actor,
        program=program,
        action=action,
        target=type(record),
        target_ids=[record.pk],
        changes=changes,
        note=note,
    )
    return record


@transaction.atomic
def admin_records_delete(
    *, actor: User | None, records: Sequence[models.Model], program: Program | None, note: str = "admin"
) -> int:
    """Delete `records` (of one model and one program) and write one audit entry with what each held."""
    if not records:
        return 0
    model = type(records[0])
    changes = {str(record.pk): record_changes(record, None) for record in records}
    ids = [record.pk for record in records]
    model._default_manager.filter(pk__in=ids).delete()
    _admin_audit(
        actor=actor,
        program=program,
        action=AuditEvent.Action.DELETE,
        target=model,
        target_ids=ids,
        changes=changes,
        note=note,
    )
    return len(ids)


# --- Programs ----------------------------------------------------------------------------------


@transaction.atomic
def program_create(
    *,
    name: str,
    slug: str,
    time_zone: str = "America/New_York",
    actor: User | None = None,
    policy: dict[str, int] | None = None,
) -> Program:
    """Create a program with the default acuity levels (24, 48 and 72 hours), supply items and an office,
    and neutral text-message templates, which it may change. `policy`: other settings (attempt policy,
    warning hours, idle timeout...). Made by an admin (`actor`), it is audited as created."""
    program = Program(name=name, slug=slug, time_zone=time_zone, **(policy or {}))
    program.full_clean()
    program.save()
    AcuityLevel.objects.bulk_create(
        AcuityLevel(program=program, code=code, label=label, window_hours=hours, rank=rank)
        for rank, (code, label, hours) in enumerate(DEFAULT_ACUITY_LEVELS)
    )
    supplies_seed_defaults(program=program)
    text_templates_seed_defaults(program=program)
    if actor is not None:
        _admin_audit(
            actor=actor,
            program=program,
            action=AuditEvent.Action.CREATE,
            target=Program,
            target_ids=[program.pk],
            changes=record_changes(None, program),
            note="program created",
        )
    return program


def program_update(
    *,
    actor: User | None,
    program: Program,
    related: Sequence[models.Model] = (),
    related_deleted: Sequence[models.Model] = (),
) -> Program:
    """Save a program's settings (time zone, attempt policy, warning hours, idle timeout...) with its acuity
    levels and field-visibility rows edited on the same page; one audit entry."""
    return admin_record_save(
        actor=actor,
        record=program,
        program=program,
        related=related,
        related_deleted=related_deleted,
        note="program settings",
    )


# --- Users and memberships ---------------------------------------------------------------------


def user_admin_program(*, actor: User | None, user: User) -> Program | None:
    """The program an admin's change to `user` is filed under: one of the user's programs that the actor
    administers (a superuser: the user's first program)."""
    memberships = Membership.objects.filter(user=user).select_related("program").order_by("program_id")
    if actor is not None and not actor.is_superuser:
        administered = Membership.objects.filter(user=actor, role=Role.ADMIN, is_active=True)
        memberships = memberships.filter(program__in=administered.values("program_id"))
    first = memberships.first()
    return first.program if first else None


def _password_link_email(*, user: User, domain: str, use_https: bool) -> None:
    context = {
        "email": user.email,
        "domain": domain,
        "site_name": "PORT",
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": "https" if use_https else "http",
    }
    PasswordResetForm().send_mail(
        "registration/password_reset_subject.txt", "registration/password_reset_email.html", context, None, user.email
    )


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    user: User,
    program: Program,
    role: str,
    agency: Agency | None = None,
    link_domain: str | None = None,
    use_https: bool = True,
) -> Membership:
    """Create `user` (password already set on it) with a membership; with `link_domain`, email them a link
    to choose their own password. One audit entry (the password itself is not recorded)."""
    user.save()
    membership = Membership(user=user, program=program, role=role, agency=agency)
    membership.full_clean()
    membership.save()
    changes = record_changes(None, user)
    changes[f"accounts.membership:{membership.pk}"] = record_changes(None, membership)
    note = "user created"
    if link_domain:
        _password_link_email(user=user, domain=link_domain, use_https=use_https)
        note = "user created; password link emailed"
    _admin_audit(
        actor=actor,
        program=program,
        action=AuditEvent.Action.CREATE,
        target=User,
        target_ids=[user.pk],
        changes=changes,
        note=note,
    )
    return membership


def user_update(
    *,
    actor: User | None,
    user: User,
    memberships: Sequence[Membership] = (),
    memberships_deleted: Sequence[Membership] = (),
) -> User:
    """Save a user's details, status and the memberships (roles) edited with them; one audit entry."""
    for membership in memberships:
        membership.full_clean()
    return admin_record_save(
        actor=actor,
        record=user,
        program=user_admin_program(actor=actor, user=user),
        related=memberships,
        related_deleted=memberships_deleted,
        note="user",
    )


@transaction.atomic
def user_password_set(*, actor: User | None, user: User, password: str | None) -> User:
    """Set `user`'s password (None: no usable password, they cannot sign in with one). The audit entry
    says that it changed, never the value."""
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save(update_fields=["password"])
    _admin_audit(
        actor=actor,
        program=user_admin_program(actor=actor, user=user),
        action=AuditEvent.Action.UPDATE,
        target=User,
        target_ids=[user.pk],
        changes={"password": [NOT_RECORDED, NOT_RECORDED]},
        note="password set by an admin" if password is not None else "password disabled by an admin",
    )
    return user


def password_link_send(*, actor: User | None, user: User, domain: str, use_https: bool) -> None:
    """Email `user` a one-time link to choose a password (the password-reset email); audited."""
    _password_link_email(user=user, domain=domain, use_https=use_https)
    _admin_audit(
        actor=actor,
        program=user_admin_program(actor=actor, user=user),
        action=AuditEvent.Action.UPDATE,
        target=User,
        target_ids=[user.pk],
        note="password link emailed",
    )


def membership_create(*, actor: User | None, membership: Membership) -> Membership:
    """Give a user a role in a program (with an agency for partners); audited."""
    membership.full_clean()
    return admin_record_save(actor=actor, record=membership, program=membership.program, note="membership")


def membership_update(*, actor: User | None, membership: Membership) -> Membership:
    """Change a membership's role, agency or whether it is active; audited with before and after."""
    membership.full_clean()
    return admin_record_save(actor=actor, record=membership, program=membership.program, note="membership")


# --- API tokens --------------------------------------------------------------------------------


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_issue(
    *, agency: Agency, name: str, actor: User | None = None, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token for `agency`; the raw value is returned once and never stored (only its hash),
    nor recorded in the audit trail."""
    raw = ApiToken.PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        agency=agency, name=name, token_hash=_hash_token(raw), hint=raw[:10], created_by=actor, expires_at=expires_at
    )
    _admin_audit(
        actor=actor,
        program=agency.program,
        action=AuditEvent.Action.CREATE,
        target=ApiToken,
        target_ids=[token.pk],
        changes=record_changes(None, token),
        note="API token issued",
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: User | None, tokens: Iterable[ApiToken]) -> list[ApiToken]:
    """Revoke the tokens not yet revoked; one audit entry per program. Returns those revoked now."""
    now = timezone.now()
    ids = [token.pk for token in tokens]
    revoked = list(
        ApiToken.objects.select_for_update()
        .select_related("agency__program")
        .filter(pk__in=ids, revoked_at__isnull=True)
        .order_by("pk")
    )
    ApiToken.objects.filter(pk__in=[token.pk for token in revoked]).update(revoked_at=now)
    by_program: dict[int, list[ApiToken]] = {}
    for token in revoked:
        token.revoked_at = now
        by_program.setdefault(token.agency.program_id, []).append(token)
    for group in by_program.values():
        _admin_audit(
            actor=actor,
            program=group[0].agency.program,
            action=AuditEvent.Action.UPDATE,
            target=ApiToken,
            target_ids=[token.pk for token in group],
            changes={"revoked_at": [None, now]},
            note="API token revoked",
        )
    return revoked


def api_token_update(*, actor: User | None, token: ApiToken) -> ApiToken:
    """Rename a token or change its expiry; audited."""
    return admin_record_save(actor=actor, record=token, program=token.agency.program, note="API token")


def api_token_authenticate(*, raw: str) -> ApiToken | None:
    """The active token whose hash matches `raw`, stamping its last use (at most every few minutes)."""
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("agency__program")
        .filter(token_hash=_hash_token(raw), revoked_at__isnull=True)
        .filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))
        .first()
    )
    if token and (token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
