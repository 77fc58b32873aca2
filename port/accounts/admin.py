"""The Django admin, for program admins (scoped to their programs) and superusers (everything).

Access does not use Django's per-model permissions or `is_staff`: an active user with an active
program-admin membership may use the admin, and every list, form choice and object lookup is
filtered to the programs they administer (`ProgramScopeMixin`). Objects of other programs answer
404, as everywhere else in the product. Referrals and participants are not here on purpose: the app
owns those workflows, with their rules, scoping and audit.
"""

import contextvars
import datetime
import secrets
import zoneinfo
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AuthenticationForm, UsernameField
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import Model, Prefetch, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from port.accounts.models import AcuityLevel, Agency, ApiToken, FieldVisibility, Membership, Program, User
from port.accounts.roles import Role
from port.accounts.services import (
    admin_record_save,
    admin_records_delete,
    api_token_issue,
    api_token_revoke,
    api_token_update,
    membership_create,
    membership_update,
    password_link_send,
    program_create,
    program_update,
    user_create,
    user_password_set,
    user_update,
)
from port.accounts.visibility import CONFIGURABLE_ROLES
from port.core.forms import form_field
from port.security.admin_actions import reset_two_factor, unlock_sign_in

# --- Who may use the admin ---------------------------------------------------------------------


def administered_program_ids(request: HttpRequest) -> list[int]:
    """The programs the signed-in user is an active program admin of (cached on the request)."""
    cached = getattr(request, "_administered_program_ids", None)
    if cached is None:
        user = request.user
        cached = []
        if user.is_authenticated and user.is_active:
            cached = sorted(
                Membership.objects.filter(user=user, role=Role.ADMIN, is_active=True).values_list(
                    "program_id", flat=True
                )
            )
        request._administered_program_ids = cached
    return cached


def may_administer(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and (user.is_superuser or administered_program_ids(request)))


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


def scoped_choices(model: type[Model], request: HttpRequest) -> QuerySet | None:
    """What a program admin may pick in a form for a foreign key to `model` (None: no limit)."""
    if request.user.is_superuser:
        return None
    programs = administered_program_ids(request)
    if model is Program:
        return Program.objects.filter(pk__in=programs)
    if model in (Agency, AcuityLevel):
        return model.objects.filter(program__in=programs)
    if model is User:
        return User.objects.filter(pk__in=Membership.objects.filter(program__in=programs).values("user_id")).order_by(
            "username"
        )
    return None


class ProgramScopeMixin:
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

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs: Any):
        choices = scoped_choices(db_field.related_model, request)
        if choices is not None:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_administer(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return may_administer(request)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return may_administer(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return may_administer(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return may_administer(request)

    def get_object(self, request: HttpRequest, object_id: str, from_field=None):
        # Another program's object (or a missing one) is a 404, not the admin's usual redirect.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj


def program_of(record: Model, program_field: str | None) -> Program | None:
    """The program `record` belongs to, following `program_field` ("" for a Program; None: no program)."""
    if program_field is None:
        return None
    for part in program_field.split("__") if program_field else ():
        record = getattr(record, part, None)
        if record is None:
            return None
    return record


def inline_changes(formsets) -> tuple[list[Model], list[Model]]:
    """The inline rows a change page saves and deletes, not yet written (formset.save(commit=False))."""
    saved, deleted = [], []
    for formset in formsets:
        saved += formset.save(commit=False)
        deleted += formset.deleted_objects
    return saved, deleted


class AuditedAdminMixin:
    """Every admin write goes through a service that records it in the audit trail (port.accounts.services).

    The admin's own writes are routed here: the change form's record and its inlines are saved together
    in `save_related` (one audit entry per page saved, list edits included), and single and bulk deletes
    are one entry each. Admins whose records have named services (programs, users, memberships, tokens)
    override `audited_save`. Every class registered on `admin_site` has this mixin
    (port/accounts/tests/test_admin_audit.py walks them all).
    """

    def _program(self, obj: Model) -> Program | None:
        # ProgramScopeMixin's lookup path; an admin without one (axes' records) has no program.
        return program_of(obj, getattr(self, "program_field", None))

    def save_model(self, request: HttpRequest, obj: Model, form, change: bool) -> None:
        """Nothing here: the object is saved with its inlines in save_related, so one page is one
        audited change."""

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        related, deleted = inline_changes(formsets)
        self.audited_save(request, form.instance, form=form, change=change, related=related, deleted=deleted)
        if hasattr(form, "save_m2m"):
            form.save_m2m()
        for formset in formsets:
            formset.save_m2m()

    def audited_save(
        self, request: HttpRequest, obj: Model, *, form, change: bool, related: list[Model], deleted: list[Model]
    ) -> None:
        admin_record_save(
            actor=request.user, record=obj, program=self._program(obj), related=related, related_deleted=deleted
        )

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        admin_records_delete(actor=request.user, records=[obj], program=self._program(obj))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        by_program: dict[int | None, list[Model]] = {}
        for obj in queryset:
            program = self._program(obj)
            by_program.setdefault(program.pk if program else None, []).append(obj)
        for records in by_program.values():
            admin_records_delete(actor=request.user, records=records, program=self._program(records[0]))


class ProgramScopedAdmin(AuditedAdminMixin, ProgramScopeMixin, admin.ModelAdmin):
    """A model admin limited to the signed-in program admin's programs (see ProgramScopeMixin), whose
    changes are audited (AuditedAdminMixin)."""


def superuser_only(request: HttpRequest) -> bool:
    return bool(request.user.is_active and request.user.is_superuser)


# --- Programs and acuity levels ----------------------------------------------------------------


def time_zone_choices() -> list[tuple[str, str]]:
    return [(zone, zone) for zone in sorted(zoneinfo.available_timezones()) if "/" in zone]


class ProgramForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        choices=time_zone_choices,
        label=_("Time zone"),
        help_text=_("Contact deadlines are counted on this zone's clock, across daylight-saving changes."),
    )

    class Meta:
        model = Program
        fields = (
            "name",
            "slug",
            "time_zone",
            "attempt_policy_min_attempts",
            "attempt_policy_min_days",
            "attempt_policy_min_modes",
            "deadline_warning_hours",
            "encounter_edit_hours",
            "idle_timeout_minutes",
        )


class AcuityLevelInline(ProgramScopeMixin, admin.TabularInline):
    model = AcuityLevel
    fields = ("code", "label", "window_hours", "rank")
    extra = 0
    verbose_name_plural = _("Acuity levels (a changed window applies to referrals received afterwards)")


class FieldVisibilityForm(forms.ModelForm):
    class Meta:
        model = FieldVisibility
        fields = ("role", "group", "visible")
        help_texts = {"visible": _("Ticked: shown to this role. Unticked: hidden from it.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only roles whose view a program may change: law enforcement and analysts never see these fields.
        form_field(self, "role", forms.ChoiceField).choices = [("", "---------")] + [
            (value, label) for value, label in Role.choices if value in CONFIGURABLE_ROLES
        ]


class FieldVisibilityInline(ProgramScopeMixin, admin.TabularInline):
    model = FieldVisibility
    form = FieldVisibilityForm
    extra = 0
    verbose_name = _("field visibility setting")
    verbose_name_plural = _(
        "Field visibility: without a setting the team sees notes, substances and assessments and an EMS/fire "
        "partner sees none of them; law enforcement partners and analysts never see them"
    )


@admin.register(Program, site=admin_site)
class ProgramAdmin(ProgramScopedAdmin):
    program_field = ""
    form = ProgramForm
    list_display = ("name", "slug", "time_zone", "created_at")
    search_fields = ("name", "slug")
    fieldsets = (
        (None, {"fields": ("name", "slug", "time_zone")}),
        (
            _("Outreach policy"),
            {
                "fields": (
                    "attempt_policy_min_attempts",
                    "attempt_policy_min_days",
                    "attempt_policy_min_modes",
                    "deadline_warning_hours",
                    "encounter_edit_hours",
                )
            },
        ),
        (_("Sign-in"), {"fields": ("idle_timeout_minutes",)}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        # The slug is in the public ask-for-help address: only a superuser changes it.
        if obj is None:
            return ()
        return ("created_at",) if request.user.is_superuser else ("slug", "created_at")

    def get_prepopulated_fields(self, request: HttpRequest, obj=None):
        return {"slug": ("name",)} if obj is None else {}

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return superuser_only(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return superuser_only(request)

    def get_inlines(self, request: HttpRequest, obj=None):
        # A new program starts with program_create's acuity levels, edited here once it exists.
        return [AcuityLevelInline, FieldVisibilityInline] if obj is not None else []

    def audited_save(
        self, request: HttpRequest, obj: Program, *, form, change: bool, related: list[Model], deleted: list[Model]
    ) -> None:
        if change:
            program_update(actor=request.user, program=obj, related=related, related_deleted=deleted)
            return
        # Through the service, so an admin-made program gets every default (acuity levels, supplies,
        # text templates) that any other program gets, with the policy values from the form.
        policy = {
            name: form.cleaned_data[name]
            for name in ProgramForm.Meta.fields
            if name not in ("name", "slug", "time_zone") and name in form.cleaned_data
        }
        created = program_create(
            name=obj.name, slug=obj.slug, time_zone=obj.time_zone, actor=request.user, policy=policy
        )
        # The admin goes on with `obj` (history entry, redirect): make it the saved program.
        obj.pk, obj.created_at = created.pk, created.created_at
        obj._state.adding, obj._state.db = False, created._state.db


@admin.register(AcuityLevel, site=admin_site)
class AcuityLevelAdmin(ProgramScopedAdmin):
    list_display = ("label", "code", "window_hours", "rank", "program")
    list_filter = (("program", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("program",)
    fields = ("program", "code", "label", "window_hours", "rank")
    ordering = ("program", "rank")


# --- Agencies and memberships ------------------------------------------------------------------


@admin.register(Agency, site=admin_site)
class AgencyAdmin(ProgramScopedAdmin):
    list_display = ("name", "kind", "program")
    list_filter = ("kind", ("program", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("program",)
    search_fields = ("name",)
    fields = ("program", "name", "kind")


@admin.register(Membership, site=admin_site)
class MembershipAdmin(ProgramScopedAdmin):
    list_display = ("user", "role", "agency", "program", "is_active")
    list_filter = ("role", "is_active", ("program", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("user", "program", "agency")
    search_fields = ("user__username", "user__first_name", "user__last_name", "user__email")
    fields = ("user", "program", "role", "agency", "is_active")

    def audited_save(
        self, request: HttpRequest, obj: Membership, *, form, change: bool, related: list[Model], deleted: list[Model]
    ) -> None:
        (membership_update if change else membership_create)(actor=request.user, membership=obj)


class MembershipInline(ProgramScopeMixin, admin.TabularInline):
    model = Membership
    fk_name = "user"
    fields = ("program", "role", "agency", "is_active")
    extra = 0


# --- Users -------------------------------------------------------------------------------------


def password_link_for(request: HttpRequest, user: User) -> None:
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
        queryset=Agency.objects.none(),
        required=False,
        label=_("Agency"),
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
    program_choices: QuerySet = Program.objects.none()
    agency_choices: QuerySet = Agency.objects.none()

    class Meta:
        model = User
        fields = ("username", "first_name", "last_name", "email")
        field_classes = {"username": UsernameField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "program", forms.ModelChoiceField).queryset = self.program_choices
        form_field(self, "agency", forms.ModelChoiceField).queryset = self.agency_choices.select_related("program")
        first_two = list(self.program_choices.all()[:2])
        if len(first_two) == 1:
            self.fields["program"].initial = first_two[0].pk

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("A user with that username already exists."), code="unique")
        return username

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
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
                    password_validation.validate_password(password1, self.instance)
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

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        password = self.cleaned_data.get("password1")
        # Without an admin-set password, a random one nobody knows: the emailed link (and any later
        # "forgot your password") replaces it.
        user.set_password(password or secrets.token_urlsafe(32))
        if commit:
            user.save()
        return user


class UserChangeForm(DjangoUserChangeForm):
    class Meta(DjangoUserChangeForm.Meta):
        model = User
        fields = ("username", "password", "first_name", "last_name", "email", "is_active", "is_superuser")


@admin.register(User, site=admin_site)
class UserAdmin(AuditedAdminMixin, ProgramScopeMixin, DjangoUserAdmin):
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

    def scope_queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        in_programs = Membership.objects.filter(program__in=administered_program_ids(request))
        return queryset.filter(pk__in=in_programs.values("user_id"))

    def get_queryset(self, request: HttpRequest) -> QuerySet:
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

    def get_form(self, request: HttpRequest, obj=None, **kwargs: Any):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            # A subclass per request, so one admin's choices never leak into another's form.
            programs = scoped_choices(Program, request)
            agencies = scoped_choices(Agency, request)
            form = type(
                form.__name__,
                (form,),
                {
                    "program_choices": Program.objects.all() if programs is None else programs,
                    "agency_choices": Agency.objects.all() if agencies is None else agencies,
                },
            )
        return form

    def get_fieldsets(self, request: HttpRequest, obj=None):
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

    def get_inlines(self, request: HttpRequest, obj=None):
        return [MembershipInline] if obj is not None else []

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
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

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # People leave by deactivation: their name stays on the referrals and audit trail they made.
        return superuser_only(request)

    def audited_save(
        self, request: HttpRequest, obj: User, *, form, change: bool, related: list[Model], deleted: list[Model]
    ) -> None:
        if change:
            user_update(actor=request.user, user=obj, memberships=related, memberships_deleted=deleted)
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

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = ""):
        token = _acting_user.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _acting_user.reset(token)

    @admin.action(description=_("Email a link to choose a new password"), permissions=["change"])
    def send_password_link(self, request: HttpRequest, queryset: QuerySet) -> None:
        sent, skipped = 0, 0
        for user in queryset:
            if user.email and user.is_active and self.has_change_permission(request, user):
                password_link_for(request, user)
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


# --- API tokens --------------------------------------------------------------------------------


class TokenStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return (("active", _("Active")), ("revoked", _("Revoked")), ("expired", _("Expired")))

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True).exclude(expires_at__lte=now)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        return queryset


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ("agency", "name", "expires_at")

    def clean_expires_at(self):
        expires_at = self.cleaned_data.get("expires_at")
        if expires_at and expires_at <= timezone.now() and self.instance.pk is None:
            raise ValidationError(_("The expiry must be in the future."))
        return expires_at


@admin.register(ApiToken, site=admin_site)
class ApiTokenAdmin(ProgramScopedAdmin):
    """Tokens are issued here and shown once; only their hash is kept. They are revoked, never deleted."""

    program_field = "agency__program"
    form = ApiTokenForm
    list_display = ("name", "agency", "hint", "created_at", "expires_at", "revoked_at", "last_used_at")
    list_filter = (TokenStatusFilter, ("agency", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("agency",)
    search_fields = ("name", "hint")
    actions = ["revoke"]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        # A forgotten token should not work for ever: a year, unless the admin chooses otherwise.
        return {
            "expires_at": timezone.now() + datetime.timedelta(days=365),
            **super().get_changeform_initial_data(request),
        }

    def get_fields(self, request: HttpRequest, obj=None):
        if obj is None:
            return ("agency", "name", "expires_at")
        return ("agency", "name", "hint", "expires_at", "created_by", "created_at", "revoked_at", "last_used_at")

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        if obj is None:
            return ()
        return ("agency", "hint", "created_by", "created_at", "revoked_at", "last_used_at")

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # The audit trail points at tokens; a token that should stop working is revoked.
        return False

    def audited_save(
        self, request: HttpRequest, obj: ApiToken, *, form, change: bool, related: list[Model], deleted: list[Model]
    ) -> None:
        if change:
            api_token_update(actor=request.user, token=obj)
            return
        token, raw = api_token_issue(agency=obj.agency, name=obj.name, actor=request.user, expires_at=obj.expires_at)
        # The admin goes on with `obj` (history entry, redirect): make it the saved token.
        obj.pk, obj.token_hash, obj.hint, obj.created_at = token.pk, token.token_hash, token.hint, token.created_at
        obj.created_by = request.user
        obj._state.adding, obj._state.db = False, token._state.db
        messages.warning(
            request,
            format_html(
                '{} <code class="api-token">{}</code> {}',
                gettext("The new token for %(agency)s is:") % {"agency": token.agency},
                raw,
                gettext(
                    "Copy it now and give it to the agency's system: it is shown only this once and "
                    "cannot be recovered. If it is lost, revoke it and add a new one."
                ),
            ),
        )

    @admin.action(description=_("Revoke selected tokens"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet) -> None:
        tokens = api_token_revoke(actor=request.user, tokens=queryset)
        for token in tokens:
            self.log_change(request, token, gettext("Revoked."))
        messages.success(
            request,
            ngettext("Revoked %(count)d token.", "Revoked %(count)d tokens.", len(tokens)) % {"count": len(tokens)},
        )
