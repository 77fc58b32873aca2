"""Users and memberships in the admin: creating a person with their role, their details, status and roles,
setting a password or emailing a link to choose one, resetting two-factor sign-in and lifting a lockout.

Every write goes through an audited service in port/security/accounts.py (user_create, user_update,
user_password_set, password_link_send, membership_create, membership_update, memberships_delete,
users_delete) or port/security/services.py (two_factor_reset, sign_in_unlock). A program admin may use
the actions on the users they may change (only in programs they administer); every use is in the audit
trail and the object's admin history.
"""

from __future__ import annotations

import contextvars
import secrets
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import password_validation
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UsernameField
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import Model, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from port.accounts.admin_site import (
    ProgramScopeMixin,
    admin_request,
    admin_site,
    administered_program_ids,
    may_administer,
    scoped_choices,
    superuser_only,
)
from port.accounts.http import AuthenticatedRequest
from port.accounts.models import Membership, Organization, Program, User
from port.accounts.roles import Role
from port.audit.admin_mixins import AuditedAdminMixin, ProgramScopedAdmin
from port.security.accounts import (
    membership_create,
    membership_update,
    memberships_delete,
    password_link_send,
    user_create,
    user_password_set,
    user_update,
    users_delete,
)
from port.security.services import sign_in_unlock, two_factor_reset

# --- Two-factor reset and unlock (actions on the user list) -------------------------------------


def _changeable(
    model_admin: admin.ModelAdmin[User], request: HttpRequest, queryset: QuerySet[User]
) -> tuple[list[User], int]:
    users = [user for user in queryset if model_admin.has_change_permission(request, user)]
    return users, queryset.count() - len(users)


def _report_skipped(request: HttpRequest, skipped: int) -> None:
    if skipped:
        messages.warning(
            request,
            ngettext(
                "%(count)d user was skipped: they also work in another program, or are an operator.",
                "%(count)d users were skipped: they also work in another program, or are operators.",
                skipped,
            )
            % {"count": skipped},
        )


@admin.action(description=_("Reset two-factor sign-in (lost phone)"), permissions=["change"])
def reset_two_factor(model_admin: admin.ModelAdmin[User], request: HttpRequest, queryset: QuerySet[User]) -> None:
    users, skipped = _changeable(model_admin, request, queryset)
    for user in users:
        two_factor_reset(user=user, actor=admin_request(request).user, membership=getattr(request, "membership", None))
        model_admin.log_change(request, user, gettext("Two-factor sign-in reset."))
    if users:
        messages.success(
            request,
            ngettext(
                "Reset two-factor sign-in of %(count)d user. They were signed out and will set it up again when they "
                "next sign in.",
                "Reset two-factor sign-in of %(count)d users. They were signed out and will set it up again when they "
                "next sign in.",
                len(users),
            )
            % {"count": len(users)},
        )
    _report_skipped(request, skipped)


@admin.action(description=_("Unlock sign-in (after too many wrong passwords)"), permissions=["change"])
def unlock_sign_in(model_admin: admin.ModelAdmin[User], request: HttpRequest, queryset: QuerySet[User]) -> None:
    users, skipped = _changeable(model_admin, request, queryset)
    for user in users:
        sign_in_unlock(user=user, actor=admin_request(request).user, membership=getattr(request, "membership", None))
        model_admin.log_change(request, user, gettext("Sign-in unlocked."))
    if users:
        messages.success(
            request,
            ngettext("Unlocked sign-in of %(count)d user.", "Unlocked sign-in of %(count)d users.", len(users))
            % {"count": len(users)},
        )
    _report_skipped(request, skipped)


# --- Memberships -------------------------------------------------------------------------------


@admin.register(Membership, site=admin_site)
class MembershipAdmin(ProgramScopedAdmin[Membership]):
    list_display = ("user", "role", "agency", "program", "is_active")
    list_filter = ("role", "is_active", ("program", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("user", "program", "agency")
    search_fields = ("user__username", "user__first_name", "user__last_name", "user__email")
    fields = ("user", "program", "role", "agency", "is_active")

    def audited_save(
        self,
        request: AuthenticatedRequest,
        obj: Membership,
        *,
        form: forms.ModelForm[Membership],
        change: bool,
        related: list[Model],
        deleted: list[Model],
    ) -> None:
        (membership_update if change else membership_create)(actor=request.user, membership=obj)

    def audited_delete(
        self, request: AuthenticatedRequest, records: list[Membership], *, program: Program | None
    ) -> None:
        memberships_delete(actor=request.user, memberships=records, program=program)


class MembershipInline(ProgramScopeMixin, admin.TabularInline):
    model = Membership
    fk_name = "user"
    fields = ("program", "role", "agency", "is_active")
    extra = 0


# --- Users -------------------------------------------------------------------------------------


def password_link_for(request: AuthenticatedRequest, user: User) -> None:
    """Email `user` a link to choose a password, to this site's address (audited by the service)."""
    password_link_send(actor=request.user, user=user, domain=request.get_host(), use_https=request.is_secure())


# Set while the admin's password page runs, so its form's save knows who is acting.
_acting_user: contextvars.ContextVar[User | None] = contextvars.ContextVar("admin_acting_user", default=None)


class AuditedPasswordChangeForm(AdminPasswordChangeForm):
    """The admin's "set password" form, saving through user_password_set (audited, value not recorded)."""

    def save(self, commit: bool = True) -> User:
        usable = self.cleaned_data.get("set_usable_password", True)
        return user_password_set(
            actor=_acting_user.get(), user=self.user, password=self.cleaned_data["password1"] if usable else None
        )


class ProgramUserCreationForm(forms.ModelForm):
    """Create a user and their membership in one step.

    With a password, it must pass AUTH_PASSWORD_VALIDATORS; without one, the person is emailed a
    link to choose their own.
    """

    program = forms.ModelChoiceField(queryset=Program.objects.none(), label=_("Program"))
    role = forms.ChoiceField(choices=Role.choices, label=_("Role"))
    agency = forms.ModelChoiceField(
        queryset=Organization.objects.none(),
        required=False,
        label=_("Organization"),
        help_text=_("Required for referral partners: the agency they send referrals for."),
    )
    password1 = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave both password fields empty to email the person a link to choose their own."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    # Set by UserAdmin.get_form: the programs and agencies this admin may choose from.
    program_choices: QuerySet[Program] = Program.objects.none()
    agency_choices: QuerySet[Organization] = Organization.objects.none()

    class Meta:
        model = User
        fields = ("username", "first_name", "last_name", "email")
        field_classes = {"username": UsernameField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        program_field = self.fields["program"]
        agency_field = self.fields["agency"]
        assert isinstance(program_field, forms.ModelChoiceField)  # declared above
        assert isinstance(agency_field, forms.ModelChoiceField)  # declared above
        program_field.queryset = self.program_choices
        agency_field.queryset = self.agency_choices.select_related("program")
        first_two = list(self.program_choices.all()[:2])
        if len(first_two) == 1:
            self.fields["program"].initial = first_two[0].pk

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("A user with that username already exists."), code="unique")
        return username

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # ModelForm.clean returns cleaned_data
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 or password2:
            if password1 != password2:
                self.add_error("password2", _("The two passwords differ."))
            else:
                self.instance.username = cleaned.get("username", "")
                self.instance.first_name = cleaned.get("first_name", "")
                self.instance.last_name = cleaned.get("last_name", "")
                self.instance.email = cleaned.get("email", "")
                try:
                    password_validation.validate_password(password1 or "", self.instance)
                except ValidationError as error:
                    self.add_error("password1", error)
        elif not cleaned.get("email") and "email" not in self.errors:
            self.add_error(
                "email",
                _(
                    "Give an email address so the person can be sent a link to choose "
                    "a password, or set a password below."
                ),
            )
        if cleaned.get("program") and cleaned.get("role"):
            membership = Membership(program=cleaned["program"], role=cleaned["role"], agency=cleaned.get("agency"))
            try:
                membership.clean()
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned

    def save(self, commit: bool = False) -> User:
        """The new user, not yet saved: UserAdmin saves them with their membership through user_create."""
        user = super().save(commit=False)
        password = self.cleaned_data.get("password1")
        # Without an admin-set password, a random one nobody knows: the emailed link (and any later
        # "forgot your password") replaces it.
        user.set_password(password or secrets.token_urlsafe(32))
        return user


class UserChangeForm(DjangoUserChangeForm):
    class Meta(DjangoUserChangeForm.Meta):
        model = User
        # Django's base Meta lists "__all__" (a str, as the stubs type it); a tuple of names is as good.
        fields = ("username", "password", "first_name", "last_name", "email", "is_active", "is_superuser")  # type: ignore[assignment]


@admin.register(User, site=admin_site)
class UserAdmin(AuditedAdminMixin[User], ProgramScopeMixin, DjangoUserAdmin):
    """A program admin sees the users who have a membership in their programs.

    They may change only users whose memberships are all in programs they administer (and never a
    superuser): changing the email or password of someone who also works in another program would
    hand over that program's access.
    """

    form = UserChangeForm
    add_form = ProgramUserCreationForm
    change_password_form = AuditedPasswordChangeForm
    add_form_template = None
    list_display = ("username", "first_name", "last_name", "email", "roles", "is_active")
    list_filter = ("is_active",)
    search_fields = ("username", "first_name", "last_name", "email")
    ordering = ("username",)
    filter_horizontal = ()
    readonly_fields = ("last_login", "date_joined")
    add_fieldsets = (
        (None, {"fields": ("username", "first_name", "last_name", "email")}),
        (_("Role"), {"fields": ("program", "role", "agency")}),
        (_("Password"), {"fields": ("password1", "password2")}),
    )
    actions = ["send_password_link", reset_two_factor, unlock_sign_in]

    def scope_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        in_programs = Membership.objects.filter(program__in=administered_program_ids(request))
        return queryset.filter(pk__in=in_programs.values("user_id"))

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        memberships = Membership.objects.select_related("program", "agency")
        if not request.user.is_superuser:
            memberships = memberships.filter(program__in=administered_program_ids(request))
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("memberships", queryset=memberships, to_attr="visible_memberships"))
        )

    @admin.display(description=_("Roles"))
    def roles(self, user: User) -> str:
        return "; ".join(
            f"{m.get_role_display()}, {m.program}" + ("" if m.is_active else gettext(" (inactive)"))
            for m in user.visible_memberships
        )

    def get_form(
        self, request: HttpRequest, obj: User | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm[User]]:
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            # A subclass per request, so one admin's choices never leak into another's form.
            programs = scoped_choices(Program, request)
            agencies = scoped_choices(Organization, request)
            form = type(
                form.__name__,
                (form,),
                {
                    "program_choices": Program.objects.all() if programs is None else programs,
                    "agency_choices": Organization.objects.all() if agencies is None else agencies,
                },
            )
        return form

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> Any:
        if obj is None:
            return self.add_fieldsets
        account = ("username", "password") if self.has_change_permission(request, obj) else ("username",)
        status = ("is_active", "is_superuser") if request.user.is_superuser else ("is_active",)
        return (
            (None, {"fields": account}),
            (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
            (_("Status"), {"fields": status}),
            (_("Important dates"), {"fields": ("last_login", "date_joined")}),
        )

    def get_inlines(
        self, request: HttpRequest, obj: User | None
    ) -> list[type[admin.options.InlineModelAdmin[Any, Any]]]:
        return [MembershipInline] if obj is not None else []

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if not may_administer(request):
            return False
        if obj is None or request.user.is_superuser:
            return True
        if obj.is_superuser:
            return False
        if not hasattr(obj, "_only_in_administered_programs"):
            elsewhere = obj.memberships.exclude(program__in=administered_program_ids(request))
            obj._only_in_administered_programs = not elsewhere.exists()
        return obj._only_in_administered_programs

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # People leave by deactivation: their name stays on the referrals and audit trail they made.
        return superuser_only(request)

    def audited_save(
        self,
        request: AuthenticatedRequest,
        obj: User,
        *,
        form: forms.ModelForm[User],
        change: bool,
        related: list[Model],
        deleted: list[Model],
    ) -> None:
        if change:
            # The user's change page has one inline (MembershipInline): its rows are memberships.
            memberships, memberships_deleted = cast(list[Membership], related), cast(list[Membership], deleted)
            user_update(actor=request.user, user=obj, memberships=memberships, memberships_deleted=memberships_deleted)
            return
        data = form.cleaned_data
        emailed = not data.get("password1")
        user_create(
            actor=request.user,
            user=obj,
            program=data["program"],
            role=data["role"],
            agency=data.get("agency"),
            link_domain=request.get_host() if emailed else None,
            use_https=request.is_secure(),
        )
        if emailed:
            messages.info(
                request, gettext("A link to choose a password was emailed to %(email)s.") % {"email": obj.email}
            )

    def audited_delete(self, request: AuthenticatedRequest, records: list[User], *, program: Program | None) -> None:
        users_delete(actor=request.user, users=records, program=program)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        token = _acting_user.set(admin_request(request).user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _acting_user.reset(token)

    @admin.action(description=_("Email a link to choose a new password"), permissions=["change"])
    def send_password_link(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        sent, skipped = 0, 0
        for user in queryset:
            if user.email and user.is_active and self.has_change_permission(request, user):
                password_link_for(admin_request(request), user)
                sent += 1
            else:
                skipped += 1
        if sent:
            messages.success(
                request, ngettext("Emailed %(count)d link.", "Emailed %(count)d links.", sent) % {"count": sent}
            )
        if skipped:
            messages.warning(
                request,
                ngettext(
                    "%(count)d user was skipped: no email address, inactive, or also in another program.",
                    "%(count)d users were skipped: no email address, inactive, or also in another program.",
                    skipped,
                )
                % {"count": skipped},
            )
