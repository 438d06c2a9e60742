"""What a committee member cannot do outside the committee's pages: change scores or responses."""

from django.urls import reverse

from surveys.models import ResponseScore, ScoringRun
from surveys.tests.scored import Figures, scored_year


def test_a_committee_member_cannot_recompute_or_edit_scores(client, committee_member, departments):
    (agency,) = departments(1)
    year = scored_year(2566, {agency: Figures("70")})
    score = ResponseScore.objects.get()
    response = score.response
    client.force_login(committee_member)

    recompute = client.post(reverse("admin:surveys_surveyyear_recompute", args=[year.pk]))
    score_page = client.get(reverse("admin:surveys_responsescore_change", args=[score.pk]))
    response_page = client.post(
        reverse("admin:surveys_response_change", args=[response.pk]), {"status": "draft"}
    )
    submit = client.post(reverse("surveys:submit", args=[response.pk]))

    login = reverse("admin:login")
    for result in (recompute, score_page, response_page):
        assert result.status_code == 302
        assert result["Location"].startswith(login)
    assert submit.status_code == 404
    assert ScoringRun.objects.filter(year=year).count() == 1
    response.refresh_from_db()
    assert response.status == "submitted"
