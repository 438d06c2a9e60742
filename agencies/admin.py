from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from .forms import UserChangeForm, UserCreationForm
from .models import Agency, AgencyMembership, Ministry, Province, ProvincialUnitType, User
from .resources import (
    AgencyResource,
    MinistryResource,
    ProvinceResource,
    ProvincialUnitTypeResource,
)
from .services import import_errors


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


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
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
        (_("Roles"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]
