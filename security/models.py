from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class SecurityEvent(models.Model):
    """Something that happened at the door or to an account: a login, a lockout, a refused page,
    a change of password, roles or second factor.

    Append-only: PostgreSQL refuses UPDATE, DELETE and TRUNCATE on these rows (migration 0002).
    The one change it lets through is Django's SET_NULL of `user` when the account is deleted;
    `email` still names it.
    """

    class Kind(models.TextChoices):
        LOGIN_SUCCEEDED = "login_succeeded", _("Login succeeded")
        LOGIN_FAILED = "login_failed", _("Login failed")
        LOCKED_OUT = "locked_out", _("Locked out")
        UNLOCKED = "unlocked", _("Lockout lifted")
        LOGGED_OUT = "logged_out", _("Logged out")
        SESSION_EXPIRED = "session_expired", _("Session expired")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        PASSWORD_RESET_REQUESTED = "password_reset_requested", _("Password reset requested")
        MFA_DEVICE_ADDED = "mfa_device_added", _("Second factor added")
        MFA_DEVICE_REMOVED = "mfa_device_removed", _("Second factor removed")
        MFA_FAILED = "mfa_failed", _("Second-factor code refused")
        RECOVERY_CODES_GENERATED = "recovery_codes_generated", _("Recovery codes generated")
        ROLES_CHANGED = "roles_changed", _("Roles changed")
        PERMISSION_REFUSED = "permission_refused", _("Permission refused")

    at = models.DateTimeField(_("when"), db_default=Now(), db_index=True)
    kind = models.CharField(_("event"), max_length=30, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account"),
    )
    # What was typed for a failed login or a reset request (any text, so not an EmailField); the
    # account's address otherwise, which stays when the account is deleted.
    email = models.CharField(_("e-mail address"), max_length=254, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    path = models.CharField(_("path"), max_length=500, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("security event")
        verbose_name_plural = _("security event log")
        indexes = [models.Index(fields=["kind", "at"], name="security_event_kind_at")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.email}".strip()
