"""The admin site every app registers on, and the scoping its admin classes share (no audit here).

Access does not use Django's per-model permissions or `is_staff`: an active user with an active
program-admin membership may use the admin, and every list, form choice and object lookup is
filtered to the programs they administer (`ProgramScopeMixin`). Objects of other programs answer
404, as everywhere else in the product. Admin classes record their changes through
port.audit.admin_mixins.AuditedAdminMixin; the admin for programs, users and tokens is in
port/administration/admin/. Referrals and participants are not in the admin on purpose: the app owns
those workflows, with their rules, scoping and audit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import ForeignKey, Model, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _

from port.accounts.http import AuthenticatedRequest
from port.accounts.models import AcuityLevel, Membership, Organization, Program, User
from port.accounts.roles import Role

# --- Who may use the admin ---------------------------------------------------------------------


def administered_program_ids(request: HttpRequest) -> list[int]:
    """The programs the signed-in user is an active program admin of (cached on the request)."""
    cached: list[int] | None = getattr(request, "_administered_program_ids", None)
    if cached is None:
        user = request.user
        cached = []
        if user.is_authenticated and user.is_active:
            cached = sorted(
                Membership.objects.filter(user=user, role=Role.ADMIN, is_active=True).values_list(
                    "program_id", flat=True
                )
            )
        vars(request)["_administered_program_ids"] = cached  # HttpRequest declares no such attribute
    return cached


def may_administer(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and (user.is_superuser or administered_program_ids(request)))


def admin_request(request: HttpRequest) -> AuthenticatedRequest:
    """`request` as an admin page gets it: `admin_site.admin_view` lets in only a signed-in user who may
    administer (`ProgramAdminSite.has_permission`), so `request.user` is a `User`."""
    assert isinstance(request.user, User), "the admin site serves signed-in users only"
    return cast(AuthenticatedRequest, request)


class ProgramAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's sign-in form: program admins and superusers get in, `is_staff` plays no part."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Enter the username and password of a program admin account. Other accounts sign in "
            "on the main sign-in page."
        ),
    }

    def confirm_login_allowed(self, user: User) -> None:
        AuthenticationForm.confirm_login_allowed(self, user)
        is_program_admin = Membership.objects.filter(user=user, role=Role.ADMIN, is_active=True).exists()
        if not (user.is_superuser or is_program_admin):
            raise ValidationError(self.error_messages["invalid_login"], code="invalid_login")


class ProgramAdminSite(admin.AdminSite):
    site_header = _("PORT administration")
    site_title = _("PORT administration")
    index_title = _("Programs, people and API tokens")
    login_form = ProgramAdminAuthenticationForm

    def has_permission(self, request: HttpRequest) -> bool:
        return may_administer(request)


admin_site = ProgramAdminSite(name="admin")


# --- Scoping every admin class to the user's programs -----------------------------------------


def scoped_choices(model: type[Model] | None, request: HttpRequest) -> QuerySet | None:
    """What a program admin may pick in a form for a foreign key to `model` (None: no limit)."""
    if request.user.is_superuser:
        return None
    programs = administered_program_ids(request)
    if model is Program:
        return Program.objects.filter(pk__in=programs)
    if model in (Organization, AcuityLevel):
        return model.objects.filter(program__in=programs)
    if model is User:
        return User.objects.filter(pk__in=Membership.objects.filter(program__in=programs).values("user_id")).order_by(
            "username"
        )
    return None


if TYPE_CHECKING:
    # What the mixin is mixed into: a ModelAdmin or an inline (get_object below exists on ModelAdmins only).
    _ScopedAdminBase = admin.options.BaseModelAdmin[Any]
else:
    _ScopedAdminBase = object


class ProgramScopeMixin(_ScopedAdminBase):
    """For ModelAdmins and inlines: rows, choices and permissions limited to the admin's programs.

    `program_field` is the lookup path from the model to its Program ("" for Program itself).
    Program admins may view, add, change and delete within their programs; subclasses narrow that.
    """

    program_field = "program"

    def scope_queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        lookup = f"{self.program_field}__in" if self.program_field else "pk__in"
        return queryset.filter(**{lookup: administered_program_ids(request)})

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return self.scope_queryset(request, queryset)

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField[Any] | None:
        choices = scoped_choices(db_field.related_model, request)
        if choices is not None:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_administer(request)

    def has_view_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return may_administer(request)

    def has_add_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return may_administer(request)

    def has_change_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return may_administer(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return may_administer(request)

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        # Another program's object (or a missing one) is a 404, not the admin's usual redirect.
        # The mixin's type base is BaseModelAdmin (inlines use it too), which has no get_object: ModelAdmin has.
        obj = super().get_object(request, object_id, from_field)  # type: ignore[misc]  # see above
        if obj is None:
            raise Http404
        return obj


def program_of(record: Model, program_field: str | None) -> Program | None:
    """The program `record` belongs to, following `program_field` ("" for a Program; None: no program)."""
    if program_field is None:
        return None
    found: Model | None = record
    for part in program_field.split("__") if program_field else ():
        found = getattr(found, part, None)
        if found is None:
            return None
    assert isinstance(found, Program), f"{program_field!r} leads to a Program"
    return found


def superuser_only(request: HttpRequest) -> bool:
    return bool(request.user.is_active and request.user.is_superuser)
