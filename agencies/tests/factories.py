import factory
from django.contrib.auth.models import Group

from agencies import roles
from agencies.models import Agency, AgencyMembership, Ministry, Province, ProvincialUnitType, User


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"TH-{90 + n % 10}{n // 10}"[:5])
    name_th = factory.Sequence(lambda n: f"จังหวัดทดสอบ {n}")
    name_en = factory.Sequence(lambda n: f"Test Province {n}")
    region = "central"


class MinistryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ministry

    code = factory.Sequence(lambda n: f"MIN{n}")
    name_th = factory.Sequence(lambda n: f"กระทรวงทดสอบ {n}")
    name_en = factory.Sequence(lambda n: f"Ministry of Testing {n}")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    code = factory.Sequence(lambda n: f"DEP{n}")
    name_th = factory.Sequence(lambda n: f"กรมทดสอบ {n}")
    name_en = factory.Sequence(lambda n: f"Department of Testing {n}")
    level = Agency.Level.DEPARTMENT
    award_group = Agency.AwardGroup.SERVICE
    ministry = factory.SubFactory(MinistryFactory)


class ProvincialUnitTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProvincialUnitType

    number = factory.Sequence(lambda n: n + 1)
    code = factory.Sequence(lambda n: f"UT{n}")
    name_th = factory.Sequence(lambda n: f"สำนักงานทดสอบ {n} จังหวัด")
    name_en = factory.Sequence(lambda n: f"Provincial Test Office {n}")
    parent_department = factory.SubFactory(DepartmentFactory)


class ProvincialUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    code = factory.Sequence(lambda n: f"PU{n}")
    name_th = factory.Sequence(lambda n: f"สำนักงานทดสอบจังหวัด {n}")
    name_en = factory.Sequence(lambda n: f"Provincial Test Unit {n}")
    level = Agency.Level.PROVINCIAL_UNIT
    province = factory.SubFactory(ProvinceFactory)
    unit_type = factory.SubFactory(ProvincialUnitTypeFactory)
    parent = factory.SelfAttribute("unit_type.parent_department")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@agency.example")
    password = factory.django.Password("correct horse battery")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgencyMembership

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(DepartmentFactory)
    role = AgencyMembership.Role.RESPONDENT


def user_with_role(group_name: str, **kwargs) -> User:
    user = UserFactory(is_staff=group_name == roles.DGA_STAFF, **kwargs)
    user.groups.add(Group.objects.get(name=group_name))
    return user
