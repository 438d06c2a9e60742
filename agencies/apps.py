from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = _("Agency registry")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from . import permissions, roles  # noqa: F401  (registers the rules)
        from .middleware import session_start

        # The groups get exactly the permissions of roles.GROUP_PERMISSIONS after migrate.
        post_migrate.connect(roles.sync_roles_after_migrate, sender=self)
        user_logged_in.connect(session_start, dispatch_uid="agencies.session_start")
