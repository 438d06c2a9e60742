from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import SecurityEvent


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """The security event log, for reading only: nobody adds, changes or deletes an event here,
    superusers included (and PostgreSQL refuses it anyway). Whoever holds
    `security.view_securityevent` reads it: DGA staff and superusers."""

    list_display = ["at", "kind", "email", "ip_address", "path", "summary"]
    list_filter = ["kind"]
    date_hierarchy = "at"
    search_fields = ["email", "ip_address"]
    fields = ["at", "kind", "user", "email", "ip_address", "path", "details"]
    readonly_fields = fields
    list_per_page = 100

    @admin.display(description=_("details"))
    def summary(self, event):
        return "; ".join(
            f"{key}: {', '.join(map(str, value)) if isinstance(value, list) else value}"
            for key, value in event.details.items()
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
