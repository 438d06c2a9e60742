from axes import admin as axes_admin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from import_export.admin import ImportExportModelAdmin

from . import mfa, roles
from .forms import (
    ALLOW_STAFF_AND_COMMITTEE,
    SuperuserUserChangeForm,
    UserChangeForm,
    UserCreationForm,
)
from .models import Agency, AgencyMembership, Ministry, Province, ProvincialUnitType, User
from .resources import (
    AgencyResource,
    MinistryResource,
    ProvinceResource,
    ProvincialUnitTypeResource,
)
from .services import import_errors, sessions_end


class RegistryImportExportAdmin(ImportExportModelAdmin):
    """Import-export admin whose import page lists every bad row as "row N, column X: reason".

    django-import-export shows the reasons only on hover; DGA staff correcting a file need them
    all at once, worded as the import service words them.
    """

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        result = isinstance(response, TemplateResponse) and response.context_data.get("result")
        if result and result.has_validation_errors():
            (resource_class,) = self.get_import_resource_classes(request)
            response.context_data["registry_errors"] = import_errors(resource_class(), result)
        return response


@admin.register(Province)
class ProvinceAdmin(RegistryImportExportAdmin):
    resource_classes = [ProvinceResource]
    list_display = ["code", "name_th", "name_en", "region"]
    list_filter = ["region"]
    search_fields = ["code", "name_th", "name_en"]


@admin.register(Ministry)
class MinistryAdmin(RegistryImportExportAdmin):
    resource_classes = [MinistryResource]
    list_display = ["code", "name_th", "name_en"]
    search_fields = ["code", "name_th", "name_en"]


@admin.register(ProvincialUnitType)
class ProvincialUnitTypeAdmin(RegistryImportExportAdmin):
    resource_classes = [ProvincialUnitTypeResource]
    list_display = ["number", "code", "name_th", "name_en", "parent_department"]
    list_select_related = ["parent_department"]
    search_fields = ["code", "name_th", "name_en"]
    autocomplete_fields = ["parent_department"]


@admin.register(Agency)
class AgencyAdmin(RegistryImportExportAdmin):
    resource_classes = [AgencyResource]
    list_display = ["code", "name_th", "name_en", "level", "award_group", "ministry", "province"]
    list_filter = ["level", "award_group", "is_active", "ministry", "unit_type", "province"]
    list_select_related = ["ministry", "province"]
    search_fields = ["code", "name_th", "name_en"]
    autocomplete_fields = ["ministry", "province", "parent"]
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["code", "name_th", "name_en", "level", "is_active"]}),
        (_("Department level"), {"fields": ["award_group", "ministry"]}),
        (_("Provincial unit"), {"fields": ["province", "unit_type", "parent"]}),
    ]


class AgencyMembershipInline(admin.StackedInline):
    model = AgencyMembership
    autocomplete_fields = ["agency"]
    extra = 0
    max_num = 1


ROLE_FIELDS = ["is_staff", "is_superuser", "groups", "user_permissions"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """People and their roles.

    Guarantees: only a superuser grants or removes a role (superuser, staff, a group or a
    permission), changes or deletes an account that holds one, or sets a password here; DGA staff
    manage agency people (name, e-mail, active, membership) and read everyone else. Nobody but a
    superuser changes their own account here (staff change their password on the admin's own
    password page). Every change of roles is named, role by role, in the LogEntry that the admin
    writes for the save: that history is the audit record of who granted what, and when.
    """

    form = UserChangeForm
    add_form = UserCreationForm
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "membership", "is_staff", "is_active"]
    list_select_related = ["membership__agency"]
    list_filter = ["is_staff", "is_active", "groups"]
    search_fields = ["email", "first_name", "last_name", "membership__agency__name_th"]
    inlines = [AgencyMembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name"]}),
        (
            _("Roles"),
            {
                "fields": [
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    ALLOW_STAFF_AND_COMMITTEE,
                ]
            },
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None and request.user.has_perm("agencies.grant_roles"):
            kwargs.setdefault("form", SuperuserUserChangeForm)
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or request.user.has_perm("agencies.grant_roles"):
            return fieldsets
        # The password's button leads to a page only superusers may use, and the confirmation
        # box is theirs alone.
        hidden = {"password", ALLOW_STAFF_AND_COMMITTEE}
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly_fields = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("agencies.grant_roles"):
            # Read-only fields are left out of the form, so a forged POST cannot set them.
            readonly_fields += ROLE_FIELDS
        return readonly_fields

    def has_change_permission(self, request, obj=None):
        if obj is not None and not request.user.has_perm("agencies.change_account", obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not request.user.has_perm("agencies.change_account", obj):
            return False
        return super().has_delete_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        if not request.user.has_perm("agencies.set_password"):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    actions = ["reset_mfa"]

    @admin.action(
        description=_("Reset two-step verification of the selected people"),
        permissions=["change"],
    )
    def reset_mfa(self, request, queryset):
        """A lost phone: the person's authenticator and recovery codes go, and they set up a new
        one at their next page. Only for accounts the user may change (a role-holding account:
        a superuser only); each reset is in the person's history."""
        done, refused = 0, 0
        for account in queryset:
            if not self.has_change_permission(request, account):
                refused += 1
                continue
            if mfa.mfa_reset(user=account):
                self.log_change(request, account, gettext_noop("Reset two-step verification."))
                done += 1
        if done:
            message = _("Two-step verification reset for %(count)d people.")
            self.message_user(request, message % {"count": done}, messages.SUCCESS)
        if refused:
            message = _("Not reset for %(count)d people whose account only a superuser may change.")
            self.message_user(request, message % {"count": refused}, messages.ERROR)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        roles_before = getattr(form, "roles_before", None)
        # A role given counts from the person's next login, which asks for the second factor
        # the role needs (agencies.mfa), not in a session that passed without one.
        given = roles_before is not None and roles.account_roles(form.instance) - roles_before
        if change and given:
            sessions_end(user=form.instance)

    def construct_change_message(self, request, form, formsets, add=False):
        """Django's message (the fields changed, the confirmation box among them once ticked),
        then each role added or removed, in the words of the admin's history: "Added role …",
        "Deleted role …". The names are stored untranslated, as Django stores field names."""
        message = super().construct_change_message(request, form, formsets, add)
        roles_before = getattr(form, "roles_before", None)
        if roles_before is None:  # the password form
            return message
        roles_after = roles.account_roles(form.instance)
        role = gettext_noop("role")
        return (
            message
            + [
                {"added": {"name": role, "object": name}}
                for name in sorted(roles_after - roles_before)
            ]
            + [
                {"deleted": {"name": role, "object": name}}
                for name in sorted(roles_before - roles_after)
            ]
        )


# A person's devices are reset from their page (UserAdmin.reset_mfa); django-otp's own device
# pages would show an authenticator's secret, so they are not in the admin.
for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(axes_admin.AccessAttemptAdmin):
    """django-axes' lock-outs. Deleting one unlocks the account at once; DGA staff may do it for
    the accounts they manage (agency people), as with every other change to an account."""

    def has_delete_permission(self, request, obj=None):
        if obj is not None:
            account = User.objects.filter(email__iexact=obj.username).first()
            if account is not None and not request.user.has_perm(
                "agencies.change_account", account
            ):
                return False
        return super().has_delete_permission(request, obj)
