"""DGA staff in the admin: the categories and their rules, the 2564 set, shortlist generation,
publication, and the records nobody edits (shortlists, votes, conflicts, the audit record).
Committee members and respondents never get in; the list pages cost the same number of queries
whatever the number of rows."""

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from agencies.tests.factories import UserFactory
from awards import services
from awards.models import (
    AuditEntry,
    AwardCategory,
    Candidate,
    ConflictOfInterest,
    Shortlist,
    Vote,
)
from awards.shortlists import shortlists_generate
from surveys.models import Dimension, ResponseScore, SurveyYear
from surveys.tests.factories import DimensionFactory, QuestionFactory, SurveyYearFactory
from surveys.tests.scored import Figures, scored_year

Kind, Status = AwardCategory.Kind, AwardCategory.Status
PRESET_QUESTIONS = ("INFRA-06", "INFRA-07", "TECH-06", "TECH-07", "TECH-08")


@pytest.fixture
def staff_client(client, dga_staff):
    client.force_login(dga_staff)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def superuser_client(admin_client):
    admin_client.cookies["django_language"] = "en"
    return admin_client


@pytest.fixture
def year(departments):
    """2568, scored: three departments with a score, one invited but not scored."""
    first, second, third, unscored = departments(4)
    return scored_year(
        2568,
        {
            first: Figures("91", previous="80"),
            second: Figures("85", previous="84"),
            third: Figures("70"),
            unscored: None,
        },
    )


def category_of(year, code, *, kind=Kind.TOP_OVERALL, winners=1, order=10, **fields):
    return AwardCategory.objects.create(
        year=year,
        code=code,
        order=order,
        kind=kind,
        winners=winners,
        runners_up=fields.pop("runners_up", 1),
        name_th=f"รางวัล {code}",
        name_en=f"Award {code}",
        **fields,
    )


def finalise(*categories):
    """The chair's decision, as far as the admin is concerned: the category is closed (with no
    winners, so with the reason the chair must give for that)."""
    AwardCategory.objects.filter(pk__in=[c.pk for c in categories]).update(
        status=Status.FINALISED, finalised_at=timezone.now(), decision_reason="No award this year."
    )


def page_messages(result) -> list[str]:
    return [str(message) for message in result.context["messages"]]


def category_list(year=None) -> str:
    url = reverse("admin:awards_awardcategory_changelist")
    return f"{url}?year__id__exact={year.pk}" if year else url


# Who gets in --------------------------------------------------------------------------------------


def every_awards_url(year, category, shortlist, entry, vote, conflict) -> list[str]:
    return [
        category_list(),
        reverse("admin:awards_awardcategory_add"),
        reverse("admin:awards_awardcategory_change", args=[category.pk]),
        reverse("admin:awards_awardcategory_preset"),
        reverse("admin:awards_awardcategory_generate", args=[year.pk]),
        reverse("admin:awards_awardcategory_publish", args=[year.pk]),
        reverse("admin:awards_shortlist_changelist"),
        reverse("admin:awards_shortlist_change", args=[shortlist.pk]),
        reverse("admin:awards_auditentry_changelist"),
        reverse("admin:awards_auditentry_change", args=[entry.pk]),
        reverse("admin:awards_vote_changelist"),
        reverse("admin:awards_vote_change", args=[vote.pk]),
        reverse("admin:awards_conflictofinterest_changelist"),
        reverse("admin:awards_conflictofinterest_change", args=[conflict.pk]),
    ]


@pytest.fixture
def awards_records(year, dga_staff, committee_member, agency):
    """One of everything the awards admin shows."""
    category = category_of(year, "TOP")
    [shortlist] = shortlists_generate(year_id=year.pk, user_id=dga_staff.pk)
    vote = services.vote_cast(
        candidate=shortlist.candidates.first(), member=committee_member, choice="approve"
    )
    conflict = ConflictOfInterest.objects.create(
        year=year, member=committee_member, agency=agency, reason="ex-employee"
    )
    entry = AuditEntry.objects.get(category=category, action=AuditEntry.Action.SHORTLIST_GENERATED)
    return year, category, shortlist, entry, vote, conflict


@pytest.mark.parametrize("person", ["committee_member", "respondent"])
def test_committee_members_and_respondents_are_sent_to_the_admin_login(
    client, request, person, awards_records
):
    year = awards_records[0]
    client.force_login(request.getfixturevalue(person))
    for url in every_awards_url(*awards_records):
        result = client.get(url)
        assert result.status_code == 302, url
        assert result.url.startswith(reverse("admin:login")), url
    for name in ("generate", "publish"):
        url = reverse(f"admin:awards_awardcategory_{name}", args=[year.pk])
        assert client.post(url).url.startswith(reverse("admin:login"))
    assert Shortlist.objects.filter(category__year=year).count() == 1
    year.refresh_from_db()
    assert not year.is_published


def test_dga_staff_read_every_awards_page(staff_client, awards_records):
    for url in every_awards_url(*awards_records):
        assert staff_client.get(url).status_code == 200, url


def test_staff_without_the_publish_permission_get_403_on_publish(client, year):
    category = category_of(year, "TOP")
    finalise(category)
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="awards",
            codename__in=["view_awardcategory", "change_awardcategory"],
        )
    )
    client.force_login(clerk)
    publish_url = reverse("admin:awards_awardcategory_publish", args=[year.pk])
    assert client.get(publish_url).status_code == 403
    assert client.post(publish_url).status_code == 403
    year.refresh_from_db()
    assert not year.is_published
    year_list = client.get(category_list(year))
    assert publish_url not in year_list.text
    generate_url = reverse("admin:awards_awardcategory_generate", args=[year.pk])
    assert generate_url in year_list.text  # generating needs the change permission only


def test_staff_who_may_only_view_categories_get_403_on_generation_and_the_preset(
    client, year, django_capture_on_commit_callbacks
):
    category_of(year, "TOP")
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_awardcategory"))
    client.force_login(clerk)
    assert client.get(category_list(year)).status_code == 200
    with django_capture_on_commit_callbacks() as callbacks:
        assert client.post(reverse("admin:awards_awardcategory_preset")).status_code == 403
        generate_url = reverse("admin:awards_awardcategory_generate", args=[year.pk])
        assert client.get(generate_url).status_code == 403
        assert client.post(generate_url).status_code == 403
    assert callbacks == []
    assert AwardCategory.objects.filter(year=year).count() == 1


# Categories ---------------------------------------------------------------------------------------


def test_the_category_list_shows_each_current_shortlist_and_whether_it_is_stale(
    staff_client, year, dga_staff
):
    top = category_of(year, "TOP", order=10)
    category_of(year, "IMPROVED", kind=Kind.MOST_IMPROVED, order=20)
    [shortlist] = shortlists_generate(year_id=year.pk, user_id=dga_staff.pk, category_ids=[top.pk])

    result = staff_client.get(category_list(year))

    assert result.status_code == 200
    rows = {category.code: category for category in result.context["cl"].result_list}
    assert (rows["TOP"].current_shortlist, rows["TOP"].shortlist_is_stale) == (shortlist, False)
    assert (rows["IMPROVED"].current_shortlist, rows["IMPROVED"].shortlist_is_stale) == (None, None)
    assert reverse("admin:awards_shortlist_change", args=[shortlist.pk]) in result.text
    assert "Award TOP" in result.text
    assert "delete_selected" not in result.text

    # A score written after the shortlist makes it stale.
    ResponseScore.objects.filter(run__year=year).update(
        scored_at=shortlist.scores_as_of + timedelta(minutes=5)
    )
    rows = {c.code: c for c in staff_client.get(category_list(year)).context["cl"].result_list}
    assert rows["TOP"].shortlist_is_stale is True


def test_the_only_year_with_categories_gets_its_buttons_without_a_filter(staff_client, year):
    """Django hides the year filter when there is one year: the buttons must not hide too."""
    category_of(year, "TOP")
    unfiltered = staff_client.get(category_list())
    assert "Publish results of 2568" in unfiltered.text
    assert reverse("admin:awards_awardcategory_generate", args=[year.pk]) in unfiltered.text


def test_the_category_list_offers_the_year_wide_buttons_when_filtered_by_a_year(staff_client, year):
    category_of(year, "TOP")
    category_of(SurveyYearFactory(year=2567, status="scored"), "TOP")
    unfiltered = staff_client.get(category_list())
    assert reverse("admin:awards_awardcategory_preset") in unfiltered.text
    assert "Choose a survey year in the filter" in unfiltered.text
    filtered = staff_client.get(category_list(year))
    assert reverse("admin:awards_awardcategory_generate", args=[year.pk]) in filtered.text
    assert reverse("admin:awards_awardcategory_publish", args=[year.pk]) in filtered.text
    assert "Generate shortlists of 2568" in filtered.text
    assert "Publish results of 2568" in filtered.text


@pytest.mark.parametrize("count", [2, 6])
def test_the_category_list_costs_the_same_queries_at_any_size(
    staff_client, year, dga_staff, django_assert_num_queries, count
):
    for number in range(count):
        category_of(year, f"C{number}", order=number)
    shortlists_generate(year_id=year.pk, user_id=dga_staff.pk)
    # session, user, the user's own and groups' permissions (2), the filtered year, the count,
    # the total count, the page of categories with their year, their current shortlists, the
    # current runs (staleness), the year filter's choices.
    with django_assert_num_queries(11):
        result = staff_client.get(category_list(year))
    assert len(result.context["cl"].result_list) == count


def test_the_form_offers_the_dimensions_and_questions_of_the_categorys_year_only(
    staff_client, year
):
    category = category_of(year, "FOCUS", kind=Kind.FOCUS)
    own = QuestionFactory(year=year, dimension=year.dimensions.get(code="POLICY"), code="OWN-1")
    QuestionFactory(code="ELSEWHERE")  # another year's
    result = staff_client.get(reverse("admin:awards_awardcategory_change", args=[category.pk]))
    form = result.context["adminform"].form
    assert list(form.fields["focus_questions"].queryset) == [own]
    assert list(form.fields["criterion_question"].queryset) == [own]
    assert [d.code for d in form.fields["focus_dimensions"].queryset] == ["POLICY", "SERVICE"]
    assert [d.code for d in form.fields["tiebreak_dimension"].queryset] == ["POLICY", "SERVICE"]
    assert "year" not in form.fields  # a category stays in its year


def test_adding_a_category_from_a_years_list_starts_in_that_year(staff_client, year):
    filters = f"year__id__exact%3D{year.pk}"
    result = staff_client.get(
        f"{reverse('admin:awards_awardcategory_add')}?_changelist_filters={filters}"
    )
    form = result.context["adminform"].form
    assert form.initial["year"] == year.pk
    assert {d.year_id for d in form.fields["focus_dimensions"].queryset} == {year.pk}


def category_form(year, **fields) -> dict:
    data = {
        "year": year.pk, "code": "NEW", "order": 5, "name_th": "รางวัลใหม่", "name_en": "New award",
        "rule_th": "", "rule_en": "", "kind": Kind.TOP_OVERALL, "winners": 1, "runners_up": 3,
        "minimum_score": "", "level": "", "award_group": "", "ministry": "", "province": "",
        "criterion_question": "", "criterion_value": "", "tiebreak_dimension": "", "quorum": 3,
        "focus_dimensions": [], "focus_questions": [],
    }  # fmt: skip
    return data | fields


def test_the_form_shows_the_rules_errors_and_saves_a_valid_category(staff_client, year):
    add_url = reverse("admin:awards_awardcategory_add")
    other_dimension = DimensionFactory(code="ELSEWHERE")

    threshold = staff_client.post(add_url, category_form(year, kind=Kind.THRESHOLD))
    errors = threshold.context["adminform"].form.errors
    assert errors["criterion_question"] == ["A threshold category needs a question."]
    assert errors["criterion_value"] == ["A threshold category needs the answer to meet."]

    question = QuestionFactory(year=year, dimension=year.dimensions.first(), code="HAS-API")
    wrong_answer = staff_client.post(
        add_url,
        category_form(
            year,
            kind=Kind.THRESHOLD,
            criterion_question=question.pk,
            criterion_value="maybe",
            focus_dimensions=[other_dimension.pk],
        ),
    )
    errors = wrong_answer.context["adminform"].form.errors
    assert errors["criterion_value"] == [
        "“maybe” is not an answer of HAS-API; choose one of: yes, no."
    ]
    assert len(errors["focus_dimensions"]) == 1  # another year's dimension is not offered
    assert not AwardCategory.objects.filter(code="NEW").exists()

    tiebreak = Dimension.objects.get(year=year, code="POLICY")
    saved = staff_client.post(
        add_url,
        category_form(
            year,
            kind=Kind.THRESHOLD,
            criterion_question=question.pk,
            criterion_value="yes",
            tiebreak_dimension=tiebreak.pk,
        ),
    )
    assert saved.status_code == 302
    category = AwardCategory.objects.get(year=year, code="NEW")
    assert (category.criterion_question, category.criterion_value) == (question, "yes")
    assert category.tiebreak_dimension == tiebreak


def test_a_finalised_category_is_read_only_and_no_category_is_ever_deleted(
    staff_client, superuser_client, year
):
    category = category_of(year, "TOP", winners=2)
    finalise(category)
    change_url = reverse("admin:awards_awardcategory_change", args=[category.pk])

    page = staff_client.get(change_url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    assert "Award TOP" in page.text
    refused = staff_client.post(change_url, category_form(year, code="TOP", winners=9))
    assert refused.status_code == 403
    category.refresh_from_db()
    assert category.winners == 2

    delete_url = reverse("admin:awards_awardcategory_delete", args=[category.pk])
    assert superuser_client.post(delete_url, {"post": "yes"}).status_code == 403
    open_one = category_of(year, "OPEN")
    open_page = staff_client.get(reverse("admin:awards_awardcategory_change", args=[open_one.pk]))
    assert 'name="_save"' in open_page.text
    open_delete = reverse("admin:awards_awardcategory_delete", args=[open_one.pk])
    assert superuser_client.post(open_delete, {"post": "yes"}).status_code == 403
    assert AwardCategory.objects.filter(year=year).count() == 2


# The 2564 set -------------------------------------------------------------------------------------


@pytest.fixture
def year_with_the_preset_questions(db):
    year = SurveyYearFactory(year=2568)
    dimension = DimensionFactory(year=year, code="SERVICE")
    for code in PRESET_QUESTIONS:
        QuestionFactory(year=year, dimension=dimension, code=code)
    return year


def test_dga_staff_create_the_2564_set_for_a_year(staff_client, year_with_the_preset_questions):
    year = year_with_the_preset_questions
    preset_url = reverse("admin:awards_awardcategory_preset")
    assert staff_client.get(preset_url).status_code == 200

    result = staff_client.post(preset_url, {"year": year.pk}, follow=True)

    assert result.redirect_chain[-1][0] == category_list(year)
    assert page_messages(result) == ["9 categories created for 2568."]
    categories = AwardCategory.objects.filter(year=year)
    assert categories.count() == 9
    open_data = categories.get(code="OPEN-DATA")
    assert sorted(open_data.focus_questions.values_list("code", flat=True)) == [
        "TECH-06", "TECH-07", "TECH-08",
    ]  # fmt: skip
    assert open_data.tiebreak_dimension.code == "SERVICE"

    again = staff_client.post(preset_url, {"year": year.pk}, follow=True)
    assert page_messages(again) == ["2568 has every category of the 2564 set already."]
    assert categories.count() == 9


def test_the_2564_set_is_refused_for_a_year_without_its_questions(staff_client, db):
    year = SurveyYearFactory(year=2568)
    QuestionFactory(year=year, dimension=DimensionFactory(year=year), code="INFRA-06")
    result = staff_client.post(reverse("admin:awards_awardcategory_preset"), {"year": year.pk})
    assert result.status_code == 200
    assert page_messages(result) == [
        "2568 has no question INFRA-07, TECH-06, TECH-07, TECH-08, which the 2564 special "
        "awards score on. Import them into the questionnaire, or create those categories by hand."
    ]
    assert not AwardCategory.objects.filter(year=year).exists()


# Generating shortlists ----------------------------------------------------------------------------


def test_generating_for_a_year_not_scored_is_refused_with_the_reason(
    staff_client, year, django_capture_on_commit_callbacks
):
    category_of(year, "TOP")
    SurveyYear.objects.filter(pk=year.pk).update(status=SurveyYear.Status.CLOSED)
    generate_url = reverse("admin:awards_awardcategory_generate", args=[year.pk])
    assert staff_client.get(generate_url).status_code == 200  # the confirmation page

    with django_capture_on_commit_callbacks() as callbacks:
        result = staff_client.post(generate_url, follow=True)

    assert result.redirect_chain[-1][0] == category_list(year)
    assert page_messages(result) == [
        "2568 is closed: shortlists are generated once its scores are final (status “scored”)."
    ]
    assert callbacks == []
    assert not Shortlist.objects.exists()


def test_generating_for_a_scored_year_queues_the_work_on_commit(
    staff_client, year, django_capture_on_commit_callbacks
):
    category_of(year, "TOP", order=10)
    category_of(year, "IMPROVED", kind=Kind.MOST_IMPROVED, order=20)
    finalise(category_of(year, "DONE", order=30))
    generate_url = reverse("admin:awards_awardcategory_generate", args=[year.pk])
    confirmation = staff_client.get(generate_url)
    assert [c.code for c in confirmation.context["open_categories"]] == ["TOP", "IMPROVED"]

    # The worker generates them (test_tasks.py): here, the task waits for the commit.
    with django_capture_on_commit_callbacks() as callbacks:
        result = staff_client.post(generate_url, follow=True)

    assert len(callbacks) == 1
    shortlist_list = reverse("admin:awards_shortlist_changelist")
    assert page_messages(result) == [
        "Generating the shortlists of 2 categories of 2568: they appear in the list once a "
        f'worker has made them. <a href="{shortlist_list}?category__year__id__exact={year.pk}'
        '&amp;is_current__exact=1">Current shortlists</a>'
    ]
    assert not Shortlist.objects.exists()


def test_generating_the_selected_categories_leaves_finalised_ones_out(
    staff_client, year, django_capture_on_commit_callbacks
):
    top = category_of(year, "TOP", order=10)
    done = category_of(year, "DONE", order=30)
    finalise(done)
    with django_capture_on_commit_callbacks() as callbacks:
        result = staff_client.post(
            category_list(year),
            {"action": "generate_selected", ACTION_CHECKBOX_NAME: [top.pk, done.pk]},
            follow=True,
        )
    messages = page_messages(result)
    assert messages[0] == (
        "Finalised categories keep their shortlist and were left out: Award DONE."
    )
    assert messages[1].startswith(
        "Generating the shortlist of 1 category of 2568: it appears in the list once a worker "
        "has made it."
    )
    assert len(callbacks) == 1


def test_generating_the_selected_categories_of_a_year_not_scored_is_refused(
    staff_client, year, django_capture_on_commit_callbacks
):
    top = category_of(year, "TOP")
    SurveyYear.objects.filter(pk=year.pk).update(status=SurveyYear.Status.OPEN)
    with django_capture_on_commit_callbacks() as callbacks:
        result = staff_client.post(
            category_list(year),
            {"action": "generate_selected", ACTION_CHECKBOX_NAME: [top.pk]},
            follow=True,
        )
    assert page_messages(result) == [
        "2568 is open: shortlists are generated once its scores are final (status “scored”)."
    ]
    assert callbacks == []


def test_a_year_without_open_categories_queues_nothing(
    staff_client, year, django_capture_on_commit_callbacks
):
    finalise(category_of(year, "DONE"))
    generate_url = reverse("admin:awards_awardcategory_generate", args=[year.pk])
    with django_capture_on_commit_callbacks() as callbacks:
        result = staff_client.post(generate_url, follow=True)
    assert page_messages(result) == ["2568 has no open category to generate a shortlist for."]
    assert callbacks == []


UP_TO_DATE = (
    "The shortlist of Award TOP is up to date with the scores: regenerating it would restart "
    "the committee's votes. It can be regenerated once the scores change."
)


def queued(year, count) -> str:
    shortlist_list = reverse("admin:awards_shortlist_changelist")
    link = (
        f'<a href="{shortlist_list}?category__year__id__exact={year.pk}&amp;is_current__exact=1">'
        "Current shortlists</a>"
    )
    if count == 1:
        return (
            f"Generating the shortlist of 1 category of {year.year}: it appears in the list once "
            f"a worker has made it. {link}"
        )
    return (
        f"Generating the shortlists of {count} categories of {year.year}: they appear in the "
        f"list once a worker has made them. {link}"
    )


def test_generating_the_year_leaves_up_to_date_shortlists_as_they_are_and_says_so(
    staff_client, year, dga_staff, django_capture_on_commit_callbacks
):
    top = category_of(year, "TOP", order=10)
    category_of(year, "IMPROVED", kind=Kind.MOST_IMPROVED, order=20)
    shortlists_generate(year_id=year.pk, user_id=dga_staff.pk, category_ids=[top.pk])
    generate_url = reverse("admin:awards_awardcategory_generate", args=[year.pk])
    confirmation = staff_client.get(generate_url)
    assert [c.code for c in confirmation.context["up_to_date"]] == ["TOP"]
    assert (
        "These shortlists are up to date with the scores and will be left as they are, with "
        "the committee's votes on them: Award TOP." in confirmation.text
    )

    with django_capture_on_commit_callbacks() as callbacks:
        result = staff_client.post(generate_url, follow=True)

    assert len(callbacks) == 1
    assert page_messages(result) == [
        queued(year, 1),
        "Left as it is: Award TOP. Its shortlist is up to date with the scores, and "
        "regenerating it would restart the committee's votes.",
    ]


def test_generating_a_year_whose_shortlists_are_all_up_to_date_is_refused_with_the_reason(
    staff_client, year, dga_staff, django_capture_on_commit_callbacks
):
    category_of(year, "TOP")
    shortlists_generate(year_id=year.pk, user_id=dga_staff.pk)
    generate_url = reverse("admin:awards_awardcategory_generate", args=[year.pk])

    with django_capture_on_commit_callbacks() as callbacks:
        result = staff_client.post(generate_url, follow=True)

    assert page_messages(result) == [UP_TO_DATE]
    assert callbacks == []
    assert Shortlist.objects.count() == 1


def test_generating_selected_categories_with_an_up_to_date_shortlist_is_refused(
    staff_client, year, dga_staff, django_capture_on_commit_callbacks
):
    top = category_of(year, "TOP", order=10)
    improved = category_of(year, "IMPROVED", kind=Kind.MOST_IMPROVED, order=20)
    shortlists_generate(year_id=year.pk, user_id=dga_staff.pk, category_ids=[top.pk])

    with django_capture_on_commit_callbacks() as callbacks:
        result = staff_client.post(
            category_list(year),
            {"action": "generate_selected", ACTION_CHECKBOX_NAME: [top.pk, improved.pk]},
            follow=True,
        )

    assert page_messages(result) == [UP_TO_DATE]
    assert callbacks == []


def test_a_stale_shortlist_is_regenerated_from_the_admin(
    staff_client, year, dga_staff, django_capture_on_commit_callbacks
):
    top = category_of(year, "TOP")
    [shortlist] = shortlists_generate(year_id=year.pk, user_id=dga_staff.pk)
    ResponseScore.objects.filter(run__year=year).update(
        scored_at=shortlist.scores_as_of + timedelta(minutes=5)
    )

    with django_capture_on_commit_callbacks() as callbacks:
        result = staff_client.post(
            category_list(year),
            {"action": "generate_selected", ACTION_CHECKBOX_NAME: [top.pk]},
            follow=True,
        )

    assert page_messages(result) == [queued(year, 1)]
    assert len(callbacks) == 1


# Publishing ---------------------------------------------------------------------------------------


def test_publishing_is_refused_while_a_category_is_open(staff_client, year):
    done = category_of(year, "DONE", order=10)
    category_of(year, "TOP", order=20)
    category_of(year, "IMPROVED", kind=Kind.MOST_IMPROVED, order=30)
    finalise(done)
    publish_url = reverse("admin:awards_awardcategory_publish", args=[year.pk])
    confirmation = staff_client.get(publish_url)
    assert "2 categories are not finalised yet; publishing will be refused." in confirmation.text

    result = staff_client.post(publish_url, follow=True)

    assert result.redirect_chain[-1][0] == category_list(year)
    assert page_messages(result) == [
        "These categories are not finalised yet: Award TOP, Award IMPROVED."
    ]
    year.refresh_from_db()
    assert not year.is_published
    year.refresh_from_db()
    assert year.status == SurveyYear.Status.SCORED


def test_publishing_a_year_whose_categories_are_all_finalised(staff_client, year, dga_staff):
    finalise(category_of(year, "TOP", order=10), category_of(year, "IMPROVED", order=20))
    publish_url = reverse("admin:awards_awardcategory_publish", args=[year.pk])
    assert "Yes, publish" in staff_client.get(publish_url).text

    result = staff_client.post(publish_url, follow=True)

    assert page_messages(result) == ["The awards of 2568 are published."]
    year.refresh_from_db()
    assert year.published_by == dga_staff
    assert year.status == SurveyYear.Status.PUBLISHED
    entry = AuditEntry.objects.get(year=year, action=AuditEntry.Action.PUBLISHED)
    assert entry.actor == dga_staff

    again = staff_client.post(publish_url, follow=True)
    assert page_messages(again) == ["2568 is published already."]
    assert "Yes, publish" not in staff_client.get(publish_url).text


def test_the_publish_page_warns_of_winners_without_an_english_name(
    staff_client, year, committee_member, chair
):
    top = category_of(year, "TOP", order=10, quorum=1)
    leader = category_of(year, "LEADER", kind=Kind.NOMINATION, order=20, winners=2, quorum=1)
    shortlists_generate(year_id=year.pk)
    services.nominee_add(category=leader, member=committee_member, nominee="นางสาวสมศรี ใจดี")
    services.nominee_add(category=leader, member=committee_member, nominee="Mr Somchai Jaidee")
    for category in (top, leader):
        candidates = Candidate.objects.filter(
            shortlist__category=category, shortlist__is_current=True
        )
        for candidate in candidates:
            services.vote_cast(candidate=candidate, member=committee_member, choice="approve")
        services.category_finalise(
            category=category,
            chair=chair,
            winner_ids=[c.pk for c in candidates if c.standing in ("proposed", "nominee")],
        )
    publish_url = reverse("admin:awards_awardcategory_publish", args=[year.pk])

    page = staff_client.get(publish_url)

    assert [
        (result.category.code, [winner.name_th for winner in result.winners])
        for result in page.context["without_english_name"]
    ] == [("LEADER", ["นางสาวสมศรี ใจดี"])]
    text = " ".join(page.text.split())
    assert (
        "These winners have no English name: the English side of their certificates will give "
        "the award alone, and the English column of the exports will be empty for them. "
        "Publishing goes ahead all the same." in text
    )
    assert "Award LEADER: นางสาวสมศรี ใจดี" in text
    assert "Yes, publish" in text  # a warning, not a refusal
    assert "Mr Somchai Jaidee" not in text

    staff_client.post(publish_url)
    year.refresh_from_db()
    assert year.is_published
    assert "These winners have no English name" not in staff_client.get(publish_url).text


def test_the_publish_page_warns_of_nothing_when_every_winner_has_an_english_name(
    staff_client, year
):
    finalise(category_of(year, "TOP"))
    page = staff_client.get(reverse("admin:awards_awardcategory_publish", args=[year.pk]))
    assert page.context["without_english_name"] == []
    assert "These winners have no English name" not in page.text


# Records nobody edits -----------------------------------------------------------------------------


def test_the_shortlist_page_shows_its_candidates_and_exclusions(staff_client, year, dga_staff):
    category = category_of(year, "TOP", winners=1, runners_up=1)
    [shortlist] = shortlists_generate(year_id=year.pk, user_id=dga_staff.pk)
    page = staff_client.get(reverse("admin:awards_shortlist_change", args=[shortlist.pk]))
    assert page.status_code == 200
    text = " ".join(page.text.split())
    winner, runner_up = shortlist.candidates.order_by("order")
    assert (winner.standing, runner_up.standing) == ("proposed", "runner_up")
    assert winner.agency.name_en in text
    assert "91.00" in text
    assert "Proposed winner" in text
    assert "No score this year: 1" in text
    assert 'name="_save"' not in page.text
    assert f"#{shortlist.run_id}" in text
    listing = staff_client.get(
        reverse("admin:awards_shortlist_changelist"), {"category__id__exact": category.pk}
    )
    [row] = listing.context["cl"].result_list
    assert (row, row.is_stale) == (shortlist, False)


@pytest.mark.parametrize("count", [1, 4])
def test_the_shortlist_list_costs_the_same_queries_at_any_size(
    staff_client, year, dga_staff, django_assert_num_queries, count
):
    for number in range(count):
        category_of(year, f"C{number}", order=number)
    shortlists_generate(year_id=year.pk, user_id=dga_staff.pk)
    # session, user, the user's own and groups' permissions (2), the count, the total count,
    # the page of shortlists with their category, year and author, the current runs (staleness),
    # the year filter's choices, the category filter's choices.
    with django_assert_num_queries(10):
        result = staff_client.get(reverse("admin:awards_shortlist_changelist"))
    assert len(result.context["cl"].result_list) == count


def test_nobody_adds_changes_or_deletes_the_records_not_even_a_superuser(
    superuser_client, awards_records
):
    _year, _category, shortlist, entry, vote, conflict = awards_records
    for model, record in (
        ("shortlist", shortlist),
        ("auditentry", entry),
        ("vote", vote),
        ("conflictofinterest", conflict),
    ):
        assert superuser_client.get(reverse(f"admin:awards_{model}_add")).status_code == 403
        change_url = reverse(f"admin:awards_{model}_change", args=[record.pk])
        page = superuser_client.get(change_url)
        assert page.status_code == 200, model
        assert 'name="_save"' not in page.text, model
        assert superuser_client.post(change_url, {}).status_code == 403, model
        delete_url = reverse(f"admin:awards_{model}_delete", args=[record.pk])
        assert superuser_client.post(delete_url, {"post": "yes"}).status_code == 403, model
        listing = superuser_client.get(reverse(f"admin:awards_{model}_changelist"))
        assert "delete_selected" not in listing.text, model
    assert Vote.objects.filter(pk=vote.pk).exists()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_database_refuses_to_change_or_delete_an_audit_entry(awards_records):
    entry = awards_records[3]
    with pytest.raises(DatabaseError, match="append-only: DELETE refused"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(DatabaseError, match="append-only: UPDATE refused"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(summary="rewritten")
    entry.refresh_from_db()
    assert entry.summary.startswith("Shortlist generated from scoring run")


def test_dga_staff_read_and_search_the_audit_record(staff_client, awards_records):
    year, category = awards_records[:2]
    url = reverse("admin:awards_auditentry_changelist")
    everything = staff_client.get(url)
    actions = [entry.action for entry in everything.context["cl"].result_list]
    assert actions == ["vote_cast", "generated"]  # newest first
    searched = staff_client.get(url, {"q": "generated from scoring run"})
    assert [e.action for e in searched.context["cl"].result_list] == ["generated"]
    by_action = staff_client.get(url, {"action__exact": "vote_cast"})
    assert by_action.context["cl"].result_count == 1
    by_category = staff_client.get(url, {"category__id__exact": category.pk})
    assert by_category.context["cl"].result_count == 2
    by_year = staff_client.get(url, {"year__id__exact": year.pk})
    assert by_year.context["cl"].result_count == 2


@pytest.mark.parametrize("count", [1, 5])
def test_the_audit_list_costs_the_same_queries_at_any_size(
    staff_client, year, dga_staff, django_assert_num_queries, count
):
    for number in range(count):
        category_of(year, f"C{number}", order=number)
    shortlists_generate(year_id=year.pk, user_id=dga_staff.pk)
    # session, user, the user's own and groups' permissions (2), the count, the total count,
    # the page of entries with their author, year and category, the year and category filters'
    # choices.
    with django_assert_num_queries(9):
        result = staff_client.get(reverse("admin:awards_auditentry_changelist"))
    assert len(result.context["cl"].result_list) == count
