"""The Django admin: program admins manage their own program only; nobody else gets in."""

import hashlib
import re

import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.test import Client
from django.urls import reverse

from port.accounts.models import AcuityLevel, ApiToken, Membership, Organization, OrganizationKind, Program, User
from port.accounts.roles import Role
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.security.accounts import api_token_authenticate, api_token_issue
from port.testing.factories import PASSWORD

TOKEN_PATTERN = re.compile(r"port_[A-Za-z0-9_-]{20,}")


def changelist(client: Client, model: str):
    response = client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def change_url(model: str, pk: int) -> str:
    return reverse(f"admin:{model}_change", args=[pk])


# --- Who gets in -------------------------------------------------------------------------------


def test_program_admin_signs_in_at_the_admin_without_the_staff_flag(cast):
    assert not cast.admin.user.is_staff
    client = Client()
    response = client.post(
        reverse("admin:login"), {"username": "adele", "password": PASSWORD, "next": reverse("admin:index")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.parametrize("member", ["supervisor", "peer", "partner", "partner_211", "outsider"])
def test_other_roles_are_refused_by_the_admin_sign_in(cast, member):
    membership = getattr(cast, member)
    client = Client()
    response = client.post(reverse("admin:login"), {"username": membership.user.username, "password": PASSWORD})
    assert response.status_code == 200
    assert "program admin account" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("member", ["supervisor", "peer", "partner", "partner_211", "outsider"])
def test_signed_in_non_admins_cannot_open_any_admin_page(cast, member):
    client = cast.client_for(getattr(cast, member))
    for url in (
        reverse("admin:index"),
        reverse("admin:accounts_organization_changelist"),
        change_url("accounts_program", cast.program.pk),
        reverse("admin:audit_auditevent_changelist"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_an_inactive_admin_membership_gives_no_access(cast):
    Membership.objects.filter(pk=cast.admin.pk).update(is_active=False)
    response = cast.client_for(cast.admin).get(reverse("admin:index"))
    assert response.status_code == 302


def test_a_deactivated_admin_user_cannot_sign_in(cast):
    User.objects.filter(pk=cast.admin.user_id).update(is_active=False)
    client = Client()
    client.post(reverse("admin:login"), {"username": "adele", "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_the_index_lists_what_a_program_admin_manages(admin_client_):
    response = admin_client_.get(reverse("admin:index"))
    models = {model["object_name"] for app in response.context["app_list"] for model in app["models"]}
    assert models >= {"Program", "AcuityLevel", "Organization", "Membership", "User", "ApiToken", "AuditEvent"}
    assert not models & {"Referral", "Participant", "Group"}


# --- Scoping -----------------------------------------------------------------------------------


def test_program_admin_sees_only_their_programs_rows(cast, admin_client_):
    api_token_issue(agency=cast.ed, name="ED feed")
    api_token_issue(agency=cast.other_agency, name="Hilltop feed")
    audit_record(action=AuditEvent.Action.VIEW, by=cast.supervisor, target_type="referrals.referral")
    audit_record(action=AuditEvent.Action.VIEW, by=cast.outsider, target_type="referrals.referral")

    assert changelist(admin_client_, "accounts_program") == [cast.program]
    assert {a.program_id for a in changelist(admin_client_, "accounts_acuitylevel")} == {cast.program.pk}
    assert set(changelist(admin_client_, "accounts_organization")) == {
        cast.ed,
        cast.two_one_one,
        cast.ems,
        cast.police,
        cast.treatment,
    }
    memberships = changelist(admin_client_, "accounts_membership")
    assert cast.outsider not in memberships
    assert len(memberships) == 10
    users = changelist(admin_client_, "accounts_user")
    assert {u.username for u in users} == {
        "adele",
        "sam",
        "pat",
        "quinn",
        "erin",
        "tess",
        "fern",
        "lowell",
        "paz",
        "ana",
    }
    assert [t.name for t in changelist(admin_client_, "accounts_apitoken")] == ["ED feed"]
    events = changelist(admin_client_, "audit_auditevent")
    assert events and {e.program_id for e in events} == {cast.program.pk}


def test_another_programs_objects_answer_404_by_url(cast, admin_client_):
    token, _ = api_token_issue(agency=cast.other_agency, name="Hilltop feed")
    event = audit_record(action=AuditEvent.Action.VIEW, by=cast.outsider, target_type="referrals.referral")
    level = cast.other_program.acuity_levels.first()
    for model, pk in [
        ("accounts_program", cast.other_program.pk),
        ("accounts_organization", cast.other_agency.pk),
        ("accounts_acuitylevel", level.pk),
        ("accounts_membership", cast.outsider.pk),
        ("accounts_user", cast.outsider.user_id),
        ("accounts_apitoken", token.pk),
        ("audit_auditevent", event.pk),
    ]:
        assert admin_client_.get(change_url(model, pk)).status_code == 404, model
        assert admin_client_.post(change_url(model, pk), {}).status_code == 404, model
    delete = reverse("admin:accounts_organization_delete", args=[cast.other_agency.pk])
    assert admin_client_.post(delete, {"post": "yes"}).status_code == 404
    assert Organization.objects.filter(pk=cast.other_agency.pk).exists()
    password = reverse("admin:auth_user_password_change", args=[cast.outsider.user_id])
    assert admin_client_.get(password).status_code == 404


def test_choices_in_forms_are_limited_to_the_admins_program(cast, admin_client_):
    form = admin_client_.get(reverse("admin:accounts_membership_add")).context["adminform"].form
    assert list(form.fields["program"].queryset) == [cast.program]
    assert set(form.fields["agency"].queryset) == set(cast.program.organizations.all())
    assert cast.outsider.user not in form.fields["user"].queryset
    assert cast.admin.user in form.fields["user"].queryset
    form = admin_client_.get(reverse("admin:accounts_organization_add")).context["adminform"].form
    assert list(form.fields["program"].queryset) == [cast.program]


def test_a_program_admin_cannot_add_an_agency_to_another_program(cast, admin_client_):
    response = admin_client_.post(
        reverse("admin:accounts_organization_add"),
        {"program": cast.other_program.pk, "name": "Sneaky EMS", "kind": OrganizationKind.EMS},
    )
    assert response.status_code == 200
    assert "program" in response.context["adminform"].form.errors
    assert not Organization.objects.filter(name="Sneaky EMS").exists()


def test_an_organization_keeps_its_directory_details_and_its_parent_is_in_its_own_program(cast, root_client):
    hilltop = Organization.objects.create(
        program=cast.other_program, name="Hilltop Health", kind=OrganizationKind.MEDICAL
    )
    add = reverse("admin:accounts_organization_add")
    fields = {"program": cast.program.pk, "name": "Riverside Recovery Center", "kind": OrganizationKind.TREATMENT}
    refused = root_client.post(add, {**fields, "parent": hilltop.pk})
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["parent"] == [
        "The parent organization must belong to the same program."
    ]
    details = {
        "description": "Outpatient and same-day starts",
        "website": "https://example.org/rrc",
        "tax_status": "501(c)(3)",
    }
    root_client.post(add, {**fields, **details})
    saved = Organization.objects.get(program=cast.program, name="Riverside Recovery Center")
    assert (saved.description, saved.website, saved.tax_status) == tuple(details.values())
    assert saved.hsds_id is not None


def test_filters_offer_only_the_admins_own_programs(cast, admin_client_):
    response = admin_client_.get(reverse("admin:accounts_organization_changelist"))
    assert "Hilltop" not in response.content.decode()


# --- Programs and acuity levels ----------------------------------------------------------------


def test_program_admin_renames_their_program_and_sets_its_time_zone(cast, admin_client_):
    levels = list(cast.program.acuity_levels.all())
    data = {
        "name": "Riverside County PORT",
        "slug": "changed",
        "time_zone": "America/Denver",
        "attempt_policy_min_attempts": 5,
        "attempt_policy_min_days": 7,
        "attempt_policy_min_modes": 2,
        "deadline_warning_hours": 6,
        "encounter_edit_hours": 72,
        "idle_timeout_minutes": 15,
        "directory_review_months": 12,
        "acuity_levels-TOTAL_FORMS": len(levels),
        "acuity_levels-INITIAL_FORMS": len(levels),
        "acuity_levels-MIN_NUM_FORMS": 0,
        "acuity_levels-MAX_NUM_FORMS": 1000,
        "field_visibility-TOTAL_FORMS": 0,
        "field_visibility-INITIAL_FORMS": 0,
    }
    for i, level in enumerate(levels):
        data |= {
            f"acuity_levels-{i}-id": level.pk,
            f"acuity_levels-{i}-program": cast.program.pk,
            f"acuity_levels-{i}-code": level.code,
            f"acuity_levels-{i}-label": level.label,
            f"acuity_levels-{i}-window_hours": 12 if level.code == "high" else level.window_hours,
            f"acuity_levels-{i}-rank": level.rank,
        }
    response = admin_client_.post(change_url("accounts_program", cast.program.pk), data)
    assert response.status_code == 302
    cast.program.refresh_from_db()
    assert (cast.program.name, cast.program.time_zone, cast.program.slug) == (
        "Riverside County PORT",
        "America/Denver",
        "riverside",
    )
    assert cast.program.attempt_policy_min_attempts == 5
    assert AcuityLevel.objects.get(program=cast.program, code="high").window_hours == 12


def test_an_unknown_time_zone_is_refused(cast, admin_client_):
    response = admin_client_.post(
        change_url("accounts_program", cast.program.pk),
        {
            "name": "Riverside PORT",
            "time_zone": "Mars/Olympus",
            "acuity_levels-TOTAL_FORMS": 0,
            "acuity_levels-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "time_zone" in response.context["adminform"].form.errors
    cast.program.refresh_from_db()
    assert cast.program.time_zone == "America/New_York"


def test_program_admin_cannot_add_or_delete_programs(cast, admin_client_):
    assert admin_client_.get(reverse("admin:accounts_program_add")).status_code == 403
    delete = reverse("admin:accounts_program_delete", args=[cast.program.pk])
    assert admin_client_.post(delete, {"post": "yes"}).status_code == 403
    assert Program.objects.filter(pk=cast.program.pk).exists()


def test_a_superuser_adds_a_program_which_gets_the_default_acuity_levels(superuser):
    client = Client()
    client.force_login(superuser)
    response = client.post(
        reverse("admin:accounts_program_add"),
        {
            "name": "Lakeside PORT",
            "slug": "lakeside",
            "time_zone": "America/Chicago",
            "attempt_policy_min_attempts": 4,
            "attempt_policy_min_days": 7,
            "attempt_policy_min_modes": 2,
            "deadline_warning_hours": 6,
            "encounter_edit_hours": 72,
            "idle_timeout_minutes": 15,
            "directory_review_months": 12,
        },
    )
    assert response.status_code == 302
    program = Program.objects.get(slug="lakeside")
    assert [(a.code, a.window_hours) for a in program.acuity_levels.all()] == [
        ("high", 24),
        ("elevated", 48),
        ("standard", 72),
    ]
    assert (program.time_zone, program.attempt_policy_min_attempts) == ("America/Chicago", 4)


def test_superuser_sees_every_program(cast, superuser):
    client = Client()
    client.force_login(superuser)
    assert set(changelist(client, "accounts_program")) == {cast.program, cast.other_program}
    assert client.get(change_url("accounts_organization", cast.other_agency.pk)).status_code == 200


# --- Memberships -------------------------------------------------------------------------------


def test_a_partner_membership_needs_an_agency(cast, admin_client_):
    membership = cast.peer
    response = admin_client_.post(
        change_url("accounts_membership", membership.pk),
        {"user": membership.user_id, "program": cast.program.pk, "role": Role.PARTNER, "agency": "", "is_active": "on"},
    )
    assert response.status_code == 200
    assert "A partner or provider must belong to an agency." in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.PEER


def test_a_membership_cannot_name_another_programs_agency(cast, admin_client_):
    response = admin_client_.post(
        change_url("accounts_membership", cast.partner.pk),
        {
            "user": cast.partner.user_id,
            "program": cast.program.pk,
            "role": Role.PARTNER,
            "agency": cast.other_agency.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "agency" in response.context["adminform"].form.errors
    cast.partner.refresh_from_db()
    assert cast.partner.agency == cast.ed


def test_program_admin_deactivates_a_membership(cast, admin_client_):
    response = admin_client_.post(
        change_url("accounts_membership", cast.peer2.pk),
        {"user": cast.peer2.user_id, "program": cast.program.pk, "role": Role.PEER, "agency": ""},
    )
    assert response.status_code == 302
    cast.peer2.refresh_from_db()
    assert not cast.peer2.is_active


# --- Users -------------------------------------------------------------------------------------


def add_user(client: Client, **fields):
    data = {
        "username": "newpeer",
        "first_name": "Nia",
        "last_name": "Newcomer",
        "email": "nia@example.org",
        "program": "",
        "role": Role.PEER,
        "agency": "",
        "password1": "",
        "password2": "",
    } | fields
    return client.post(reverse("admin:accounts_user_add"), data)


def test_program_admin_creates_a_user_and_membership_in_one_step(cast, admin_client_):
    response = add_user(
        admin_client_,
        program=cast.program.pk,
        role=Role.PARTNER,
        agency=cast.two_one_one.pk,
        password1="a long and unusual passphrase",
        password2="a long and unusual passphrase",
    )
    assert response.status_code == 302
    user = User.objects.get(username="newpeer")
    membership = Membership.objects.get(user=user)
    assert (membership.program, membership.role, membership.agency) == (cast.program, Role.PARTNER, cast.two_one_one)
    assert user.check_password("a long and unusual passphrase")
    assert not user.is_staff and not user.is_superuser
    assert mail.outbox == []


def test_without_a_password_the_new_user_is_emailed_a_link(cast, admin_client_):
    response = add_user(admin_client_, program=cast.program.pk)
    assert response.status_code == 302
    user = User.objects.get(username="newpeer")
    assert user.memberships.get().role == Role.PEER
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nia@example.org"]
    assert "/accounts/reset/" in mail.outbox[0].body


def test_a_weak_password_is_refused_and_nothing_is_created(cast, admin_client_):
    response = add_user(admin_client_, program=cast.program.pk, password1="newpeer123", password2="newpeer123")
    assert response.status_code == 200
    assert "password1" in response.context["adminform"].form.errors
    assert response.context["adminform"].form["first_name"].value() == "Nia"
    assert not User.objects.filter(username="newpeer").exists()


def test_a_new_user_needs_an_email_or_a_password(cast, admin_client_):
    response = add_user(admin_client_, program=cast.program.pk, email="")
    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="newpeer").exists()


def test_a_new_partner_without_agency_is_refused(cast, admin_client_):
    response = add_user(admin_client_, program=cast.program.pk, role=Role.PARTNER)
    assert response.status_code == 200
    assert "A partner or provider must belong to an agency." in response.content.decode()
    assert not User.objects.filter(username="newpeer").exists()


def test_a_program_admin_cannot_create_a_user_in_another_program(cast, admin_client_):
    response = add_user(admin_client_, program=cast.other_program.pk)
    assert response.status_code == 200
    assert "program" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="newpeer").exists()


def test_a_taken_username_is_refused_whatever_its_case(cast, admin_client_):
    response = add_user(admin_client_, program=cast.program.pk, username="PAT")
    assert response.status_code == 200
    assert "username" in response.context["adminform"].form.errors


def test_a_program_admin_cannot_make_anyone_a_superuser(cast, admin_client_):
    user = cast.peer.user
    response = admin_client_.post(
        change_url("accounts_user", user.pk),
        {
            "username": user.username,
            "first_name": "Patricia",
            "last_name": user.last_name,
            "email": user.email,
            "is_active": "on",
            "is_superuser": "on",
            "is_staff": "on",
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.first_name == "Patricia"
    assert not user.is_superuser and not user.is_staff


def test_a_user_who_also_works_in_another_program_is_read_only(cast, admin_client_):
    user = cast.peer.user
    Membership.objects.create(user=user, program=cast.other_program, role=Role.PEER)
    page = admin_client_.get(change_url("accounts_user", user.pk))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    # Their membership elsewhere is not shown.
    assert "Hilltop" not in page.content.decode()
    response = admin_client_.post(
        change_url("accounts_user", user.pk),
        {"username": user.username, "email": "attacker@example.org", "is_active": "on"},
    )
    assert response.status_code == 403
    user.refresh_from_db()
    assert user.email == "pat@example.org"
    password = reverse("admin:auth_user_password_change", args=[user.pk])
    assert admin_client_.get(password).status_code == 403


def test_a_program_admin_cannot_change_a_superuser(cast, admin_client_, superuser):
    Membership.objects.create(user=superuser, program=cast.program, role=Role.SUPERVISOR)
    response = admin_client_.post(
        change_url("accounts_user", superuser.pk),
        {"username": "root", "email": "attacker@example.org", "is_active": "on"},
    )
    assert response.status_code == 403


def test_users_are_deactivated_not_deleted(cast, admin_client_):
    delete = reverse("admin:accounts_user_delete", args=[cast.peer2.user_id])
    assert admin_client_.post(delete, {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=cast.peer2.user_id).exists()


def test_the_admin_sets_a_validated_password(cast, admin_client_):
    url = reverse("admin:auth_user_password_change", args=[cast.peer2.user_id])
    response = admin_client_.post(url, {"password1": "short", "password2": "short", "usable_password": "true"})
    assert response.status_code == 200
    response = admin_client_.post(
        url, {"password1": "another fine passphrase", "usable_password": "true", "password2": "another fine passphrase"}
    )
    assert response.status_code == 302
    assert User.objects.get(pk=cast.peer2.user_id).check_password("another fine passphrase")


# --- API tokens --------------------------------------------------------------------------------


def test_a_new_token_is_shown_once_and_only_its_hash_is_stored(cast, admin_client_):
    response = admin_client_.post(
        reverse("admin:accounts_apitoken_add"),
        {"agency": cast.ed.pk, "name": "ED nightly feed", "expires_at_0": "", "expires_at_1": ""},
        follow=True,
    )
    assert response.status_code == 200
    shown = TOKEN_PATTERN.findall(" ".join(str(m) for m in response.context["messages"]))
    assert len(shown) == 1
    raw = shown[0]
    token = ApiToken.objects.get(name="ED nightly feed")
    assert token.agency == cast.ed and token.created_by == cast.admin.user
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert api_token_authenticate(raw=raw) == token
    # Never again: not on the token's page, the list, or in the admin history.
    for url in (change_url("accounts_apitoken", token.pk), reverse("admin:accounts_apitoken_changelist")):
        assert raw not in admin_client_.get(url).content.decode()
    assert not LogEntry.objects.filter(object_repr__contains=raw).exists()
    assert not LogEntry.objects.filter(change_message__contains=raw).exists()


def test_a_token_cannot_be_issued_for_another_programs_agency(cast, admin_client_):
    response = admin_client_.post(
        reverse("admin:accounts_apitoken_add"),
        {"agency": cast.other_agency.pk, "name": "Sneaky", "expires_at_0": "", "expires_at_1": ""},
    )
    assert response.status_code == 200
    assert not ApiToken.objects.filter(name="Sneaky").exists()


def test_a_token_expiry_in_the_past_is_refused(cast, admin_client_):
    response = admin_client_.post(
        reverse("admin:accounts_apitoken_add"),
        {"agency": cast.ed.pk, "name": "Old", "expires_at_0": "2020-01-01", "expires_at_1": "00:00:00"},
    )
    assert response.status_code == 200
    assert "expires_at" in response.context["adminform"].form.errors


def test_revoking_tokens_stops_them_working(cast, admin_client_):
    token, raw = api_token_issue(agency=cast.ed, name="ED feed")
    other, other_raw = api_token_issue(agency=cast.two_one_one, name="211 feed")
    response = admin_client_.post(
        reverse("admin:accounts_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api_token_authenticate(raw=raw) is None
    assert api_token_authenticate(raw=other_raw) == other


def test_revoking_cannot_reach_another_programs_tokens(cast, admin_client_):
    token, raw = api_token_issue(agency=cast.other_agency, name="Hilltop feed")
    admin_client_.post(
        reverse("admin:accounts_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}
    )
    token.refresh_from_db()
    assert token.revoked_at is None


def test_tokens_cannot_be_deleted(cast, admin_client_):
    token, _ = api_token_issue(agency=cast.ed, name="ED feed")
    delete = reverse("admin:accounts_apitoken_delete", args=[token.pk])
    assert admin_client_.post(delete, {"post": "yes"}).status_code == 403
    admin_client_.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "delete_selected", "_selected_action": [token.pk], "post": "yes"},
    )
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_a_tokens_hash_is_not_editable(cast, admin_client_):
    token, raw = api_token_issue(agency=cast.ed, name="ED feed")
    form = admin_client_.get(change_url("accounts_apitoken", token.pk)).context["adminform"].form
    assert set(form.fields) == {"name", "expires_at"}


# --- Audit trail -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["program_admin", "superuser"])
def test_audit_events_cannot_be_added_changed_or_deleted(cast, superuser, who):
    event = audit_record(action=AuditEvent.Action.VIEW, by=cast.supervisor, target_type="referrals.referral")
    client = cast.client_for(cast.admin)
    if who == "superuser":
        client.force_login(superuser)
    assert client.get(change_url("audit_auditevent", event.pk)).status_code == 200
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert client.post(change_url("audit_auditevent", event.pk), {"note": "edited"}).status_code == 403
    delete = reverse("admin:audit_auditevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.note == ""
