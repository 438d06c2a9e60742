import logging

from django.apps import AppConfig
from django.conf import settings

logger = logging.getLogger("dgaweb")


class DgawebConfig(AppConfig):
    name = "dgaweb"
    verbose_name = "dgaweb"

    def ready(self):
        if settings.CELERY_TASK_ALWAYS_EAGER:
            logger.warning(
                "REDIS_URL is not set: Celery tasks run in-process (eager mode), no worker needed."
            )
