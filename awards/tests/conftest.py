"""Fixtures of the awards tests; scored years are built with surveys.tests.scored."""

import pytest

from agencies import roles
from agencies.tests.factories import (
    DepartmentFactory,
    ProvinceFactory,
    ProvincialUnitFactory,
    user_with_role,
)


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
