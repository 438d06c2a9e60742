"""DGA staff in the admin start a recompute, follow its progress and read its results and scores;
nobody else gets in, and the score list and the results page cost the same number of queries
whatever the number of scores and groups."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from agencies.tests.factories import DepartmentFactory, ProvincialUnitFactory, UserFactory
from surveys import scores
from surveys.models import Answer, Response, ResponseScore, ScoringRun, SurveyYear
from surveys.templatetags.scores import duration, score, signed_score

from .factories import ResponseFactory

D = Decimal


@pytest.fixture
def staff_client(client, dga_staff):
    client.force_login(dga_staff)
    client.cookies["django_language"] = "en"
    return client


def submit(response, answers=None):
    """Answer some of the questionnaire by code and submit the response."""
    questions = {question.code: question for question in response.year.questions.all()}
    for code, value in (answers or {}).items():
        Answer.objects.create(response=response, question=questions[code], value=value)
    response.status = Response.Status.SUBMITTED
    response.submitted_at = timezone.now()
    response.save()
    return response


def scored_run(year, count: int) -> ScoringRun:
    """`count` submitted responses, half departments (each of its own ministry) and half
    provincial units (each of its own province and unit type), scored into the year's current
    run: the groups grow with the responses."""
    responses = []
    for number in range(count):
        agency = DepartmentFactory() if number % 2 else ProvincialUnitFactory()
        answers = {"HASPLAN": "yes", "CHOICE": ["none", "partial", "full"][number % 3]}
        responses.append(submit(ResponseFactory(year=year, agency=agency), answers))
    return scores.scores_update(year_id=year.pk, response_ids=[r.pk for r in responses])


def recompute(year) -> ScoringRun:
    """Start a recompute and score its chunks here, as the workers would, then finish it."""
    run = scores.scoring_run_start(year=year)
    for number in range(1, run.chunks_total + 1):
        scores.scoring_chunk_begin(run_id=run.pk, number=number)
        scores.scoring_chunk_score(run_id=run.pk, number=number)
    return scores.scoring_run_finish(run_id=run.pk)


def run_urls(run) -> list[str]:
    return [
        reverse("admin:surveys_scoringrun_changelist"),
        reverse("admin:surveys_scoringrun_change", args=[run.pk]),
        reverse("admin:surveys_scoringrun_progress", args=[run.pk]),
        reverse("admin:surveys_scoringrun_results", args=[run.pk]),
        reverse("admin:surveys_responsescore_changelist"),
    ]


def page_messages(result) -> list[str]:
    return [str(message) for message in result.context["messages"]]


# Who gets in --------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_admin_login(client, open_year):
    run = scored_run(open_year, 1)
    recompute_url = reverse("admin:surveys_surveyyear_recompute", args=[open_year.pk])
    for url in run_urls(run):
        result = client.get(url)
        assert result.status_code == 302, url
        assert result.url.startswith(reverse("admin:login")), url
    assert client.post(recompute_url).url.startswith(reverse("admin:login"))
    assert not ScoringRun.objects.filter(trigger=ScoringRun.Trigger.RECOMPUTE).exists()


@pytest.mark.parametrize("person", ["respondent", "committee_member"])
def test_respondents_and_committee_members_are_sent_to_the_admin_login(
    client, request, person, open_year
):
    run = scored_run(open_year, 1)
    client.force_login(request.getfixturevalue(person))
    for url in run_urls(run):
        result = client.get(url)
        assert result.status_code == 302, url
        assert result.url.startswith(reverse("admin:login")), url
    client.post(reverse("admin:surveys_surveyyear_recompute", args=[open_year.pk]))
    assert not ScoringRun.objects.filter(trigger=ScoringRun.Trigger.RECOMPUTE).exists()


def test_dga_staff_see_the_runs_a_runs_progress_and_fragment_its_results_and_scores(
    staff_client, open_year
):
    run = scored_run(open_year, 2)
    for url in run_urls(run):
        assert staff_client.get(url).status_code == 200, url
    response_score = run.scores.first()
    score_url = reverse("admin:surveys_responsescore_change", args=[response_score.pk])
    assert staff_client.get(score_url).status_code == 200


def test_staff_without_the_scoring_permissions_are_refused_every_page_and_the_fragment(
    client, open_year
):
    run = scored_run(open_year, 1)
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_surveyyear"))
    client.force_login(clerk)
    for url in run_urls(run):
        assert client.get(url).status_code == 403, url
    year_page = client.get(reverse("admin:surveys_surveyyear_change", args=[open_year.pk]))
    assert "Recompute scores" not in year_page.text
    recompute_url = reverse("admin:surveys_surveyyear_recompute", args=[open_year.pk])
    assert client.post(recompute_url).status_code == 403


def test_nobody_adds_changes_or_deletes_runs_or_scores_not_even_a_superuser(
    admin_client, open_year
):
    run = scored_run(open_year, 1)
    response_score = run.scores.get()
    assert admin_client.get(reverse("admin:surveys_scoringrun_add")).status_code == 403
    assert admin_client.get(reverse("admin:surveys_responsescore_add")).status_code == 403
    delete_run = reverse("admin:surveys_scoringrun_delete", args=[run.pk])
    assert admin_client.post(delete_run, {"post": "yes"}).status_code == 403
    delete_score = reverse("admin:surveys_responsescore_delete", args=[response_score.pk])
    assert admin_client.post(delete_score, {"post": "yes"}).status_code == 403
    score_page = admin_client.get(
        reverse("admin:surveys_responsescore_change", args=[response_score.pk])
    )
    assert 'name="_save"' not in score_page.text
    assert ScoringRun.objects.filter(pk=run.pk).exists()


# Starting a recompute -----------------------------------------------------------------------------


def test_the_year_page_shows_its_current_run_and_the_recompute_button(staff_client, open_year):
    run = scored_run(open_year, 1)
    result = staff_client.get(reverse("admin:surveys_surveyyear_change", args=[open_year.pk]))
    assert reverse("admin:surveys_scoringrun_change", args=[run.pk]) in result.text
    recompute_url = reverse("admin:surveys_surveyyear_recompute", args=[open_year.pk])
    assert f'action="{recompute_url}"' in result.text
    assert 'name="csrfmiddlewaretoken"' in result.text
    year_list = staff_client.get(reverse("admin:surveys_surveyyear_changelist"))
    assert reverse("admin:surveys_scoringrun_change", args=[run.pk]) in year_list.text


def test_the_recompute_button_starts_a_run_and_shows_its_progress(
    staff_client, dga_staff, open_year, response
):
    submit(response)
    recompute_url = reverse("admin:surveys_surveyyear_recompute", args=[open_year.pk])
    assert staff_client.get(recompute_url).status_code == 405
    result = staff_client.post(recompute_url)
    run = ScoringRun.objects.get(year=open_year, status=ScoringRun.Status.RUNNING)
    assert result.status_code == 302
    assert result.url == reverse("admin:surveys_scoringrun_change", args=[run.pk])
    assert (run.trigger, run.started_by, run.responses_total) == ("recompute", dga_staff, 1)
    year_page = staff_client.get(reverse("admin:surveys_surveyyear_change", args=[open_year.pk]))
    assert f"Recompute #{run.pk} is running" in year_page.text


def test_the_recompute_action_starts_a_run_per_year_and_links_to_its_progress(
    staff_client, open_year, response
):
    submit(response)
    result = staff_client.post(
        reverse("admin:surveys_surveyyear_changelist"),
        {"action": "recompute_scores", ACTION_CHECKBOX_NAME: [open_year.pk]},
        follow=True,
    )
    run = ScoringRun.objects.get(year=open_year, status=ScoringRun.Status.RUNNING)
    progress_url = reverse("admin:surveys_scoringrun_change", args=[run.pk])
    assert page_messages(result) == [
        "Recomputing the scores of 2569: 1 submitted response. "
        f'<a href="{progress_url}">Follow its progress</a>'
    ]
    assert f'<a href="{progress_url}">' in result.text  # a link, not escaped text


def test_a_recompute_while_one_is_running_is_refused_with_the_year(staff_client, open_year):
    scores.scoring_run_start(year=open_year)
    recompute_url = reverse("admin:surveys_surveyyear_recompute", args=[open_year.pk])
    result = staff_client.post(recompute_url, follow=True)
    assert result.redirect_chain[-1][0] == reverse(
        "admin:surveys_surveyyear_change", args=[open_year.pk]
    )
    [message] = [m for m in page_messages(result) if "already running" in m]
    assert message.startswith("A recompute of 2569 is already running (started ")
    assert ScoringRun.objects.filter(year=open_year).count() == 1


def test_a_year_whose_weights_do_not_add_up_to_100_is_refused_with_the_sum(staff_client, open_year):
    open_year.dimensions.filter(code="SECOND").update(weight=D("35.5"))
    result = staff_client.post(
        reverse("admin:surveys_surveyyear_changelist"),
        {"action": "recompute_scores", ACTION_CHECKBOX_NAME: [open_year.pk]},
        follow=True,
    )
    assert page_messages(result) == [
        "2569 cannot be scored: its dimension weights add up to 95.5, not 100 "
        "(FIRST 60, SECOND 35.5)."
    ]
    assert not ScoringRun.objects.filter(year=open_year).exists()


def test_a_published_year_is_refused_with_the_reason(staff_client, open_year):
    SurveyYear.objects.filter(pk=open_year.pk).update(
        status=SurveyYear.Status.PUBLISHED, published_at=timezone.now()
    )
    recompute_url = reverse("admin:surveys_surveyyear_recompute", args=[open_year.pk])
    result = staff_client.post(recompute_url, follow=True)
    assert "2569 is published: only an open, closed or scored year can be recomputed." in (
        page_messages(result)
    )
    assert not ScoringRun.objects.filter(year=open_year).exists()


# Following a run ----------------------------------------------------------------------------------


def test_the_progress_page_polls_while_the_run_runs_and_stops_when_it_is_complete(
    staff_client, open_year, response, other_response
):
    submit(response)
    submit(other_response)
    run = scores.scoring_run_start(year=open_year, chunk_size=1)
    page_url = reverse("admin:surveys_scoringrun_change", args=[run.pk])
    fragment_url = reverse("admin:surveys_scoringrun_progress", args=[run.pk])
    scores.scoring_chunk_begin(run_id=run.pk, number=1)
    scores.scoring_chunk_score(run_id=run.pk, number=1)

    page = staff_client.get(page_url)
    assert page.status_code == 200
    assert 'hx-trigger="every 1s"' in page.text
    assert f'hx-get="{fragment_url}"' in page.text
    assert '<progress class="progress-meter" max="100" value="50"' in page.text
    text = " ".join(page.text.split())
    assert "<strong>1</strong> of <strong>2</strong> chunks done (50 %)" in text
    fragment = staff_client.get(fragment_url)
    assert fragment.text.startswith('<section id="scoring-progress"')
    assert 'hx-trigger="every 1s"' in fragment.text
    assert "<html" not in fragment.text

    scores.scoring_chunk_begin(run_id=run.pk, number=2)
    scores.scoring_chunk_score(run_id=run.pk, number=2)
    scores.scoring_run_finish(run_id=run.pk)
    fragment = staff_client.get(fragment_url)
    assert "hx-trigger" not in fragment.text
    assert 'value="100"' in fragment.text
    assert reverse("admin:surveys_scoringrun_results", args=[run.pk]) in fragment.text
    assert fragment.context["run"].responses_scored == 2


def test_the_progress_page_shows_the_errors_of_a_failed_run(staff_client, open_year, response):
    submit(response)
    run = scores.scoring_run_start(year=open_year)
    scores.scoring_chunk_fail(run_id=run.pk, number=1, error="ZeroDivisionError()")
    page = staff_client.get(reverse("admin:surveys_scoringrun_change", args=[run.pk]))
    assert "Chunk 1 failed: ZeroDivisionError()" in page.text
    assert "Chunk 1: ZeroDivisionError()" in page.text
    assert "hx-trigger" not in page.text
    assert reverse("admin:surveys_scoringrun_results", args=[run.pk]) not in page.text


def test_the_run_list_shows_each_runs_progress(staff_client, open_year):
    scored_run(open_year, 2)
    run = recompute(open_year)
    result = staff_client.get(reverse("admin:surveys_scoringrun_changelist"))
    assert result.status_code == 200
    row = next(r for r in result.context["cl"].result_list if r.pk == run.pk)
    assert (row.chunks_done, row.chunks_total, row.responses_scored) == (1, 1, 2)
    assert "2 / 2" in result.text
    assert "delete_selected" not in result.text


# Results and scores -------------------------------------------------------------------------------


def test_the_results_page_ranks_the_groups_and_the_national_dimensions(staff_client, open_year):
    run = scored_run(open_year, 4)
    national = run.groups.get(scope="national")
    result = staff_client.get(reverse("admin:surveys_scoringrun_results", args=[run.pk]))
    assert result.status_code == 200
    text = " ".join(result.text.split())
    # Everyone has HASPLAN (10 of the 30 possible in FIRST, PLANKIND unanswered) and nothing in
    # SECOND; CHOICE adds 0, 5 or 10 points to FIRST.
    first, second = (
        national.dimensions.get(dimension__code=code).mean for code in ("FIRST", "SECOND")
    )
    assert (score(national.overall_mean), score(first), score(second)) == (
        score(first * D("0.6")),
        score(first),
        "0.00",
    )
    assert f"Overall {score(national.overall_mean)}; Test dimension" in text
    assert f"{score(first)} highest … Test dimension" in text
    assert "0.00 lowest." in text
    assert [table.scope for table in result.context["scopes"]] == [
        "national", "level", "award_group", "ministry", "province", "unit_type",
    ]  # fmt: skip
    for table in result.context["scopes"]:
        ranks = [row.group.rank for row in table.rows]
        assert ranks == sorted(ranks)


def test_the_results_page_calls_no_dimension_highest_when_the_means_are_equal(
    staff_client, open_year
):
    # Nothing answered: both dimensions' means are 0.00.
    responses = [submit(ResponseFactory(year=open_year, agency=DepartmentFactory()))]
    run = scores.scores_update(year_id=open_year.pk, response_ids=[r.pk for r in responses])

    result = staff_client.get(reverse("admin:surveys_scoringrun_results", args=[run.pk]))

    text = " ".join(result.text.split())
    assert "Overall 0.00." in text
    assert "highest" not in text
    assert "lowest" not in text


def test_the_score_page_title_rounds_half_up(staff_client, open_year):
    run = scored_run(open_year, 1)
    score_row = run.scores.get()
    ResponseScore.objects.filter(pk=score_row.pk).update(overall=D("33.345"))

    result = staff_client.get(reverse("admin:surveys_responsescore_change", args=[score_row.pk]))

    assert ": 33.35" in result.text  # the page names the score by its str()
    assert "33.34" not in result.text


def test_the_score_page_shows_dimension_scores_ranks_and_problems(staff_client, open_year):
    run = scored_run(open_year, 2)
    response_score = run.scores.select_related("response__agency").first()
    response_score.problems = [{"question": "CHOICE", "value": "gone", "reason": "no option"}]
    response_score.save()
    page = staff_client.get(reverse("admin:surveys_responsescore_change", args=[response_score.pk]))
    assert page.status_code == 200
    text = " ".join(page.text.split())
    assert response_score.response.agency.code in text
    assert "Test dimension" in text
    assert "All agencies" in text
    assert "CHOICE: no option (gone)" in text


def test_the_score_list_filters_by_problems_and_current_run(staff_client, open_year):
    run = scored_run(open_year, 2)
    run.scores.filter(pk=run.scores.first().pk).update(problems=[{"question": "X"}])
    url = reverse("admin:surveys_responsescore_changelist")
    assert staff_client.get(url, {"problems": "yes"}).context["cl"].result_count == 1
    assert staff_client.get(url, {"problems": "no"}).context["cl"].result_count == 1
    current = staff_client.get(url, {"run__is_current__exact": "1"})
    assert current.context["cl"].result_count == 2
    by_run = staff_client.get(url, {"run__id__exact": run.pk})
    assert by_run.context["cl"].result_count == 2


@pytest.mark.parametrize("count", [2, 6])
def test_the_score_list_costs_the_same_queries_at_any_size(
    staff_client, open_year, django_assert_num_queries, count
):
    scored_run(open_year, count)
    url = reverse("admin:surveys_responsescore_changelist")
    # session, user, the user's groups' and own permissions (2), the count, the total count,
    # the page of scores with their agency, run and year, the year filter's choices.
    with django_assert_num_queries(8):
        result = staff_client.get(url)
    assert result.context["cl"].result_count == count


@pytest.mark.parametrize("count", [2, 6])
def test_the_results_page_costs_the_same_queries_at_any_size(
    staff_client, open_year, django_assert_num_queries, count
):
    run = scored_run(open_year, count)
    url = reverse("admin:surveys_scoringrun_results", args=[run.pk])
    # session, user, the user's own and groups' permissions (2), the run with its year, the
    # year's dimensions, the groups, their dimension means.
    with django_assert_num_queries(8):
        result = staff_client.get(url)
    assert len(result.context["scopes"][3].rows) == count // 2  # a ministry per department


# Showing scores -----------------------------------------------------------------------------------


def test_scores_are_shown_with_two_decimals_rounded_half_up():
    assert score(D("12.345")) == "12.35"
    assert score(D("0.125")) == "0.13"
    assert score(D("100")) == "100.00"
    assert score(None) == "—"
    assert signed_score(D("12.4")) == "+12.40"
    assert signed_score(D("-3.1")) == "\u22123.10"
    assert signed_score(D("-0.004")) == "0.00"
    assert signed_score(None) == "—"


def test_durations_are_shown_as_hours_minutes_seconds():
    assert duration(timedelta(seconds=3725)) == "1:02:05"
    assert duration(None) == "—"
