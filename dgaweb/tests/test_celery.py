"""Tasks run in a real Celery worker process on Redis, against the test database."""

import os

import pytest

from dgaweb.tasks import healthcheck

# serialized_rollback restores the rows data migrations made (the role groups) after the flush.
pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_task_is_executed_by_a_worker_process_not_eagerly(celery_worker, settings):
    assert settings.CELERY_TASK_ALWAYS_EAGER is False

    result = healthcheck.delay()
    report = result.get(timeout=30)

    assert result.successful()
    assert report["pid"] != os.getpid()
    assert parent_pid(report["pid"]) == celery_worker.pid  # a child of the worker we started
    assert report["database"] == celery_worker.database


def parent_pid(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("PPid:"))
