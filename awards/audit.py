"""The awards' audit record: append-only, written in the same transaction as what it records."""

from django.utils import timezone

from .models import AuditEntry


def audit_record(
    *, action: str, year, summary: str, actor_id=None, category=None, data=None, at=None
) -> AuditEntry:
    return AuditEntry.objects.create(
        action=action,
        year=year,
        category=category,
        actor_id=actor_id,
        summary=summary,
        data=data or {},
        at=at or timezone.now(),
    )
