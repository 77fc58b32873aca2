"""Every change made in the admin goes through a service that writes one audit entry: who, which record,
the action and the fields that changed, never a password or a token."""

import json
import re

import pytest
from axes.models import AccessAttempt
from django import forms
from django.core import mail
from django.test import Client
from django.urls import reverse

from port.accounts.admin_site import admin_site
from port.accounts.models import AcuityLevel, ApiToken, FieldVisibility, Membership, OrganizationKind, User
from port.accounts.roles import Role
from port.audit.models import AuditEvent
from port.security.accounts import api_token_issue
from port.supplies.models import SupplyItem
from port.testing.factories import PASSWORD

TOKEN_PATTERN = re.compile(r"port_[A-Za-z0-9_-]{20,}")


def new_entries(since: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=since).order_by("pk"))


def last_pk() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def change_url(model: str, pk: int) -> str:
    return reverse(f"admin:{model}_change", args=[pk])


def form_data(form: forms.BaseForm) -> dict:
    """What a browser would post back for `form` as it is shown (its initial values)."""
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        bound = form[name]
        value = bound.value()
        widget = field.widget
        if isinstance(widget, forms.MultiWidget):
            parts = value if isinstance(value, list | tuple) else widget.decompress(value)
            for i, part in enumerate(parts or []):
                data[f"{bound.html_name}_{i}"] = "" if part is None else part
        elif isinstance(field, forms.BooleanField):
            if value:
                data[bound.html_name] = "on"
        elif value is None:
            data[bound.html_name] = ""
        else:
            data[bound.html_name] = value
    return data


def empty_inlines(*prefixes: str) -> dict:
    """The management forms of inlines posted with no rows."""
    return {
        f"{prefix}-{name}": value
        for prefix in prefixes
        for name, value in (("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0), ("MIN_NUM_FORMS", 0), ("MAX_NUM_FORMS", 1000))
    }


def page_data(response) -> dict:
    """The change form and its inlines, as shown, ready to post back."""
    data = form_data(response.context["adminform"].form)
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        data |= form_data(formset.management_form)
        for form in formset.forms:
            data |= form_data(form)
    return data


# --- Programs ----------------------------------------------------------------------------------


def test_changing_program_settings_and_an_acuity_window_writes_one_audit_entry(cast, admin_client_):
    url = change_url("accounts_program", cast.program.pk)
    data = page_data(admin_client_.get(url))
    high = AcuityLevel.objects.get(program=cast.program, code="high")
    index = next(i for i in range(10) if str(data.get(f"acuity_levels-{i}-id")) == str(high.pk))
    data |= {"idle_timeout_minutes": 30, "time_zone": "America/Denver", f"acuity_levels-{index}-window_hours": 12}
    since = last_pk()
    assert admin_client_.post(url, data).status_code == 302
    [entry] = new_entries(since)
    assert (entry.action, entry.target_type, entry.target_ids) == ("update", "accounts.program", [str(cast.program.pk)])
    assert (entry.user_id, entry.program_id, entry.role) == (cast.admin.user_id, cast.program.pk, Role.ADMIN)
    assert entry.changes["idle_timeout_minutes"] == [15, 30]
    assert entry.changes["time_zone"] == ["America/New_York", "America/Denver"]
    assert entry.changes[f"accounts.acuitylevel:{high.pk}"] == {"window_hours": [24, 12]}
    assert "name" not in entry.changes


def test_adding_and_removing_a_field_visibility_row_is_audited(cast, admin_client_):
    url = change_url("accounts_program", cast.program.pk)
    data = page_data(admin_client_.get(url)) | {
        "field_visibility-TOTAL_FORMS": 1,
        "field_visibility-0-role": Role.PEER,
        "field_visibility-0-group": FieldVisibility.Group.NOTES,
        "field_visibility-0-program": cast.program.pk,
    }
    since = last_pk()
    assert admin_client_.post(url, data).status_code == 302
    row = FieldVisibility.objects.get(program=cast.program)
    [entry] = new_entries(since)
    assert entry.changes[f"accounts.fieldvisibility:{row.pk}"] == {
        "program": [None, cast.program.pk],
        "role": [None, "peer"],
        "group": [None, "notes"],
        "visible": [None, False],
    }

    data = page_data(admin_client_.get(url))
    data["field_visibility-0-DELETE"] = "on"
    since = last_pk()
    assert admin_client_.post(url, data).status_code == 302
    assert not FieldVisibility.objects.filter(pk=row.pk).exists()
    [entry] = new_entries(since)
    assert entry.changes[f"accounts.fieldvisibility:{row.pk}"]["role"] == ["peer", None]


def test_a_superuser_adding_a_program_is_audited_as_created(root_client):
    since = last_pk()
    response = root_client.post(
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
    [entry] = new_entries(since)
    assert (entry.action, entry.target_type, entry.role) == ("create", "accounts.program", "")
    assert entry.changes["attempt_policy_min_attempts"] == [None, 4]


# --- Users, memberships, passwords -------------------------------------------------------------


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


def test_creating_a_user_with_a_password_writes_one_entry_without_the_password(cast, admin_client_):
    since = last_pk()
    passphrase = "a long and unusual passphrase"
    assert (
        add_user(admin_client_, program=cast.program.pk, password1=passphrase, password2=passphrase).status_code == 302
    )
    user = User.objects.get(username="newpeer")
    membership = user.memberships.get()
    [entry] = new_entries(since)
    assert (entry.action, entry.target_type, entry.target_ids) == ("create", "accounts.user", [str(user.pk)])
    assert (entry.user_id, entry.program_id) == (cast.admin.user_id, cast.program.pk)
    assert entry.changes["username"] == [None, "newpeer"]
    assert entry.changes["password"] == [None, "(not recorded)"]
    assert entry.changes[f"accounts.membership:{membership.pk}"]["role"] == [None, "peer"]
    written = json.dumps(entry.changes)
    assert passphrase not in written and user.password not in written


def test_creating_a_user_who_gets_a_password_link_is_one_entry(cast, admin_client_):
    since = last_pk()
    assert add_user(admin_client_, program=cast.program.pk).status_code == 302
    assert len(mail.outbox) == 1
    [entry] = new_entries(since)
    assert entry.action == "create" and "password link" in entry.note


def test_changing_a_role_in_the_membership_admin_is_audited_with_before_and_after(cast, admin_client_):
    since = last_pk()
    response = admin_client_.post(
        change_url("accounts_membership", cast.peer2.pk),
        {
            "user": cast.peer2.user_id,
            "program": cast.program.pk,
            "role": Role.SUPERVISOR,
            "agency": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    [entry] = new_entries(since)
    assert (entry.action, entry.target_type) == ("update", "accounts.membership")
    assert entry.target_ids == [str(cast.peer2.pk)]
    assert entry.changes == {"role": ["peer", "supervisor"]}


def test_adding_a_membership_is_audited_as_created(cast, root_client):
    user = User.objects.create_user(username="newbie", password=PASSWORD)
    since = last_pk()
    response = root_client.post(
        reverse("admin:accounts_membership_add"),
        {"user": user.pk, "program": cast.program.pk, "role": Role.PARTNER, "agency": cast.ed.pk, "is_active": "on"},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=user)
    [entry] = new_entries(since)
    assert (entry.action, entry.target_type) == ("create", "accounts.membership")
    assert entry.target_ids == [str(membership.pk)]
    assert entry.changes["role"] == [None, "partner"]
    assert entry.changes["agency"] == [None, cast.ed.pk]


def test_changing_a_users_name_and_role_on_the_user_page_is_one_entry(cast, admin_client_):
    user = cast.peer2.user
    url = change_url("accounts_user", user.pk)
    data = page_data(admin_client_.get(url)) | {"first_name": "Quincy", "memberships-0-role": Role.SUPERVISOR}
    since = last_pk()
    assert admin_client_.post(url, data).status_code == 302
    [entry] = new_entries(since)
    assert (entry.action, entry.target_type, entry.target_ids) == ("update", "accounts.user", [str(user.pk)])
    assert entry.changes["first_name"] == ["Quinn", "Quincy"]
    assert entry.changes[f"accounts.membership:{cast.peer2.pk}"] == {"role": ["peer", "supervisor"]}


def test_setting_a_password_in_the_admin_is_audited_without_the_password(cast, admin_client_):
    url = reverse("admin:auth_user_password_change", args=[cast.peer2.user_id])
    since = last_pk()
    response = admin_client_.post(
        url, {"password1": "another fine passphrase", "usable_password": "true", "password2": "another fine passphrase"}
    )
    assert response.status_code == 302
    [entry] = new_entries(since)
    assert (entry.action, entry.target_ids) == ("update", [str(cast.peer2.user_id)])
    assert entry.changes == {"password": ["(not recorded)", "(not recorded)"]}
    assert "another fine passphrase" not in json.dumps(entry.changes) + entry.note


def test_sending_password_links_writes_an_entry_per_user(cast, admin_client_):
    since = last_pk()
    response = admin_client_.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "send_password_link", "_selected_action": [cast.peer.user_id, cast.peer2.user_id]},
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 2
    entries = new_entries(since)
    assert sorted(e.target_ids[0] for e in entries) == sorted([str(cast.peer.user_id), str(cast.peer2.user_id)])
    assert {(e.action, e.note, e.program_id) for e in entries} == {("update", "password link emailed", cast.program.pk)}


# --- API tokens --------------------------------------------------------------------------------


def test_issuing_a_token_is_audited_without_the_token_or_its_hash(cast, admin_client_):
    since = last_pk()
    response = admin_client_.post(
        reverse("admin:accounts_apitoken_add"),
        {"agency": cast.ed.pk, "name": "ED nightly feed", "expires_at_0": "", "expires_at_1": ""},
        follow=True,
    )
    raw = TOKEN_PATTERN.findall(" ".join(str(m) for m in response.context["messages"]))[0]
    token = ApiToken.objects.get(name="ED nightly feed")
    [entry] = new_entries(since)
    assert (entry.action, entry.target_type, entry.target_ids) == ("create", "accounts.apitoken", [str(token.pk)])
    assert (entry.user_id, entry.program_id) == (cast.admin.user_id, cast.program.pk)
    assert entry.changes["name"] == [None, "ED nightly feed"]
    assert entry.changes["token_hash"] == [None, "(not recorded)"]
    written = json.dumps(entry.changes) + entry.note
    assert raw not in written and token.token_hash not in written and raw[5:10] not in written


def test_revoking_tokens_writes_one_entry_naming_them(cast, admin_client_):
    token, _raw = api_token_issue(agency=cast.ed, name="ED feed")
    other, _other_raw = api_token_issue(agency=cast.two_one_one, name="211 feed")
    since = last_pk()
    admin_client_.post(
        reverse("admin:accounts_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk, other.pk]}
    )
    [entry] = new_entries(since)
    assert (entry.action, entry.target_type) == ("update", "accounts.apitoken")
    assert sorted(entry.target_ids) == sorted([str(token.pk), str(other.pk)])
    assert entry.changes["revoked_at"][0] is None and entry.changes["revoked_at"][1]


def test_revoking_an_already_revoked_token_writes_nothing(cast, admin_client_):
    token, _raw = api_token_issue(agency=cast.ed, name="ED feed")
    revoke = {"action": "revoke", "_selected_action": [token.pk]}
    admin_client_.post(reverse("admin:accounts_apitoken_changelist"), revoke)
    since = last_pk()
    admin_client_.post(reverse("admin:accounts_apitoken_changelist"), revoke)
    assert new_entries(since) == []


def test_a_bulk_delete_writes_one_delete_entry(cast, admin_client_):
    agencies = [cast.program.organizations.create(name=f"Clinic {i}", kind=OrganizationKind.OTHER) for i in range(2)]
    since = last_pk()
    response = admin_client_.post(
        reverse("admin:accounts_organization_changelist"),
        {"action": "delete_selected", "_selected_action": [a.pk for a in agencies], "post": "yes"},
    )
    assert response.status_code == 302
    [entry] = new_entries(since)
    assert (entry.action, entry.target_type, entry.program_id) == ("delete", "accounts.organization", cast.program.pk)
    assert sorted(entry.target_ids) == sorted(str(a.pk) for a in agencies)
    assert entry.changes[str(agencies[0].pk)]["name"] == ["Clinic 0", None]


def test_a_list_edit_of_low_stock_levels_is_audited(cast, admin_client_):
    items = list(SupplyItem.objects.filter(program=cast.program).order_by("pk"))
    changelist = admin_client_.get(reverse("admin:supplies_supplyitem_changelist"))
    formset = changelist.context["cl"].formset
    data = form_data(formset.management_form)
    for form in formset.forms:
        data |= form_data(form)
    first = formset.forms[0].instance
    data |= {"form-0-low_stock_level": (first.low_stock_level or 0) + 5, "_save": "Save"}
    since = last_pk()
    assert admin_client_.post(reverse("admin:supplies_supplyitem_changelist"), data).status_code == 302
    entries = new_entries(since)
    assert [(e.action, e.target_type, e.target_ids) for e in entries] == [
        ("update", "supplies.supplyitem", [str(first.pk)])
    ]
    assert items


# --- Every registered admin class --------------------------------------------------------------

# What to post to each admin's add page (as a superuser). A new admin class with an add page needs a row
# here, and then the walk below checks that adding, changing and deleting through it are audited.
ADD_DATA = {
    "accounts.program": lambda cast: {
        "name": "Lakeside PORT",
        "slug": "lakeside",
        "time_zone": "America/Chicago",
        "attempt_policy_min_attempts": 3,
        "attempt_policy_min_days": 7,
        "attempt_policy_min_modes": 2,
        "deadline_warning_hours": 6,
        "encounter_edit_hours": 72,
        "idle_timeout_minutes": 15,
        "directory_review_months": 12,
    },
    "accounts.acuitylevel": lambda cast: {
        "program": cast.program.pk,
        "code": "urgent",
        "label": "Urgent",
        "window_hours": 12,
        "rank": 5,
    },
    "accounts.organization": lambda cast: {
        "program": cast.program.pk,
        "name": "Lakeside Fire",
        "kind": OrganizationKind.FIRE,
    },
    "accounts.membership": lambda cast: {
        "user": User.objects.create_user(username="walker", password=PASSWORD).pk,
        "program": cast.program.pk,
        "role": Role.PEER,
        "agency": "",
        "is_active": "on",
    },
    "accounts.user": lambda cast: {
        "username": "walker2",
        "first_name": "Wal",
        "last_name": "Ker",
        "email": "w@example.org",
        "program": cast.program.pk,
        "role": Role.PEER,
        "agency": "",
        "password1": "",
        "password2": "",
    },
    "accounts.apitoken": lambda cast: {
        "agency": cast.ed.pk,
        "name": "Walk feed",
        "expires_at_0": "",
        "expires_at_1": "",
    },
    "outreach.texttemplate": lambda cast: {
        "program": cast.program.pk,
        "name": "Walk hello",
        "language": "en",
        "body": "Hi {first_name}, community outreach here.",
        "is_active": "on",
    },
    "supplies.supplyitem": lambda cast: {
        "program": cast.program.pk,
        "name": "Walk kit",
        "kind": "hygiene_kit",
        "unit": "kit",
        "low_stock_level": 3,
        "is_active": "on",
    },
    "supplies.stocklocation": lambda cast: {
        "program": cast.program.pk,
        "name": "Walk van",
        "kind": "vehicle",
        "holder": "",
        "is_active": "on",
    },
    "supplies.lot": lambda cast: {
        "item": SupplyItem.objects.filter(program=cast.program).first().pk,
        "lot_number": "WALK-1",
        "expires_on": "2031-01-31",
    },
}

ADD_DATA |= {
    "directory.service": lambda cast: {
        "program": cast.program.pk,
        "organization": cast.treatment.pk,
        "name": "Walk-in counselling",
        "status": "active",
        "assured_date": "2031-01-15",
        **empty_inlines("service_at_locations", "schedules", "phones", "languages"),
    },
    "directory.location": lambda cast: {
        "program": cast.program.pk,
        "name": "Main office",
        "location_type": "physical",
        **empty_inlines("addresses", "schedules", "phones"),
    },
    "directory.taxonomyterm": lambda cast: {"program": cast.program.pk, "name": "Peer support", "code": "walk.peer"},
    "directory.directorymapping": lambda cast: {
        "program": cast.program.pk,
        "name": "walk-sheet",
        "key_columns": '["Name"]',
        "columns": '{"Name": "service.name"}',
        "flags": '{"MAT": ["treatment.methadone"]}',
        "true_values": '["Yes"]',
        "defaults": "{}",
    },
}

# Records of admins without an add page, made directly, so their change and delete pages are walked too.
EXISTING = {
    "axes.accessattempt": lambda cast: AccessAttempt.objects.create(
        username="someone",
        ip_address="10.0.0.9",
        user_agent="test",
        failures_since_start=3,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/accounts/login/",
    ),
}


def registered() -> list[tuple[str, object]]:
    return sorted((model._meta.label_lower, model_admin) for model, model_admin in admin_site._registry.items())


@pytest.mark.parametrize(("label", "model_admin"), registered(), ids=[label for label, _admin in registered()])
def test_every_admin_add_change_and_delete_writes_an_audit_entry(cast, superuser, root_client, rf, label, model_admin):
    request = rf.get("/admin/")
    request.user = superuser
    model = model_admin.model
    info = (model._meta.app_label, model._meta.model_name)
    obj = None
    if model_admin.has_add_permission(request):
        assert label in ADD_DATA, f"{label}: add a row to ADD_DATA so its admin's changes are checked"
        since = last_pk()
        response = root_client.post(reverse("admin:{}_{}_add".format(*info)), ADD_DATA[label](cast))
        assert response.status_code == 302, (
            label,
            getattr(response, "context", {}) and response.context["adminform"].form.errors,
        )
        [entry] = [e for e in new_entries(since) if e.target_type == label]
        assert entry.action == "create"
        obj = model._default_manager.get(pk=entry.target_ids[0])
    elif label in EXISTING:
        obj = EXISTING[label](cast)
    else:
        assert not model_admin.has_change_permission(request) and not model_admin.has_delete_permission(request), (
            f"{label}: add a row to EXISTING so its admin's changes are checked"
        )
        return

    if model_admin.has_change_permission(request, obj):
        url = reverse("admin:{}_{}_change".format(*info), args=[obj.pk])
        data = page_data(root_client.get(url))
        since = last_pk()
        response = root_client.post(url, data)
        assert response.status_code == 302, (label, response.context["adminform"].form.errors)
        [entry] = new_entries(since)
        assert (entry.action, entry.target_type, entry.target_ids) == ("update", label, [str(obj.pk)])

    if model_admin.has_delete_permission(request, obj):
        since = last_pk()
        response = root_client.post(reverse("admin:{}_{}_delete".format(*info), args=[obj.pk]), {"post": "yes"})
        if response.status_code == 200 and response.context["protected"]:
            # Audit entries point at it (a program): it stays, and nothing was deleted to audit.
            assert model._default_manager.filter(pk=obj.pk).exists()
            assert new_entries(since) == []
            return
        assert response.status_code == 302, label
        assert not model._default_manager.filter(pk=obj.pk).exists()
        [entry] = [e for e in new_entries(since) if e.target_type == label]
        assert (entry.action, entry.target_ids) == ("delete", [str(obj.pk)])


def test_the_walk_covers_every_admin_with_an_add_page(superuser, rf):
    request = rf.get("/admin/")
    request.user = superuser
    can_add = {label for label, model_admin in registered() if model_admin.has_add_permission(request)}
    assert can_add == set(ADD_DATA)
