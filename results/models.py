"""The recommendations DGA writes for each group of agencies once a year's results are in."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Ministry, Province, ProvincialUnitType
from surveys.aggregates import NATIONAL_KEY
from surveys.models import SCOPES, GroupScore, SurveyYear, localized


def group_key_choices(scope: str) -> list[tuple[str, str]]:
    """The groups a recommendation can be written for in `scope`, as (key, Thai name); the keys
    are those scoring gives its groups (surveys.aggregates.group_keys)."""
    if scope == GroupScore.Scope.NATIONAL:
        return [(NATIONAL_KEY, _("All agencies"))]
    if scope == GroupScore.Scope.LEVEL:
        return list(Agency.Level.choices)
    if scope == GroupScore.Scope.AWARD_GROUP:
        return list(Agency.AwardGroup.choices)
    model = {
        GroupScore.Scope.MINISTRY: Ministry,
        GroupScore.Scope.PROVINCE: Province,
        GroupScore.Scope.UNIT_TYPE: ProvincialUnitType,
    }.get(scope)
    if model is None:
        return []
    return list(model.objects.order_by("code").values_list("code", "name_th"))


class Recommendation(models.Model):
    """DGA's advice to one group of agencies for one year, e.g. to all provincial units, to the
    Provincial Offices (a unit type) or to the service-providing departments (an award group).
    An agency reads those of every group it is counted in."""

    year = models.ForeignKey(
        SurveyYear,
        on_delete=models.PROTECT,
        related_name="recommendations",
        verbose_name=_("year"),
    )
    scope = models.CharField(_("group of"), max_length=12, choices=GroupScore.Scope.choices)
    key = models.CharField(
        _("group"),
        max_length=30,
        help_text=_(
            "The code of the group: a level (department, provincial_unit), an award group "
            "(service, policy), or the code of a ministry, province or provincial unit type; "
            "'all' for every agency."
        ),
    )
    text_th = models.TextField(_("Thai text"))
    text_en = models.TextField(_("English text"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        ordering = ["year", "order", "scope", "key"]
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "scope", "key"],
                name="one_recommendation_per_group_year",
                violation_error_message=_("This group already has a recommendation this year."),
            ),
            models.CheckConstraint(
                condition=Q(scope__in=SCOPES), name="recommendation_scope_valid"
            ),
            models.CheckConstraint(condition=~Q(text_th=""), name="recommendation_has_thai_text"),
        ]

    def __str__(self):
        return f"{self.year.year} · {self.get_scope_display()} {self.key}"

    @property
    def text(self):
        return localized(self.text_th, self.text_en)

    def clean(self):
        if self.scope and self.key:
            keys = {key for key, _name in group_key_choices(self.scope)}
            if self.key not in keys:
                raise ValidationError(
                    {
                        "key": _("There is no %(scope)s with the code %(key)s.")
                        % {"scope": self.get_scope_display().lower(), "key": self.key}
                    }
                )
