"""Builders and URLs shared by the committee's tests; their fixtures are in conftest.py."""

from django.urls import reverse

from awards.models import AwardCategory

YEAR = 2568  # 2025


def english(client):
    client.cookies["django_language"] = "en"


def top_category(year, code="TOP", *, winners=2, runners_up=1, quorum=2, **fields):
    return AwardCategory.objects.create(
        year=year,
        code=code,
        name_th=f"คะแนนรวมสูงสุด {code}",
        name_en=f"Top overall score {code}",
        rule_th="คะแนนรวมสูงสุดในกลุ่มให้บริการ",
        rule_en="The highest overall scores among service-providing departments.",
        kind=AwardCategory.Kind.TOP_OVERALL,
        level="department",
        award_group="service",
        winners=winners,
        runners_up=runners_up,
        quorum=quorum,
        **fields,
    )


def nomination_category(year):
    return AwardCategory.objects.create(
        year=year,
        code="LEADER",
        name_th="ผู้นำดิจิทัลดีเด่น",
        name_en="Outstanding digital leader",
        kind=AwardCategory.Kind.NOMINATION,
    )


def shortlist_url(category):
    return reverse("awards:shortlist", args=[category.pk])


def vote_url(candidate):
    return reverse("awards:vote", args=[candidate.pk])


def finalise_url(category):
    return reverse("awards:finalise", args=[category.pk])
