"""Showing scores: two decimals rounded half up (`score_display`, the only rounding a score gets),
a sign on changes, differences that agree with the two figures shown beside them, and how long a
scoring run took."""

from datetime import timedelta
from decimal import Decimal

from django import template

from surveys.scoring import score_difference as difference_of_displayed
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
def score_difference(value: Decimal | None, reference: Decimal | None) -> str:
    """`{{ value|score_difference:reference }}`: the signed difference of the two figures as they
    are displayed, 61.904 against 62.296 → "−0.40" (61.90 − 62.30); "—" without both."""
    if value in (None, "") or reference in (None, ""):
        return NO_SCORE
    return signed_score(difference_of_displayed(Decimal(value), Decimal(reference)))


@register.filter
def duration(value: timedelta | None) -> str:
    """0:01:05, hours:minutes:seconds, the same in Thai and English."""
    if value is None:
        return NO_SCORE
    seconds = max(0, int(value.total_seconds()))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
