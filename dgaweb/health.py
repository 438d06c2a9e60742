"""/health/: does the site have what it needs to serve? For docker compose and monitoring.

django-health-check runs the checks (concurrently, each with a time limit); this view chooses them
and says what it found in JSON: {"database": "ok", "cache": "ok", "celery": "failing", ...}, 200
when every check is ok, else 503.

Guarantees:
- the checks are the database (SELECT 1), the cache (Redis when REDIS_URL is set: a key written and
  read back), the file storage of evidence (a file written, read and deleted) and, when tasks go
  to a broker, the Celery workers (one answers a ping and serves the default queue);
- the answer says only "ok" or "failing" per check: the reason (a host name, a driver's message)
  goes to the log (django-health-check's "health_check" logger, and Sentry when it is on), never
  to the anonymous caller;
- no browser or proxy keeps the answer (never-cache headers).
"""

import asyncio
import datetime

from django.conf import settings
from django.http import JsonResponse
from health_check.checks import Cache, Database, Storage
from health_check.contrib.celery import Ping
from health_check.views import HealthCheckView

from dgaweb.celery import app as celery_app


def checks() -> dict:
    """{name: check} for what this deployment uses."""
    found = {"database": Database(), "cache": Cache(), "storage": Storage()}
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        # Waits the whole second for every worker's answer, then checks that one of them serves
        # the default queue. A ping is answered by a worker's main process even while all its
        # pool is busy scoring, so a busy worker is not reported as failing.
        found["celery"] = Ping(app=celery_app, timeout=datetime.timedelta(seconds=1))
    return found


class HealthView(HealthCheckView):
    async def get(self, request, *args, **kwargs):
        named = checks()
        with self.get_executor() as executor:
            results = await asyncio.gather(
                *(check.get_result(executor) for check in named.values())
            )
        status = {
            name: "failing" if result.error else "ok"
            for name, result in zip(named, results, strict=True)
        }
        healthy = all(value == "ok" for value in status.values())
        return JsonResponse(status, status=200 if healthy else 503)
