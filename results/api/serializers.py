"""The shapes of API v1: stable English snake_case names, Thai and English side by side. The year
rows are read from SurveyYear; every other list serialises the plain rows of results.opendata,
described by its data dictionary (which gives each field its help text)."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import opendata


def _help(file: str, name: str) -> str:
    column = opendata.column_of(file, name)
    return f"{column.meaning_en} ({column.unit.en})"


def _points(file: str, name: str, **kwargs) -> serializers.DecimalField:
    # Two decimals, as JSON numbers (not strings): the only rounding a score ever gets.
    return serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        coerce_to_string=False,
        help_text=_help(file, name),
        **kwargs,
    )


def _text(file: str, name: str) -> serializers.CharField:
    return serializers.CharField(help_text=_help(file, name))


def _integer(file: str, name: str, **kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(help_text=_help(file, name), **kwargs)


class YearLinksSerializer(serializers.Serializer):
    url = serializers.URLField()
    dimensions = serializers.URLField()
    aggregates = serializers.URLField()
    winners = serializers.URLField()
    agencies = serializers.URLField(
        allow_null=True, help_text="Per-agency scores; null unless the year publishes them."
    )
    package = serializers.URLField(help_text="The open-data package of the year (ZIP).")


class YearSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="Survey year, B.E. (Buddhist Era)")
    year_ce = serializers.IntegerField(help_text="Survey year, C.E. (B.E. − 543)")
    title_th = serializers.CharField()
    title_en = serializers.CharField()
    publish_agency_scores = serializers.BooleanField(
        help_text="Whether each agency's scores are published (the agencies endpoint)."
    )
    awards_published = serializers.SerializerMethodField(
        help_text="Whether the year's award winners are published (the winners endpoint)."
    )
    links = serializers.SerializerMethodField()

    def get_awards_published(self, year) -> bool:
        # A year is published with its awards: one fact, `SurveyYear.published_at`.
        return year.published_at is not None

    @extend_schema_field(YearLinksSerializer)
    def get_links(self, year) -> dict:
        request = self.context["request"]

        def url(name: str) -> str:
            return request.build_absolute_uri(reverse(name, args=[year.year]))

        return {
            "url": url("api:year"),
            "dimensions": url("api:dimensions"),
            "aggregates": url("api:aggregates"),
            "winners": url("api:winners"),
            "agencies": url("api:agencies") if year.publish_agency_scores else None,
            "package": url("results:package"),
        }


class DimensionSerializer(serializers.Serializer):
    year = _integer("dimensions", "year")
    code = _text("dimensions", "code")
    order = _integer("dimensions", "order")
    name_th = _text("dimensions", "name_th")
    name_en = _text("dimensions", "name_en")
    description_th = _text("dimensions", "description_th")
    description_en = _text("dimensions", "description_en")
    weight = _points("dimensions", "weight")


class AggregateSerializer(serializers.Serializer):
    year = _integer("aggregates", "year")
    scope = serializers.ChoiceField(choices=opendata.SCOPES, help_text=_help("aggregates", "scope"))
    key = _text("aggregates", "key")
    name_th = _text("aggregates", "name_th")
    name_en = _text("aggregates", "name_en")
    agencies = _integer("aggregates", "agencies")
    overall_mean = _points("aggregates", "overall_mean")
    rank = _integer("aggregates", "rank")
    previous_mean = _points("aggregates", "previous_mean", allow_null=True)
    change = _points("aggregates", "change", allow_null=True)
    dimension_means = serializers.DictField(
        child=serializers.DecimalField(
            max_digits=5, decimal_places=2, coerce_to_string=False, allow_null=True
        ),
        help_text=f"{_help('aggregates', 'dimension_means')}; keyed by dimension code",
    )


class WinnerSerializer(serializers.Serializer):
    year = _integer("winners", "year")
    category_code = _text("winners", "category_code")
    category_name_th = _text("winners", "category_name_th")
    category_name_en = _text("winners", "category_name_en")
    place = _integer("winners", "place", allow_null=True)
    winner_name_th = _text("winners", "winner_name_th")
    winner_name_en = _text("winners", "winner_name_en")
    agency_code = _text("winners", "agency_code")
    province_code = _text("winners", "province_code")
    province_name_th = _text("winners", "province_name_th")
    province_name_en = _text("winners", "province_name_en")
    overall_score = _points("winners", "overall_score", allow_null=True)


class AgencyScoreSerializer(serializers.Serializer):
    year = _integer("agency_scores", "year")
    agency_code = _text("agency_scores", "agency_code")
    name_th = _text("agency_scores", "name_th")
    name_en = _text("agency_scores", "name_en")
    level = _text("agency_scores", "level")
    award_group = _text("agency_scores", "award_group")
    ministry_code = _text("agency_scores", "ministry_code")
    province_code = _text("agency_scores", "province_code")
    unit_type_code = _text("agency_scores", "unit_type_code")
    overall_score = _points("agency_scores", "overall_score")
    previous_overall_score = _points("agency_scores", "previous_overall_score", allow_null=True)
    change = _points("agency_scores", "change", allow_null=True)
    national_rank = _integer("agency_scores", "national_rank", allow_null=True)
    dimension_scores = serializers.DictField(
        child=serializers.DecimalField(
            max_digits=5, decimal_places=2, coerce_to_string=False, allow_null=True
        ),
        help_text=f"{_help('agency_scores', 'dimension_scores')}; keyed by dimension code",
    )
