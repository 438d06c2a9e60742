"""Showing scores: two decimals rounded half up (`score_display`, the only rounding a score gets),
a sign on changes, and how long a scoring run took."""

from datetime import timedelta
from decimal import Decimal

from django import template

from surveys.scoring import score_display

register = template.Library()

NO_SCORE = "—"
MINUS = "\u2212"  # the minus sign, not a hyphen: "−3.10"


@register.filter
def score(value: Decimal | None) -> str:
    """12.345 → "12.35"; no score → "—"."""
    if value is None or value == "":
        return NO_SCORE
    return f"{score_display(Decimal(value)):f}"


@register.filter
def signed_score(value: Decimal | None) -> str:
    """A change against last year: "+12.40", "−3.10", "0.00"; none → "—"."""
    if value is None or value == "":
        return NO_SCORE
    rounded = score_display(Decimal(value))
    if rounded == 0:
        return f"{abs(rounded):f}"
    return f"{'+' if rounded > 0 else MINUS}{abs(rounded):f}"


@register.filter
def duration(value: timedelta | None) -> str:
    """0:01:05, hours:minutes:seconds, the same in Thai and English."""
    if value is None:
        return NO_SCORE
    seconds = max(0, int(value.total_seconds()))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
