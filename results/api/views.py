"""API v1: the open data of published years, read-only and the same for everyone.

Every view is a read-only generic view (GET, HEAD and OPTIONS; any write is 405) without
authentication, so a logged-in session changes nothing: DGA staff get no unpublished year. An
unpublished or unknown year is 404, as is `agencies/` of a year that does not publish per-agency
scores. The rows come from results.opendata, the same as the download package.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import opendata
from ..access import get_published_year_or_404, published_years
from .serializers import (
    AgencyScoreSerializer,
    AggregateSerializer,
    DimensionSerializer,
    WinnerSerializer,
    YearSerializer,
)

YEAR = OpenApiParameter("year", int, OpenApiParameter.PATH, description="Survey year, B.E.")


class Root(APIView):
    @extend_schema(
        summary="Where to start",
        responses=inline_serializer(
            "Root",
            {
                "years": serializers.URLField(),
                "schema": serializers.URLField(),
                "docs": serializers.URLField(),
            },
        ),
    )
    def get(self, request):
        def url(name: str) -> str:
            return request.build_absolute_uri(reverse(name))

        return Response(
            {"years": url("api:years"), "schema": url("api:schema"), "docs": url("api:docs")}
        )


@extend_schema_view(get=extend_schema(summary="Published survey years, newest first"))
class YearList(generics.ListAPIView):
    serializer_class = YearSerializer

    def get_queryset(self):
        return published_years()


@extend_schema_view(get=extend_schema(summary="One published year", parameters=[YEAR]))
class YearDetail(generics.RetrieveAPIView):
    serializer_class = YearSerializer

    def get_object(self):
        return get_object_or_404(published_years(), year=self.kwargs["year"])


class YearRows(generics.ListAPIView):
    """A list of a published year's rows, from results.opendata: each subclass says which in
    its `rows(year)`."""

    def get_queryset(self):
        return self.rows(get_published_year_or_404(self.kwargs["year"]))


@extend_schema_view(
    get=extend_schema(summary="The year's dimensions and their weights", parameters=[YEAR])
)
class DimensionList(YearRows):
    serializer_class = DimensionSerializer

    def rows(self, year):
        return opendata.published_dimensions(year)


@extend_schema_view(
    get=extend_schema(
        summary="Group means of the year: national, level, award group, ministry, province, "
        "provincial unit type",
        parameters=[
            YEAR,
            OpenApiParameter(
                "scope", str, enum=opendata.SCOPES, description="Only the groups of this scope."
            ),
        ],
    )
)
class AggregateList(YearRows):
    serializer_class = AggregateSerializer

    def rows(self, year):
        scope = self.request.query_params.get("scope", "")
        if scope and scope not in opendata.SCOPES:
            raise ValidationError({"scope": [f"Use one of: {', '.join(opendata.SCOPES)}."]})
        return opendata.published_aggregates(year, scope=scope)


@extend_schema_view(
    get=extend_schema(
        summary="Award winners of the year (empty until the awards are published)",
        parameters=[YEAR],
    )
)
class WinnerList(YearRows):
    serializer_class = WinnerSerializer

    def rows(self, year):
        return opendata.published_winners(year)


@extend_schema_view(
    get=extend_schema(
        summary="Each agency's scores (404 unless the year publishes them)", parameters=[YEAR]
    )
)
class AgencyScoreList(YearRows):
    serializer_class = AgencyScoreSerializer

    def rows(self, year):
        if not year.publish_agency_scores:
            raise Http404
        return opendata.published_agency_scores(year)
