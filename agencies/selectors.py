from django.db.models import Count, Q

from .models import Agency, AgencyMembership, Province


def membership_for_user(user) -> AgencyMembership | None:
    """The user's agency membership with its agency, or None for staff and visitors."""
    if not user.is_authenticated:
        return None
    return (
        AgencyMembership.objects.select_related(
            "agency__ministry", "agency__province", "agency__parent__ministry", "agency__unit_type"
        )
        .filter(user=user)
        .first()
    )


def registry_summary() -> dict:
    """Counts of active agencies by level and of provinces, in two queries."""
    by_level = Agency.objects.active().aggregate(
        total=Count("pk"),
        **{level: Count("pk", filter=Q(level=level)) for level in Agency.Level.values},
    )
    return {
        "provinces": Province.objects.count(),
        "agencies": by_level.pop("total"),
        "by_level": [(Agency.Level(level).label, count) for level, count in by_level.items()],
    }
