from datetime import UTC, datetime, timedelta
from decimal import Decimal

import factory

from agencies.models import Agency
from agencies.tests.factories import DepartmentFactory
from surveys.models import Dimension, Option, Question, Response, ScoringBand, SurveyYear


class SurveyYearFactory(factory.django.DjangoModelFactory):
    """A draft year that opens on 1 March of its Common Era year and closes 60 days later."""

    class Meta:
        model = SurveyYear

    year = factory.Sequence(lambda n: 2600 + n % 100)
    title_th = factory.LazyAttribute(lambda o: f"การสำรวจปี {o.year}")
    title_en = factory.LazyAttribute(lambda o: f"Survey {o.year}")
    opens_at = factory.LazyAttribute(lambda o: datetime(o.year - 543, 3, 1, tzinfo=UTC))
    closes_at = factory.LazyAttribute(lambda o: o.opens_at + timedelta(days=60))
    status = SurveyYear.Status.DRAFT
    # A published year has its publication time (a constraint): 30 days after it closed.
    published_at = factory.LazyAttribute(
        lambda o: (
            o.closes_at + timedelta(days=30) if o.status == SurveyYear.Status.PUBLISHED else None
        )
    )


class DimensionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dimension

    year = factory.SubFactory(SurveyYearFactory)
    code = factory.Sequence(lambda n: f"DIM{n}")
    order = factory.Sequence(lambda n: n + 1)
    name_th = factory.Sequence(lambda n: f"มิติทดสอบ {n}")
    name_en = factory.Sequence(lambda n: f"Test dimension {n}")
    weight = Decimal(20)


class QuestionFactory(factory.django.DjangoModelFactory):
    """A yes/no question worth 10 points, for every agency level: it needs no options or bands."""

    class Meta:
        model = Question

    dimension = factory.SubFactory(DimensionFactory)
    year = factory.SelfAttribute("dimension.year")
    code = factory.Sequence(lambda n: f"Q-{n:03d}")
    order = factory.Sequence(lambda n: n + 1)
    kind = Question.Kind.YES_NO
    text_th = factory.Sequence(lambda n: f"คำถามทดสอบ {n}")
    text_en = factory.Sequence(lambda n: f"Test question {n}")
    levels = factory.LazyFunction(lambda: list(Agency.Level.values))
    max_points = Decimal(10)


class OptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Option

    question = factory.SubFactory(QuestionFactory, kind=Question.Kind.SINGLE_CHOICE)
    value = factory.Sequence(lambda n: f"option-{n}")
    order = factory.Sequence(lambda n: n + 1)
    label_th = factory.Sequence(lambda n: f"ตัวเลือก {n}")
    label_en = factory.Sequence(lambda n: f"Option {n}")
    points = Decimal(5)


class ScoringBandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScoringBand

    question = factory.SubFactory(QuestionFactory, kind=Question.Kind.NUMBER)
    minimum = factory.Sequence(lambda n: Decimal(n * 10))
    points = Decimal(5)


class ResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Response

    year = factory.SubFactory(SurveyYearFactory)
    agency = factory.SubFactory(DepartmentFactory)
