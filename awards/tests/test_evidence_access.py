"""The award committee reads the evidence of the agencies it judges, and nothing else: agencies
on a current shortlist of the evidence's year, through a candidacy the member is not conflicted
with, and only what the agency submitted (surveys.download_evidence, awards/permissions.py)."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from awards import services
from awards.models import Shortlist
from surveys.models import Evidence, Question, Response
from surveys.tests.conftest import PDF
from surveys.tests.factories import QuestionFactory


def evidence_of(agency, year):
    """A file the agency attached before it submitted (made directly: a submitted response
    takes no new evidence)."""
    evidence = Evidence(
        response=Response.objects.get(year=year, agency=agency),
        question=QuestionFactory(dimension__year=year, kind=Question.Kind.FILE),
        original_name="report.pdf",
        content_type="application/pdf",
        size=len(PDF),
    )
    evidence.file.save("report.pdf", ContentFile(PDF))
    return evidence


def download(client, evidence):
    response = client.get(reverse("surveys:evidence", args=[evidence.pk]))
    if response.status_code == 200:
        b"".join(response.streaming_content)
    return response.status_code


@pytest.fixture
def shortlisted(awards_year, service_agencies):
    return evidence_of(service_agencies[0], awards_year)


def test_a_member_reads_the_evidence_of_a_shortlisted_agency(member_client, shortlisted):
    assert download(member_client, shortlisted) == 200


def test_not_of_an_agency_the_rule_left_out(member_client, awards_year, departments):
    policy = Response.objects.get(year=awards_year, agency__award_group="policy").agency
    assert download(member_client, evidence_of(policy, awards_year)) == 404


def test_not_of_an_agency_the_member_declared_a_conflict_with(
    member_client, committee_member, shortlisted, awards_year
):
    services.conflict_declare(
        year=awards_year,
        member=committee_member,
        agency=shortlisted.response.agency,
        reason="A former post.",
    )
    assert download(member_client, shortlisted) == 404


def test_not_of_an_agency_a_member_named_a_nominee_from(
    member_client, committee_member, awards_year, departments, nomination
):
    policy = Response.objects.get(year=awards_year, agency__award_group="policy").agency
    services.nominee_add(
        category=nomination, member=committee_member, nominee="Somchai Jaidee", agency=policy
    )
    assert download(member_client, evidence_of(policy, awards_year)) == 404


def test_not_of_a_response_that_is_not_submitted(member_client, shortlisted):
    Response.objects.filter(pk=shortlisted.response_id).update(
        status=Response.Status.RETURNED, returned_reason="Evidence missing."
    )
    assert download(member_client, shortlisted) == 404


def test_not_once_the_shortlist_is_replaced(member_client, shortlisted, awards_year):
    Shortlist.objects.filter(category__year=awards_year).update(is_current=False)
    assert download(member_client, shortlisted) == 404


def test_dga_staff_read_every_evidence_file(client, dga_staff, awards_year, departments):
    policy = Response.objects.get(year=awards_year, agency__award_group="policy").agency
    client.force_login(dga_staff)
    assert download(client, evidence_of(policy, awards_year)) == 200
