"""Years and dates in the reader's calendar: Buddhist Era in Thai (2568), Common Era in English."""

import datetime

from django import template
from django.utils import formats, timezone, translation

register = template.Library()

BUDDHIST_ERA_OFFSET = 543


def _is_thai() -> bool:
    return (translation.get_language() or "th").startswith("th")


@register.filter
def era_year(value) -> str:
    """A Common Era year (int) or a date, shown as B.E. in Thai and C.E. in English."""
    if value in (None, ""):
        return ""
    year = value.year if isinstance(value, datetime.date) else int(value)
    return str(year + BUDDHIST_ERA_OFFSET if _is_thai() else year)


@register.filter
def era_date(value, with_time: bool = False) -> str:
    """A date (or date-time, in local time) such as "21 พฤศจิกายน 2569" or "21 November 2026"."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    month = formats.date_format(value, "F")
    text = f"{value.day} {month} {era_year(value)}"
    if with_time and isinstance(value, datetime.datetime):
        text += f" {value:%H:%M}"
    return text


@register.simple_tag
def current_era_year() -> str:
    return era_year(timezone.localdate())
