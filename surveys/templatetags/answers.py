"""Showing answers in templates: the value in words, and which options are chosen."""

from decimal import Decimal

from django import template
from django.utils.translation import gettext as _

from surveys.models import Question

register = template.Library()


@register.simple_tag
def answer_display(question: Question, value) -> str:
    """The answer as the respondent would say it: option labels, yes/no, the number or text."""
    if value in (None, "", []):
        return _("(no answer)")
    if question.kind == Question.Kind.YES_NO:
        return _("Yes") if value == Question.YES else _("No")
    if question.kind in Question.CHOICE_KINDS:
        labels = {option.value: option.label for option in question.options.all()}
        values = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(v, v) for v in values)
    if question.kind == Question.Kind.PERCENTAGE:
        return f"{Decimal(value):,f} %"
    if question.kind == Question.Kind.NUMBER:
        return f"{Decimal(value):,f}"
    return str(value)


@register.filter
def is_chosen(value, option_value) -> bool:
    if isinstance(value, list):
        return option_value in value
    return value == option_value


@register.simple_tag
def time_left(deadline, now) -> str:
    """Days and hours until the deadline, in words of our own catalogue (Django's Thai has no
    translation for its "timeuntil" units)."""
    seconds = max(0, int((deadline - now).total_seconds()))
    days, hours = seconds // 86400, seconds % 86400 // 3600
    if days:
        return _("%(days)s days %(hours)s hours left") % {"days": days, "hours": hours}
    return _("%(hours)s hours %(minutes)s minutes left") % {
        "hours": hours,
        "minutes": seconds % 3600 // 60,
    }
