"""DGA staff write the recommendations for each group of agencies here, once a year's results are
in. The group is picked among the real groups of every scope; Recommendation.clean refuses a
group that does not belong to the chosen scope, and the agencies read the text on their results
page and report."""

from django import forms
from django.contrib import admin
from django.db.models import Case, OuterRef, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Ministry, Province, ProvincialUnitType
from surveys.models import GroupScore

from .models import Recommendation, group_key_choices


def grouped_key_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every group a recommendation can be written for, under its scope's name:
    [("Ministry", [("MOI", "MOI · กระทรวงมหาดไทย"), …]), …]."""
    return [
        (
            str(label),
            [(key, f"{key} · {name}") for key, name in group_key_choices(scope)],
        )
        for scope, label in GroupScore.Scope.choices
    ]


class RecommendationForm(forms.ModelForm):
    key = forms.ChoiceField(
        label=_("group"),
        help_text=_(
            "Pick a group of the scope chosen above: a ministry's code for a ministry, a "
            "province's for a province, and so on."
        ),
    )

    class Meta:
        model = Recommendation
        fields = ["year", "scope", "key", "order", "text_th", "text_en"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [("", "---------"), *grouped_key_choices()]


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    form = RecommendationForm
    list_display = ["year_label", "scope", "key", "group_name", "order", "updated_at", "updated_by"]
    list_display_links = ["year_label", "scope", "key"]
    list_filter = ["year", "scope"]
    list_select_related = ["year", "updated_by"]
    search_fields = ["key", "text_th", "text_en"]
    ordering = ["-year__year", "order", "scope", "key"]
    readonly_fields = ["updated_at", "updated_by"]
    fieldsets = [
        (None, {"fields": ["year", "scope", "key", "order"]}),
        (_("Recommendation"), {"fields": ["text_th", "text_en"]}),
        (_("Last change"), {"fields": ["updated_at", "updated_by"]}),
    ]

    @admin.display(description=_("year"), ordering="year__year")
    def year_label(self, recommendation):
        return recommendation.year.year

    def get_queryset(self, request):
        # The names of ministries, provinces and unit types come with the rows (subqueries), so
        # the list runs the same queries however many recommendations it shows.
        def name_of(model):
            return Subquery(model.objects.filter(code=OuterRef("key")).values("name_th")[:1])

        return (
            super()
            .get_queryset(request)
            .annotate(
                registry_name=Case(
                    When(scope=GroupScore.Scope.MINISTRY, then=name_of(Ministry)),
                    When(scope=GroupScore.Scope.PROVINCE, then=name_of(Province)),
                    When(scope=GroupScore.Scope.UNIT_TYPE, then=name_of(ProvincialUnitType)),
                    default=Value(""),
                )
            )
        )

    @admin.display(description=_("group name"))
    def group_name(self, recommendation):
        if recommendation.registry_name:
            return recommendation.registry_name
        names = dict(group_key_choices(recommendation.scope)) if recommendation.scope in (
            GroupScore.Scope.NATIONAL, GroupScore.Scope.LEVEL, GroupScore.Scope.AWARD_GROUP
        ) else {}  # fmt: skip
        return names.get(recommendation.key, "—")

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)
