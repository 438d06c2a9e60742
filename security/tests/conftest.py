import pytest

from agencies.tests.factories import UserFactory


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@dga.example", is_superuser=True, is_staff=True)
