"""Each audited account service writes its change and one audit entry (who, which record, what changed),
and the services that shut a person out sign them out everywhere."""

import datetime as dt

from django.contrib.sessions.models import Session
from django.core import mail
from django.utils import timezone

from port.accounts.models import ApiToken, Membership, User
from port.accounts.roles import Role
from port.audit.models import AuditEvent
from port.audit.services import NOT_RECORDED
from port.security.accounts import (
    LAST_USED_EVERY,
    api_token_authenticate,
    api_token_issue,
    api_token_revoke,
    api_token_update,
    membership_create,
    membership_update,
    memberships_delete,
    password_link_send,
    program_update,
    user_create,
    user_deactivate,
    user_password_set,
    user_update,
    users_delete,
)
from port.testing.cast import make_member


def last_entry() -> AuditEvent:
    return AuditEvent.objects.order_by("-pk")[0]


def entries_since(pk: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=pk).order_by("pk"))


def mark() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_program_update_saves_the_settings_and_audits_before_and_after(cast):
    since = mark()
    cast.program.deadline_warning_hours = 9
    program_update(actor=cast.admin.user, program=cast.program)
    cast.program.refresh_from_db()
    assert cast.program.deadline_warning_hours == 9
    [entry] = entries_since(since)
    assert entry.action == AuditEvent.Action.UPDATE
    assert entry.target_type == "accounts.program" and entry.target_ids == [str(cast.program.pk)]
    assert entry.changes["deadline_warning_hours"] == [6, 9]
    assert entry.user == cast.admin.user and entry.role == Role.ADMIN


def test_user_create_makes_the_user_and_membership_in_one_entry_without_the_password(cast):
    since = mark()
    user = User(username="nia", email="nia@example.org")
    user.set_password("kettle orbit lantern mosaic")
    membership = user_create(actor=cast.admin.user, user=user, program=cast.program, role=Role.PEER)
    assert Membership.objects.get(user__username="nia", program=cast.program, role=Role.PEER) == membership
    [entry] = entries_since(since)
    assert entry.action == AuditEvent.Action.CREATE and entry.target_ids == [str(user.pk)]
    assert entry.changes["password"] == [None, NOT_RECORDED]
    assert f"accounts.membership:{membership.pk}" in entry.changes
    assert not mail.outbox


def test_user_create_with_a_link_domain_emails_a_password_link(cast):
    user = User(username="nia", email="nia@example.org")
    user.set_unusable_password()
    user_create(actor=cast.admin.user, user=user, program=cast.program, role=Role.PEER, link_domain="port.example")
    assert [message.to for message in mail.outbox] == [["nia@example.org"]]
    assert last_entry().note == "user created; password link emailed"


def test_user_update_saves_details_and_roles_in_one_entry(cast):
    since = mark()
    user = cast.peer.user
    user.first_name = "Patricia"
    cast.peer.role = Role.SUPERVISOR
    user_update(actor=cast.admin.user, user=user, memberships=[cast.peer])
    user.refresh_from_db()
    cast.peer.refresh_from_db()
    assert (user.first_name, cast.peer.role) == ("Patricia", Role.SUPERVISOR)
    [entry] = entries_since(since)
    assert entry.changes["first_name"] == ["Pat", "Patricia"]
    assert entry.changes[f"accounts.membership:{cast.peer.pk}"] == {"role": [Role.PEER, Role.SUPERVISOR]}


def test_user_update_disabling_a_person_signs_them_out(cast):
    client = cast.client_for(cast.peer)
    user = cast.peer.user
    user.is_active = False
    user_update(actor=cast.admin.user, user=user)
    assert not Session.objects.filter(session_key=client.session.session_key).exists()
    assert last_entry().changes["is_active"] == [True, False]


def test_user_update_removing_the_last_membership_signs_the_person_out(cast):
    client = cast.client_for(cast.peer)
    user_update(actor=cast.admin.user, user=cast.peer.user, memberships_deleted=[cast.peer])
    assert not Membership.objects.filter(pk=cast.peer.pk).exists()
    assert not Session.objects.filter(session_key=client.session.session_key).exists()


def test_user_deactivate_disables_the_person_signs_them_out_and_audits(cast):
    client = cast.client_for(cast.peer)
    since = mark()
    user_deactivate(actor=cast.admin.user, user=cast.peer.user)
    cast.peer.user.refresh_from_db()
    assert not cast.peer.user.is_active
    assert not Session.objects.filter(session_key=client.session.session_key).exists()
    [entry] = entries_since(since)
    assert entry.action == AuditEvent.Action.UPDATE and entry.target_ids == [str(cast.peer.user_id)]
    assert entry.changes == {"is_active": [True, False]} and entry.role == Role.ADMIN


def test_deactivating_someone_already_inactive_writes_no_entry(cast):
    user_deactivate(actor=cast.admin.user, user=cast.peer.user)
    since = mark()
    user_deactivate(actor=cast.admin.user, user=cast.peer.user)
    assert entries_since(since) == []


def test_users_delete_deletes_and_audits_what_each_held(cast, django_user_model):
    # Only someone who never signed in can be deleted: the audit trail keeps the others (people leave by
    # deactivation).
    root = django_user_model.objects.create_superuser(username="root", password="x", email="root@example.org")
    newcomer = make_member(cast.program, "nia", Role.PEER)
    since = mark()
    assert users_delete(actor=root, users=[newcomer.user], program=None) == 1
    assert not User.objects.filter(pk=newcomer.user_id).exists()
    [entry] = entries_since(since)
    assert entry.action == AuditEvent.Action.DELETE and entry.target_ids == [str(newcomer.user_id)]
    assert entry.changes[str(newcomer.user_id)]["username"] == ["nia", None]


def test_user_password_set_changes_the_password_and_names_it_changed_only(cast):
    since = mark()
    user_password_set(actor=cast.admin.user, user=cast.peer.user, password="kettle orbit lantern mosaic")
    cast.peer.user.refresh_from_db()
    assert cast.peer.user.check_password("kettle orbit lantern mosaic")
    [entry] = entries_since(since)
    assert entry.changes == {"password": [NOT_RECORDED, NOT_RECORDED]}


def test_password_link_send_emails_the_link_and_audits(cast):
    since = mark()
    password_link_send(actor=cast.admin.user, user=cast.peer.user, domain="port.example", use_https=True)
    assert [message.to for message in mail.outbox] == [[cast.peer.user.email]]
    assert "https://port.example/" in mail.outbox[0].body
    [entry] = entries_since(since)
    assert entry.note == "password link emailed" and entry.target_ids == [str(cast.peer.user_id)]


def test_membership_create_gives_the_role_and_audits_it_as_created(cast):
    since = mark()
    membership = membership_create(
        actor=cast.admin.user, membership=Membership(user=cast.outsider.user, program=cast.program, role=Role.PEER)
    )
    assert membership.pk and Membership.objects.filter(user=cast.outsider.user, program=cast.program).exists()
    [entry] = entries_since(since)
    assert entry.action == AuditEvent.Action.CREATE and entry.target_type == "accounts.membership"


def test_membership_update_changes_the_role_and_audits_before_and_after(cast):
    since = mark()
    cast.peer.role = Role.SUPERVISOR
    membership_update(actor=cast.admin.user, membership=cast.peer)
    cast.peer.refresh_from_db()
    assert cast.peer.role == Role.SUPERVISOR
    [entry] = entries_since(since)
    assert entry.changes == {"role": [Role.PEER, Role.SUPERVISOR]}


def test_ending_an_operators_last_membership_keeps_them_signed_in(cast):
    User.objects.filter(pk=cast.admin.user_id).update(is_superuser=True)
    client = cast.client_for(cast.admin)
    cast.admin.is_active = False
    membership_update(actor=cast.admin.user, membership=cast.admin)
    assert Session.objects.filter(session_key=client.session.session_key).exists()


def test_memberships_delete_deletes_audits_and_signs_out_who_has_none_left(cast):
    gone, stays = cast.client_for(cast.peer), cast.client_for(cast.peer2)
    since = mark()
    assert memberships_delete(actor=cast.admin.user, memberships=[cast.peer], program=cast.program) == 1
    assert not Membership.objects.filter(pk=cast.peer.pk).exists()
    assert not Session.objects.filter(session_key=gone.session.session_key).exists()
    assert Session.objects.filter(session_key=stays.session.session_key).exists()
    [entry] = entries_since(since)
    assert entry.action == AuditEvent.Action.DELETE and entry.target_ids == [str(cast.peer.pk)]


def test_api_token_issue_stores_only_the_hash_and_audits_without_it(cast):
    since = mark()
    token, raw = api_token_issue(agency=cast.ed, name="ED feed", actor=cast.admin.user)
    assert raw.startswith(ApiToken.PREFIX) and raw not in token.token_hash
    assert ApiToken.objects.get(pk=token.pk).hint == raw[:10]
    [entry] = entries_since(since)
    assert entry.action == AuditEvent.Action.CREATE and entry.target_ids == [str(token.pk)]
    assert raw not in str(entry.changes) and token.token_hash not in str(entry.changes)


def test_api_token_update_renames_and_audits(cast):
    token, _raw = api_token_issue(agency=cast.ed, name="ED feed", actor=cast.admin.user)
    since = mark()
    token.name = "ED nightly feed"
    api_token_update(actor=cast.admin.user, token=token)
    assert ApiToken.objects.get(pk=token.pk).name == "ED nightly feed"
    [entry] = entries_since(since)
    assert entry.changes == {"name": ["ED feed", "ED nightly feed"]}


def test_api_token_revoke_stamps_the_revocation_and_audits_once(cast):
    token, raw = api_token_issue(agency=cast.ed, name="ED feed", actor=cast.admin.user)
    since = mark()
    assert api_token_revoke(actor=cast.admin.user, tokens=[token]) == [token]
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert api_token_authenticate(raw=raw) is None
    [entry] = entries_since(since)
    assert entry.note == "API token revoked" and entry.target_ids == [str(token.pk)]


def test_api_token_authenticate_stamps_the_last_use_at_most_every_few_minutes(cast):
    token, raw = api_token_issue(agency=cast.ed, name="ED feed", actor=cast.admin.user)
    assert api_token_authenticate(raw=raw) == token
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    api_token_authenticate(raw=raw)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - LAST_USED_EVERY - dt.timedelta(seconds=1))
    api_token_authenticate(raw=raw)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first
    assert api_token_authenticate(raw=raw + "x") is None
