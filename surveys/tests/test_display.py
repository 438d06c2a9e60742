"""How a score reads wherever it is shown: two decimals rounded half up (`score_display`), the
names of score rows included, and differences that agree with the two figures beside them."""

from decimal import Decimal

from django.template import Context, Template

from agencies.models import Agency
from surveys.models import (
    Dimension,
    DimensionScore,
    GroupDimensionScore,
    GroupScore,
    Response,
    ResponseScore,
    SurveyYear,
)
from surveys.templatetags.scores import score_difference

D = Decimal


def test_score_rows_are_named_with_the_score_rounded_half_up():
    year = SurveyYear(year=2569)
    response = Response(year=year, agency=Agency(code="A1", name_th="กรมหนึ่ง"))
    dimension = Dimension(code="POLICY")
    group = GroupScore(
        scope=GroupScore.Scope.NATIONAL, name_th="ทุกหน่วยงาน", overall_mean=D("33.345")
    )

    assert str(ResponseScore(response=response, overall=D("33.345"))).endswith(": 33.35")
    assert str(DimensionScore(dimension=dimension, value=D("33.345"))) == "POLICY: 33.35"
    assert str(group).endswith(": 33.35")
    assert str(GroupDimensionScore(group=group, dimension=dimension, mean=D("0.125"))).endswith(
        "POLICY: 0.13"
    )


def test_score_difference_filter_is_signed_and_agrees_with_the_figures():
    assert score_difference(D("61.904"), D("62.296")) == "\u22120.40"
    assert score_difference(D("62.296"), D("61.904")) == "+0.40"
    assert score_difference(D("61.904"), D("61.899")) == "0.00"


def test_score_difference_filter_without_a_figure_is_a_dash():
    assert score_difference(None, D("62.30")) == "—"
    assert score_difference(D("62.30"), None) == "—"


def test_score_difference_filter_in_a_template():
    template = Template("{% load scores %}{{ value|score_difference:reference }}")

    assert template.render(Context({"value": D("61.904"), "reference": D("62.296")})) == (
        "\u22120.40"
    )
    assert template.render(Context({"value": None, "reference": D("1")})) == "—"
