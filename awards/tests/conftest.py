"""Fixtures of the awards tests; scored years are built with surveys.tests.scored."""

import pytest

from agencies import roles
from agencies.tests.factories import (
    DepartmentFactory,
    ProvinceFactory,
    ProvincialUnitFactory,
    user_with_role,
)
from awards.models import AwardCategory, Candidate
from awards.shortlists import shortlists_generate
from surveys.tests.scored import Figures, scored_year

from .committee import YEAR, nomination_category, top_category


@pytest.fixture
def departments(db):
    """Factory of department-level agencies: departments(3, award_group="policy")."""

    def make(count, **fields):
        return [DepartmentFactory(**fields) for _ in range(count)]

    return make


@pytest.fixture
def provincial_units(db):
    def make(count, province=None, **fields):
        province = province or ProvinceFactory()
        return [ProvincialUnitFactory(province=province, **fields) for _ in range(count)]

    return make


@pytest.fixture
def chair(db):
    user = user_with_role(roles.AWARD_COMMITTEE, email="chair@dga.example")
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name=roles.AWARD_CHAIR))
    return user


@pytest.fixture
def other_member(db):
    return user_with_role(roles.AWARD_COMMITTEE, email="member2@dga.example")


# A committee's year ------------------------------------------------------------------------------


@pytest.fixture
def service_agencies(departments):
    return departments(3, award_group="service")


@pytest.fixture
def awards_year(service_agencies, departments):
    """Three service departments (90, 80, 70; previous 80, 75, 72), one policy department that
    the rule excludes as not eligible, one service department with no score; a top-overall
    category (2 winners, 1 runner-up, quorum 2) and a nomination category, both generated."""
    policy = departments(1, award_group="policy")[0]
    unscored = departments(1, award_group="service")[0]
    figures = {
        service_agencies[0]: Figures(overall="90", previous="80", service="94"),
        service_agencies[1]: Figures(overall="80", previous="75"),
        service_agencies[2]: Figures(overall="70", previous="72"),
        policy: Figures(overall="95"),
        unscored: None,
    }
    year = scored_year(YEAR, figures)
    top_category(year)
    nomination_category(year)
    shortlists_generate(year_id=year.pk)
    return year


@pytest.fixture
def category(awards_year):
    return AwardCategory.objects.get(year=awards_year, code="TOP")


@pytest.fixture
def nomination(awards_year):
    return AwardCategory.objects.get(year=awards_year, code="LEADER")


@pytest.fixture
def candidates(category):
    return list(Candidate.objects.filter(shortlist__category=category).order_by("order"))


@pytest.fixture
def member_client(client, committee_member):
    client.force_login(committee_member)
    return client
