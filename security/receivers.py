"""What puts events in the log: Django's login signals, django-axes' lockout, and the saves and
deletes of accounts, their roles and their second factors. Each receiver says what happened and
calls services.event_record; none holds a rule of its own.

Connected by SecurityConfig.ready(). The second-factor receivers are connected to the device
models of whatever django-otp plugins are installed (apps labelled "otp_*" whose models have a
`user` and a `confirmed` field), so this module works with or without django-otp.
"""

from datetime import timedelta

from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils import timezone

from agencies import roles

from .models import SecurityEvent
from .selectors import account_for
from .services import current_request, event_record

Kind = SecurityEvent.Kind


def connect() -> None:
    User = get_user_model()
    uid = "security.receivers."
    user_logged_in.connect(login_succeeded, dispatch_uid=uid + "login_succeeded")
    user_login_failed.connect(login_failed, dispatch_uid=uid + "login_failed")
    user_logged_out.connect(logged_out, dispatch_uid=uid + "logged_out")
    user_locked_out.connect(locked_out, dispatch_uid=uid + "locked_out")
    post_delete.connect(lockout_deleted, sender=AccessAttempt, dispatch_uid=uid + "unlocked")
    pre_save.connect(account_before_save, sender=User, dispatch_uid=uid + "account_before")
    post_save.connect(account_saved, sender=User, dispatch_uid=uid + "account_saved")
    m2m_changed.connect(groups_changed, sender=User.groups.through, dispatch_uid=uid + "groups")
    m2m_changed.connect(
        permissions_changed,
        sender=User.user_permissions.through,
        dispatch_uid=uid + "permissions",
    )
    # Connected model by model rather than to every save and delete: a receiver for all senders
    # would stop Django from deleting any other model's rows in bulk.
    for model in otp_device_models():
        label = model._meta.label_lower
        pre_save.connect(device_before_save, sender=model, dispatch_uid=uid + label + ".pre")
        post_save.connect(device_saved, sender=model, dispatch_uid=uid + label + ".post")
        post_delete.connect(device_deleted, sender=model, dispatch_uid=uid + label + ".delete")


# Logins ------------------------------------------------------------------------------------------


def login_succeeded(sender, request, user, **kwargs):
    event_record(kind=Kind.LOGIN_SUCCEEDED, user=user, request=request)


def logged_out(sender, request, user, **kwargs):
    """A logout, or a session ended by its lifetime: agencies.middleware.SessionLifetimeMiddleware
    says why on the request ("idle" or "max_age") before it logs the person out."""
    if user is None:
        return
    reason = getattr(request, "session_end_reason", "")
    if reason:
        event_record(
            kind=Kind.SESSION_EXPIRED, user=user, request=request, details={"reason": reason}
        )
    else:
        event_record(kind=Kind.LOGGED_OUT, user=user, request=request)


def login_failed(sender, credentials, request=None, **kwargs):
    """A wrong password, or a login refused because the account is locked out.

    django-axes has counted the failure before this receiver runs (its app comes first): the
    count, and whether the account is now locked, are on the request.
    """
    User = get_user_model()
    typed = credentials.get("username") or credentials.get(User.USERNAME_FIELD) or ""
    details = {}
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is not None:
        details["failures"] = failures
    if getattr(request, "axes_locked_out", False):
        details["locked_out"] = True
    event_record(
        kind=Kind.LOGIN_FAILED,
        user=account_for(typed),
        email=typed,
        request=request,
        details=details,
    )


def locked_out(sender, request, username, ip_address, **kwargs):
    """The failure that locks the account. axes sends this signal again for every attempt while
    the lockout lasts (each one starts the wait again); those are failed logins with
    `locked_out` (above), not new lockouts."""
    failures = getattr(request, "axes_failures_since_start", None)
    if failures != settings.AXES_FAILURE_LIMIT:
        return
    event_record(
        kind=Kind.LOCKED_OUT,
        user=account_for(username),
        email=username or "",
        request=request,
        details={"failures": failures},
    )


def lockout_deleted(sender, instance, **kwargs):
    """A lockout lifted before its time: a superuser deleted it under "Axes" in the admin, or a
    new password lifted it. Attempts deleted below the limit (a login that succeeded) or after
    the cool-off (axes' own clean-up) lifted nothing."""
    limit = settings.AXES_FAILURE_LIMIT
    locked = isinstance(limit, int) and instance.failures_since_start >= limit
    if not locked or instance.attempt_time <= timezone.now() - _cool_off():
        return
    event_record(
        kind=Kind.UNLOCKED,
        user=account_for(instance.username),
        email=instance.username or "",
        details={
            "locked_ip_address": instance.ip_address,
            "failures": instance.failures_since_start,
        },
    )


def _cool_off() -> timedelta:
    cool_off = settings.AXES_COOLOFF_TIME
    return cool_off if isinstance(cool_off, timedelta) else timedelta(hours=cool_off or 0)


# Passwords and roles -----------------------------------------------------------------------------

_WATCHED = {"password", "is_staff", "is_superuser"}


def account_before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    """Keep the stored password hash and flags, to compare after the save (one query, and none
    for the saves that cannot change them, such as the last-login time at every login)."""
    instance._security_before = None
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not _WATCHED & set(update_fields):
        return
    instance._security_before = (
        sender._default_manager.filter(pk=instance.pk).values(*_WATCHED).first()
    )


def account_saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    before = getattr(instance, "_security_before", None)
    instance._security_before = None
    if created:
        before = {"is_staff": False, "is_superuser": False}
    elif before is None:
        return
    elif before["password"] != instance.password and not _rehashed(instance, update_fields):
        event_record(kind=Kind.PASSWORD_CHANGED, user=instance)
    flags = {"is_superuser": roles.SUPERUSER_FLAG, "is_staff": roles.STAFF_FLAG}
    added = [
        name for field, name in flags.items() if getattr(instance, field) and not before[field]
    ]
    removed = [
        name for field, name in flags.items() if before[field] and not getattr(instance, field)
    ]
    if added or removed:
        _roles_changed(instance, added=added, removed=removed)


def _rehashed(user, update_fields) -> bool:
    """Whether the save only rewrites the same password with a stronger hasher, as Django does at
    a login after PASSWORD_HASHERS changes: it clears the new raw password (`_password`, which
    set_password() keeps for Django's own password_changed hook) and saves the hash alone."""
    return getattr(user, "_password", None) is None and update_fields == frozenset({"password"})


def groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """A group given or taken, from either side (`user.groups.add(group)`,
    `group.user_set.remove(user)`); `clear()` is read before it happens."""
    if action == "pre_clear":
        if reverse:
            instance._security_cleared = list(instance.user_set.all())
        else:
            instance._security_cleared = list(instance.groups.values_list("name", flat=True))
        return
    if action == "post_clear":
        cleared = getattr(instance, "_security_cleared", [])
        if reverse:
            for user in cleared:
                _roles_changed(user, added=[], removed=[instance.name])
        elif cleared:
            _roles_changed(instance, added=[], removed=cleared)
        return
    if action not in ("post_add", "post_remove") or not pk_set:
        return
    change = "added" if action == "post_add" else "removed"
    if reverse:
        for user in get_user_model()._default_manager.filter(pk__in=pk_set):
            _roles_changed(user, **{"added": [], "removed": [], change: [instance.name]})
    else:
        names = sorted(Group.objects.filter(pk__in=pk_set).values_list("name", flat=True))
        _roles_changed(instance, **{"added": [], "removed": [], change: names})


def permissions_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """A permission given to or taken from accounts directly (not through a group), from either
    side; `clear()` is read before it happens."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    change = "permissions_added" if action == "post_add" else "permissions_removed"
    if reverse:  # permission.user_set.add(...)
        if action == "pre_clear":
            users = instance.user_set.all()
        else:
            users = get_user_model()._default_manager.filter(pk__in=pk_set or [])
        name = f"{instance.content_type.app_label}.{instance.codename}"
        for user in users:
            event_record(kind=Kind.ROLES_CHANGED, user=user, details={change: [name]})
        return
    if action == "pre_clear":
        permissions = instance.user_permissions.all()
    else:
        permissions = Permission.objects.filter(pk__in=pk_set or [])
    names = sorted(
        f"{app_label}.{codename}"
        for app_label, codename in permissions.values_list("content_type__app_label", "codename")
    )
    if names:
        event_record(kind=Kind.ROLES_CHANGED, user=instance, details={change: names})


def _roles_changed(user, *, added, removed):
    details = {}
    if added:
        details["added"] = sorted(added)
    if removed:
        details["removed"] = sorted(removed)
    event_record(kind=Kind.ROLES_CHANGED, user=user, details=details)


# Second factors (django-otp) ---------------------------------------------------------------------


def otp_device_models() -> list:
    """The device models of the installed django-otp plugins (none without django-otp)."""
    models = []
    for model in apps.get_models():
        names = {field.name for field in model._meta.get_fields()}
        if model._meta.app_label.startswith("otp_") and {"user", "confirmed"} <= names:
            models.append(model)
    return models


def device_before_save(sender, instance, raw=False, **kwargs):
    instance._security_before = None
    if raw or instance._state.adding or instance.pk is None:
        return
    fields = ["confirmed"]
    if hasattr(instance, "throttling_failure_count"):
        fields.append("throttling_failure_count")
    instance._security_before = (
        sender._default_manager.filter(pk=instance.pk).values(*fields).first()
    )


def device_saved(sender, instance, created, raw=False, **kwargs):
    """A device added (saved confirmed for the first time; a pending authenticator is not one
    yet), or a code tried on it (django-otp counts each refused code on the device and clears the
    count when a code is accepted)."""
    if raw:
        return
    before = getattr(instance, "_security_before", None)
    instance._security_before = None
    if created:
        before = {"confirmed": False, "throttling_failure_count": 0}
    elif before is None:
        return
    if instance.confirmed and not before["confirmed"]:
        event_record(kind=Kind.MFA_DEVICE_ADDED, user=instance.user, details=_device(instance))
    if created or not hasattr(instance, "throttling_failure_count"):
        return
    failures = instance.throttling_failure_count
    if failures > before["throttling_failure_count"]:
        _code_tried(instance, refused={**_device(instance), "failures": failures})
    elif failures == 0 and instance.confirmed:
        _code_tried(instance, refused=None)


def _code_tried(device, *, refused: dict | None) -> None:
    """One code is tried on each of a person's devices in turn (the authenticator, then the
    recovery codes) until one takes it: the code was refused only if none did. So within a
    request the outcome is kept until the end (SecurityEventMiddleware calls
    `code_refusals_record`); outside one, a refusal is recorded at once."""
    request = current_request.get()
    if request is None:
        if refused is not None:
            event_record(kind=Kind.MFA_FAILED, user=device.user, details=refused)
        return
    outcomes = request.__dict__.setdefault("_security_codes", {})
    user, first_refusal, accepted = outcomes.get(device.user_id, (device.user, None, False))
    outcomes[device.user_id] = (user, first_refusal or refused, accepted or refused is None)


def code_refusals_record(request) -> None:
    """At the end of a request: one event for each person whose code no device accepted."""
    for user, refused, accepted in request.__dict__.pop("_security_codes", {}).values():
        if refused is not None and not accepted:
            event_record(kind=Kind.MFA_FAILED, user=user, request=request, details=refused)


def device_deleted(sender, instance, origin=None, **kwargs):
    if not instance.confirmed:
        return
    User = get_user_model()
    # When the account itself is being deleted, the event must not point at it.
    account_deleted = isinstance(origin, User) or (
        isinstance(origin, QuerySet) and origin.model is User
    )
    user = None if account_deleted else instance.user
    email = instance.user.get_username() if account_deleted else ""
    event_record(kind=Kind.MFA_DEVICE_REMOVED, user=user, email=email, details=_device(instance))


def _device(instance) -> dict:
    return {"device": instance._meta.model_name, "name": instance.name}
