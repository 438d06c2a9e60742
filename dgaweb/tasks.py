import os
import socket

from celery import shared_task
from django.db import connection


@shared_task(name="dgaweb.healthcheck")
def healthcheck() -> dict:
    """Report which process ran this and which database it sees: proves a worker is alive.

    `celery -A dgaweb call dgaweb.healthcheck` from an operator's shell, and the test that shows
    tasks really run in a worker process.
    """
    return {
        "pid": os.getpid(),
        "hostname": socket.gethostname(),
        "database": connection.settings_dict["NAME"],
    }
