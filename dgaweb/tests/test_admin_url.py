"""The admin answers under ADMIN_URL, and nowhere else."""

import importlib

import pytest
from django.conf import settings
from django.urls import clear_url_caches, reverse

from dgaweb import urls
from dgaweb.tests.test_settings import PRODUCTION_ENV, manage


@pytest.fixture
def admin_at(settings):
    """Move the admin to another path: the setting, then the URLconf read again."""
    original = settings.ADMIN_URL

    def move(path: str) -> None:
        settings.ADMIN_URL = path
        importlib.reload(urls)
        clear_url_caches()

    yield move
    move(original)


def test_the_admin_answers_under_admin_url_and_not_at_admin(admin_at, client):
    admin_at("office-7f3a/")

    index = client.get("/office-7f3a/")
    login = client.get("/office-7f3a/login/")

    assert reverse("admin:index") == "/office-7f3a/"
    assert index.status_code == 302
    assert index["Location"] == "/office-7f3a/login/?next=/office-7f3a/"
    assert login.status_code == 200
    assert client.get("/admin/").status_code == 404
    assert client.get("/admin/login/").status_code == 404


def test_the_admin_is_at_admin_by_default():
    assert settings.ADMIN_URL == "admin/"
    assert reverse("admin:index") == "/admin/"


@pytest.mark.parametrize("value", ["/office/", "office", ""])
def test_an_admin_url_that_is_not_a_relative_path_with_a_slash_is_refused(value):
    result = manage("check", **PRODUCTION_ENV, ADMIN_URL=value)

    assert result.returncode != 0
    assert 'ADMIN_URL must look like "admin/"' in result.stderr
