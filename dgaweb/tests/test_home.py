"""The home page sends each kind of user where they should go, in Thai first."""

from django.urls import reverse

from agencies.tests.factories import DepartmentFactory


def test_anonymous_visitor_sees_the_thai_home_page_with_a_way_to_log_in(client, db):
    response = client.get(reverse("home"), headers={"accept-language": "en-US,en;q=0.9"})

    page = response.content.decode()
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "th"
    assert '<html lang="th">' in page
    assert "สำรวจความพร้อมรัฐบาลดิจิทัล" in page
    assert reverse("login") in page


def test_english_is_chosen_with_the_switcher(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)

    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "Digital Government Readiness Survey" in page


def test_home_page_shows_buddhist_era_in_thai_and_common_era_in_english(client, db):
    thai = client.get(reverse("home")).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(reverse("home")).content.decode()

    assert "2558" in thai  # the survey has run every year since B.E. 2558
    assert "2015" in english
    assert "2558" not in english


def test_respondent_sees_their_own_agency_and_not_another(client, respondent, other_agency):
    client.force_login(respondent)

    page = client.get(reverse("home")).content.decode()

    assert "กรมอัลฟา" in page
    assert other_agency.name_th not in page
    assert reverse("admin:index") not in page


def test_dga_staff_are_sent_to_the_admin_with_the_registry_counts(client, dga_staff):
    DepartmentFactory.create_batch(3)
    client.force_login(dga_staff)

    response = client.get(reverse("home"))

    assert response.context["registry"]["agencies"] == 3
    assert reverse("admin:index") in response.content.decode()


def test_committee_member_is_told_where_the_shortlists_will_be(client, committee_member):
    client.force_login(committee_member)

    response = client.get(reverse("home"))

    assert reverse("awards:committee") in response.content.decode()
    assert reverse("results:dashboards") not in response.content.decode()
    assert response.context["membership"] is None
    assert "คณะกรรมการ" in response.content.decode()


def test_home_page_queries_do_not_grow_with_the_registry(
    client, dga_staff, django_assert_num_queries
):
    client.force_login(dga_staff)
    # session, user, the user's groups, membership, agency counts, province count. (The
    # committee's card asks awards.view_committee, a role-bound rule: no model permission read.)
    DepartmentFactory.create_batch(2)
    with django_assert_num_queries(6):
        client.get(reverse("home"))
    DepartmentFactory.create_batch(20)
    with django_assert_num_queries(6):
        client.get(reverse("home"))
