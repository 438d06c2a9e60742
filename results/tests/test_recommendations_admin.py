"""DGA staff write the recommendations per group in the admin: the group is one of the real groups
of its scope (with a clear message when it is not), the author is recorded, and nobody else gets
in."""

import pytest
from django.urls import reverse

from results.models import Recommendation

CHANGELIST = reverse("admin:results_recommendation_changelist")
ADD = reverse("admin:results_recommendation_add")


@pytest.fixture
def staff_client(client, dga_staff):
    client.force_login(dga_staff)
    client.cookies["django_language"] = "en"
    return client


def form_data(year, **overrides):
    return {
        "year": year.pk,
        "scope": "ministry",
        "key": "",
        "order": 0,
        "text_th": "ควรเชื่อมโยงข้อมูลระหว่างหน่วยงาน",
        "text_en": "Link data between agencies.",
        **overrides,
    }


def test_dga_staff_add_a_recommendation_for_a_ministry(staff_client, published, dga_staff):
    response = staff_client.post(ADD, form_data(published.year, key=published.m1.code))

    assert response.status_code == 302
    recommendation = Recommendation.objects.get()
    assert (recommendation.scope, recommendation.key) == ("ministry", published.m1.code)
    assert recommendation.updated_by == dga_staff


def test_a_group_of_another_scope_is_refused_with_a_clear_message(staff_client, published):
    response = staff_client.post(
        ADD, form_data(published.year, scope="province", key=published.m1.code)
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["key"] == [
        f"There is no province with the code {published.m1.code}."
    ]
    assert not Recommendation.objects.exists()


def test_an_unknown_group_is_refused(staff_client, published):
    response = staff_client.post(ADD, form_data(published.year, key="NOPE"))

    assert response.status_code == 200
    assert "key" in response.context["adminform"].form.errors
    assert not Recommendation.objects.exists()


def test_the_form_offers_the_real_groups_under_their_scope(staff_client, published):
    response = staff_client.get(ADD)

    page = response.content.decode()
    assert response.status_code == 200
    assert '<optgroup label="Ministry">' in page
    assert f'value="{published.m1.code}"' in page
    assert f'value="{published.p1.code}"' in page
    assert 'value="all"' in page
    assert 'value="provincial_unit"' in page


def test_a_change_records_who_made_it(client, published, dga_staff, django_user_model):
    first = django_user_model.objects.create_superuser("first@dga.example", "x")
    recommendation = Recommendation.objects.create(
        year=published.year, scope="national", key="all", text_th="เดิม", updated_by=first
    )
    client.force_login(dga_staff)

    response = client.post(
        reverse("admin:results_recommendation_change", args=[recommendation.pk]),
        form_data(published.year, scope="national", key="all", text_th="ใหม่"),
    )

    assert response.status_code == 302
    recommendation.refresh_from_db()
    assert recommendation.text_th == "ใหม่"
    assert recommendation.updated_by == dga_staff


def test_the_list_filters_by_year_and_scope(staff_client, published):
    Recommendation.objects.create(year=published.year, scope="national", key="all", text_th="ก")
    kept = Recommendation.objects.create(
        year=published.year, scope="province", key=published.p1.code, text_th="ข"
    )
    Recommendation.objects.create(
        year=published.previous, scope="province", key=published.p1.code, text_th="ค"
    )

    response = staff_client.get(
        CHANGELIST, {"year__id__exact": published.year.pk, "scope__exact": "province"}
    )

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [kept]
    assert published.p1.name_th in response.content.decode()


@pytest.mark.parametrize("rows", [2, 12])
def test_the_list_takes_the_same_queries_at_any_size(
    staff_client, published, django_assert_num_queries, rows
):
    # Both sizes name a ministry and a province, whose names come with the rows (subqueries).
    groups = [
        ("ministry", published.m1.code),
        ("province", published.p1.code),
        ("national", "all"),
        ("level", "department"),
        ("award_group", "service"),
        ("ministry", published.m2.code),
    ]
    pairs = [(year, group) for year in (published.year, published.previous) for group in groups]
    for year, (scope, key) in pairs[:rows]:
        Recommendation.objects.create(year=year, scope=scope, key=key, text_th="ก")

    # The session and the user; the user's and the groups' permissions; the year filter's
    # choices; the count of the rows and of all rows; the rows with their years, authors and
    # group names.
    with django_assert_num_queries(8):
        response = staff_client.get(CHANGELIST)

    assert response.status_code == 200


@pytest.mark.parametrize("user", ["respondent", "committee"])
def test_nobody_else_gets_in(client, published, member_of, committee_member, user):
    client.force_login(member_of(published.a) if user == "respondent" else committee_member)

    for url in (CHANGELIST, ADD):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))
