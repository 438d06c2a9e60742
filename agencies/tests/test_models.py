"""PostgreSQL itself refuses an agency whose fields do not fit its level."""

import pytest
from django.db import IntegrityError

from agencies.models import Agency, User
from agencies.tests.factories import (
    DepartmentFactory,
    MinistryFactory,
    ProvinceFactory,
    ProvincialUnitFactory,
)


def test_department_without_award_group_is_refused_by_the_database(db):
    with pytest.raises(IntegrityError, match="agency_department_fields"):
        DepartmentFactory(award_group="")


def test_department_with_a_province_is_refused_by_the_database(db):
    with pytest.raises(IntegrityError, match="agency_department_fields"):
        DepartmentFactory(province=ProvinceFactory())


def test_provincial_unit_without_province_is_refused_by_the_database(db):
    with pytest.raises(IntegrityError, match="agency_provincial_unit_fields"):
        ProvincialUnitFactory(province=None)


def test_provincial_unit_with_its_own_ministry_is_refused_by_the_database(db):
    with pytest.raises(IntegrityError, match="agency_provincial_unit_fields"):
        ProvincialUnitFactory(ministry=MinistryFactory())


def test_second_unit_of_a_type_in_one_province_is_refused_by_the_database(db):
    unit = ProvincialUnitFactory()
    with pytest.raises(IntegrityError, match="agency_one_unit_of_each_type_per_province"):
        ProvincialUnitFactory(province=unit.province, unit_type=unit.unit_type)


def test_unknown_level_is_refused_by_the_database(db):
    with pytest.raises(IntegrityError, match="agency_level_valid"):
        Agency.objects.create(code="X1", name_th="ก", name_en="X", level="ministry")


def test_special_local_government_needs_no_ministry(db):
    bma = Agency.objects.create(
        code="BMA",
        name_th="กรุงเทพมหานคร",
        name_en="Bangkok Metropolitan Administration",
        level=Agency.Level.SPECIAL_LOCAL,
        province=ProvinceFactory(code="TH-10"),
    )
    assert bma.effective_ministry_id is None


def test_provincial_unit_answers_to_its_parent_departments_ministry(db):
    unit = ProvincialUnitFactory()
    assert unit.effective_ministry_id == unit.parent.ministry_id


def test_email_addresses_are_unique_whatever_their_case(db):
    User.objects.create_user("Somchai@Agency.example", "pw-123456789")
    with pytest.raises(IntegrityError, match="user_email_unique_case_insensitive"):
        User.objects.create(email="SOMCHAI@agency.example")


def test_create_user_stores_the_address_in_lower_case(db):
    user = User.objects.create_user("Somying@Agency.EXAMPLE", "pw-123456789")
    assert user.email == "somying@agency.example"
