"""Two published years of a small registry, and the people who read them.

Departments A and B (service-providing, ministry M1), C (policy, ministry M2), and provincial units
U1, U2 (province P1) and U3 (province P2). Both years are scored by the real aggregation
(`run_aggregate`), so every mean and rank a page shows can be checked against GroupScore rows.
"""

from types import SimpleNamespace

import pytest

from agencies import roles
from agencies.models import Agency
from agencies.tests.factories import (
    DepartmentFactory,
    MembershipFactory,
    MinistryFactory,
    ProvinceFactory,
    ProvincialUnitFactory,
    user_with_role,
)
from surveys.models import SurveyYear
from surveys.tests.scored import Figures, scored_year

PREVIOUS, YEAR = 2567, 2568
PASSWORD = "correct horse battery"  # UserFactory's


@pytest.fixture
def registry(db):
    m1, m2 = MinistryFactory(), MinistryFactory()
    p1, p2 = ProvinceFactory(), ProvinceFactory()
    service = Agency.AwardGroup.SERVICE
    return SimpleNamespace(
        m1=m1,
        m2=m2,
        p1=p1,
        p2=p2,
        a=DepartmentFactory(ministry=m1, award_group=service),
        b=DepartmentFactory(ministry=m1, award_group=service),
        c=DepartmentFactory(ministry=m2, award_group=Agency.AwardGroup.POLICY),
        u1=ProvincialUnitFactory(province=p1),
        u2=ProvincialUnitFactory(province=p1),
        u3=ProvincialUnitFactory(province=p2),
        d=DepartmentFactory(ministry=m2, award_group=Agency.AwardGroup.POLICY),
    )


@pytest.fixture
def published(registry):
    """2567 and 2568, both published; D is invited in 2568 but never submitted."""
    r = registry
    previous = scored_year(
        PREVIOUS,
        {
            r.a: Figures("70", service="74"),
            r.b: Figures("60"),
            r.c: Figures("50", service="40"),
            r.u1: Figures("40"),
            r.u2: Figures("45"),
            r.u3: Figures("55"),
        },
        status=SurveyYear.Status.PUBLISHED,
    )
    year = scored_year(
        YEAR,
        {
            r.a: Figures("80", previous="70", service="90"),
            r.b: Figures("65", previous="60", service="60"),
            r.c: Figures("52", previous="50", service="44"),
            r.u1: Figures("48", previous="40"),
            r.u2: Figures("50", previous="45", service="56"),
            r.u3: Figures("58", previous="55"),
            r.d: None,
        },
        status=SurveyYear.Status.PUBLISHED,
    )
    return SimpleNamespace(previous=previous, year=year, **vars(r))


@pytest.fixture
def member_of(db):
    """A respondent of `agency`: member_of(agency)."""

    def make(agency):
        return MembershipFactory(agency=agency).user

    return make


@pytest.fixture
def dga_staff(db):
    return user_with_role(roles.DGA_STAFF)


@pytest.fixture
def committee_member(db):
    return user_with_role(roles.AWARD_COMMITTEE)


@pytest.fixture
def close_figures(registry):
    """Two published years of A and B whose unrounded differences round the other way from the
    difference of the displayed figures. 2568: A 61.904 (shows 61.90), B 62.688, so the nation
    62.296 (62.30): A is 0.392 below it, and reads −0.40. A was 62.296 in 2567 (change −0.40);
    the nation was 61.904 in 2567 (change +0.40)."""
    r = registry
    previous = scored_year(
        PREVIOUS,
        {r.a: Figures("62.296"), r.b: Figures("61.512")},
        status=SurveyYear.Status.PUBLISHED,
    )
    year = scored_year(
        YEAR,
        {
            r.a: Figures("61.904", previous="62.296"),
            r.b: Figures("62.688", previous="61.512"),
        },
        status=SurveyYear.Status.PUBLISHED,
    )
    return SimpleNamespace(previous=previous, year=year, **vars(r))
