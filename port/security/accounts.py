"""The audited account services: programs' settings, users, memberships, password links and API tokens.

Every change a program admin makes to these (port/administration/admin/) goes through a service here that
writes the change and one audit entry (port.audit.services.admin_audit): who, which record (ids), the
action and the fields that changed, with before and after values. Secrets (passwords, token hashes) are
named as changed, never recorded. None of these records holds participant data.

A person who may no longer work (disabled, or their last active membership ended) is signed out
everywhere by the service that shuts them out (`user_deactivate`, `user_update`, `membership_update`,
`memberships_delete`, `users_delete`).
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

from port.accounts.models import ApiToken, Membership, Organization, Program, User
from port.accounts.roles import Role
from port.audit.models import AuditEvent
from port.audit.services import NOT_RECORDED, admin_audit, admin_record_save, admin_records_delete, record_changes
from port.security.services import sessions_end

# How often a token's last use is written: one write per request would make every API call a write.
LAST_USED_EVERY = dt.timedelta(minutes=5)


# --- Programs ----------------------------------------------------------------------------------


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
    agency: Organization | None = None,
    link_domain: str | None = None,
    use_https: bool = True,
) -> Membership:
    """Create `user` (password already set on it) with a membership; with `link_domain`, email them a link
    to choose their own password. One audit entry (the password itself is not recorded)."""
    user.save()
    membership = Membership(user=user, program=program, role=role, agency=agency)
    membership.full_clean()
    membership.save()
    changes: dict[str, Any] = record_changes(None, user)
    changes[f"accounts.membership:{membership.pk}"] = record_changes(None, membership)
    note = "user created"
    if link_domain:
        _password_link_email(user=user, domain=link_domain, use_https=use_https)
        note = "user created; password link emailed"
    admin_audit(
        actor=actor,
        program=program,
        action=AuditEvent.Action.CREATE,
        target=User,
        target_ids=[user.pk],
        changes=changes,
        note=note,
    )
    return membership


def _sessions_end_without_membership(user_ids: Iterable[int]) -> None:
    """Sign out, everywhere, each of these people whose last active membership has ended (operators, who
    work without one, excepted)."""
    for user_id in sorted(set(user_ids)):
        if Membership.objects.filter(user_id=user_id, is_active=True).exists():
            continue
        if User.objects.filter(pk=user_id, is_superuser=True).exists():
            continue
        sessions_end(user=user_id)


@transaction.atomic
def user_update(
    *,
    actor: User | None,
    user: User,
    memberships: Sequence[Membership] = (),
    memberships_deleted: Sequence[Membership] = (),
) -> User:
    """Save a user's details, status and the memberships (roles) edited with them; one audit entry. A user
    disabled here, or whose last active membership ends here, is signed out everywhere."""
    for membership in memberships:
        membership.full_clean()
    admin_record_save(
        actor=actor,
        record=user,
        program=user_admin_program(actor=actor, user=user),
        related=memberships,
        related_deleted=memberships_deleted,
        note="user",
    )
    if not user.is_active:
        sessions_end(user=user)
    elif memberships_deleted or any(not membership.is_active for membership in memberships):
        _sessions_end_without_membership([user.pk])
    return user


@transaction.atomic
def user_deactivate(*, actor: User | None, user: User) -> User:
    """Disable `user` (people leave by deactivation: their name stays on what they did) and sign them out
    everywhere at once; audited."""
    program = user_admin_program(actor=actor, user=user)
    was_active = user.is_active
    user.is_active = False
    user.save(update_fields=["is_active"])
    sessions_end(user=user)
    if was_active:
        admin_audit(
            actor=actor,
            program=program,
            action=AuditEvent.Action.UPDATE,
            target=User,
            target_ids=[user.pk],
            changes={"is_active": [True, False]},
            note="user deactivated",
        )
    return user


@transaction.atomic
def users_delete(*, actor: User | None, users: Sequence[User], program: Program | None) -> int:
    """Delete users (operators only: people leave by deactivation), signing them out first; one audit
    entry with what each held."""
    for user in users:
        sessions_end(user=user)
    return admin_records_delete(actor=actor, records=users, program=program)


@transaction.atomic
def user_password_set(*, actor: User | None, user: User, password: str | None) -> User:
    """Set `user`'s password (None: no usable password, they cannot sign in with one). The audit entry
    says that it changed, never the value."""
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save(update_fields=["password"])
    admin_audit(
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
    admin_audit(
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


@transaction.atomic
def membership_update(*, actor: User | None, membership: Membership) -> Membership:
    """Change a membership's role, agency or whether it is active; audited with before and after. A person
    whose last active membership ends is signed out everywhere (operators excepted)."""
    membership.full_clean()
    admin_record_save(actor=actor, record=membership, program=membership.program, note="membership")
    if not membership.is_active:
        _sessions_end_without_membership([membership.user_id])
    return membership


@transaction.atomic
def memberships_delete(*, actor: User | None, memberships: Sequence[Membership], program: Program | None) -> int:
    """Delete memberships (of one program); one audit entry with what each held. A person whose last
    active membership goes is signed out everywhere (operators excepted)."""
    deleted = admin_records_delete(actor=actor, records=memberships, program=program)
    _sessions_end_without_membership(membership.user_id for membership in memberships)
    return deleted


# --- API tokens --------------------------------------------------------------------------------


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_issue(
    *, agency: Organization, name: str, actor: User | None = None, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token for `agency`; the raw value is returned once and never stored (only its hash),
    nor recorded in the audit trail."""
    raw = ApiToken.PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        agency=agency, name=name, token_hash=_hash_token(raw), hint=raw[:10], created_by=actor, expires_at=expires_at
    )
    admin_audit(
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
        admin_audit(
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
