"""Who may open which page: every URL pattern of the site (walked from the resolver, not a hand
list) against every role, so that a new view without a rule for its access fails the suite.

`ACCESS` states the rule for each named pattern; the tests check that the code obeys it. Each
pattern is fetched with GET: that is the access check (what a POST does is for the views' own
tests), and a view that only takes POST answers GET with 405 once the user may reach it. No
response may ever be a 500. The admin's patterns are checked as one rule: everyone but DGA staff
and superusers is sent to the admin's login page; those two never get a 500.
"""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from agencies import roles
from agencies.tests.factories import (
    DepartmentFactory,
    ProvinceFactory,
    ProvincialUnitFactory,
    UserFactory,
    user_with_role,
)
from awards import services as award_services
from awards.models import AwardCategory, Candidate
from awards.tests.test_publication import award_year
from results.models import Recommendation
from surveys.models import SurveyYear
from surveys.services import answer_save, evidence_add
from surveys.tests.conftest import PDF, build_questionnaire
from surveys.tests.factories import ResponseFactory, SurveyYearFactory

# What a GET answers. LOGIN is a redirect to the site's login page, REDIRECT one anywhere else.
OK, LOGIN, REDIRECT = "200", "302 to login", "302 elsewhere"
FORBIDDEN, NOT_FOUND, METHOD = "403", "404", "405"
ADMIN_LOGIN = "302 to admin login"

ROLES = (
    "anonymous",
    "respondent",  # a member of Alpha, whose objects every URL points at
    "other_respondent",  # a member of Bravo
    "committee_member",
    "committee_chair",
    "dga_staff",
    "superuser",
)


def row(anonymous, respondent, other_respondent, member, chair, staff, superuser) -> dict:
    """One rule, in the order of ROLES."""
    values = (anonymous, respondent, other_respondent, member, chair, staff, superuser)
    return dict(zip(ROLES, values, strict=True))


EVERYONE = row(OK, OK, OK, OK, OK, OK, OK)
NO_ONE = row(NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND)
# An Alpha's survey page: its own people only (DGA staff and the committee read answers in the
# admin and the results, never through the respondent's pages).
OWN_AGENCY = row(LOGIN, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND)
# A POST-only view behind login_required: anyone logged in reaches the method check.
POST_ONLY = row(LOGIN, METHOD, METHOD, METHOD, METHOD, METHOD, METHOD)
# The award committee's pages: members only (the chair is a member); DGA staff and superusers
# are not on the committee and get 403.
COMMITTEE = row(LOGIN, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN, FORBIDDEN)
COMMITTEE_POST_ONLY = row(LOGIN, FORBIDDEN, FORBIDDEN, METHOD, METHOD, FORBIDDEN, FORBIDDEN)
# DGA staff's dashboards and exports.
DGA_STAFF = row(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK)
# A public page of an unpublished year: a preview for DGA staff, 404 for anyone else.
PREVIEW = row(NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK, OK)

# Keys are pattern names ("namespace:name"); a key "name [case]" checks the same pattern with
# other arguments (URL_KWARGS says which), e.g. an unpublished year beside a published one.
ACCESS = {
    # dgaweb/urls.py: the home page, the health check and the account pages.
    "home": EVERYONE,
    "ping": EVERYONE,
    # Public, and says only "ok" or "failing" per service (dgaweb/health.py); 200 here because
    # the test runs a worker.
    "health": EVERYONE,
    "login": EVERYONE,
    "logout": row(METHOD, METHOD, METHOD, METHOD, METHOD, METHOD, METHOD),  # POST only
    "password_reset": EVERYONE,
    "password_reset_done": EVERYONE,
    "password_reset_confirm": EVERYONE,  # an invalid link: the page that says so
    "password_reset_complete": EVERYONE,
    "password_set": EVERYONE,  # an invalid link: the page that says so
    "set_language": row(*[REDIRECT] * 7),  # GET changes nothing and goes back
    # The second factor and the account page (agencies/mfa.py). Test-client logins have passed
    # the second step (dgaweb/tests/mfa.py), so the two-step page sends them on; a respondent
    # without MFA may set it up; the roles that have it are sent to their account page.
    "mfa_verify": row(LOGIN, *[REDIRECT] * 6),
    "mfa_setup": row(LOGIN, OK, OK, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    "mfa_recovery_codes": row(LOGIN, *[REDIRECT] * 6),  # shown once, right after they are made
    "account_security": row(LOGIN, OK, OK, OK, OK, OK, OK),
    "recovery_codes_regenerate": POST_ONLY,
    "mfa_disable": POST_ONLY,
    "password_change": row(LOGIN, OK, OK, OK, OK, OK, OK),
    "password_change_done": row(LOGIN, OK, OK, OK, OK, OK, OK),
    # surveys/urls.py: the respondent's questionnaire of the open year.
    "surveys:responses": row(LOGIN, OK, OK, OK, OK, OK, OK),  # each sees their own (or none)
    "surveys:dashboard": OWN_AGENCY,
    "surveys:dimension": OWN_AGENCY,
    "surveys:question": OWN_AGENCY,
    "surveys:autosave": POST_ONLY,
    "surveys:upload": POST_ONLY,
    "surveys:review": OWN_AGENCY,
    "surveys:submit": POST_ONLY,
    "surveys:history": OWN_AGENCY,  # DGA staff read it in the admin (the response's history)
    # Evidence: its own agency and DGA staff; the committee only that of a submitted response of
    # an agency on a current shortlist (this one is neither: awards/tests/test_evidence_access.py).
    "surveys:evidence": row(LOGIN, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK, OK),
    "surveys:evidence_remove": POST_ONLY,
    # awards/urls.py: the committee's pages, on the unpublished year.
    "awards:committee": COMMITTEE,
    "awards:committee_year": COMMITTEE,
    "awards:conflicts": COMMITTEE,
    "awards:conflict_withdraw": COMMITTEE_POST_ONLY,
    "awards:shortlist": COMMITTEE,
    "awards:excluded": COMMITTEE,
    "awards:nominate": COMMITTEE_POST_ONLY,
    "awards:finalise": COMMITTEE_POST_ONLY,  # the chair check comes after the method check
    "awards:approve_proposed": COMMITTEE,
    "awards:vote": COMMITTEE_POST_ONLY,
    # The published awards.
    "awards:index": EVERYONE,
    "awards:results": EVERYONE,
    "awards:results [unpublished]": PREVIEW,
    "awards:export": EVERYONE,
    "awards:export [unpublished]": PREVIEW,
    "awards:certificate": EVERYONE,
    "awards:certificate [unpublished]": PREVIEW,
    # results/urls.py: an agency's own results (Alpha's, of the published year).
    # Alpha's and Bravo's people have one published year each: straight to its page.
    "results:index": row(LOGIN, REDIRECT, REDIRECT, OK, OK, OK, OK),
    "results:agency": row(LOGIN, OK, NOT_FOUND, OK, OK, OK, OK),
    "results:agency [unpublished]": row(LOGIN, *[NOT_FOUND] * 4, OK, OK),
    "results:agency_report": row(LOGIN, OK, NOT_FOUND, OK, OK, OK, OK),
    "results:agency_report [unpublished]": row(LOGIN, *[NOT_FOUND] * 4, OK, OK),
    "results:dashboards": DGA_STAFF,
    "results:fieldwork": DGA_STAFF,
    "results:fieldwork_live": DGA_STAFF,
    "results:fieldwork_export": DGA_STAFF,
    "results:dashboard": DGA_STAFF,
    "results:export": DGA_STAFF,
    # Open data: published years only, for everyone, DGA staff included.
    "results:open_data": EVERYONE,
    "results:dictionary": EVERYONE,
    "results:package": EVERYONE,
    "results:package [unpublished]": NO_ONE,
    # results/api/urls.py: the same, read-only.
    "api:root": EVERYONE,
    "api:years": EVERYONE,
    "api:year": EVERYONE,
    "api:year [unpublished]": NO_ONE,
    "api:dimensions": EVERYONE,
    "api:dimensions [unpublished]": NO_ONE,
    "api:aggregates": EVERYONE,
    "api:aggregates [unpublished]": NO_ONE,
    "api:winners": EVERYONE,
    "api:winners [unpublished]": NO_ONE,
    "api:agencies": EVERYONE,  # the published year publishes each agency's scores
    "api:agencies [unpublished]": NO_ONE,
    "api:schema": EVERYONE,
    "api:docs": EVERYONE,
    "api:swagger": EVERYONE,
}


def _published(w):
    return {"year": w.published.year}


def _unpublished(w):
    return {"year": w.unpublished.year}


def _response(w):
    return {"pk": w.response.pk}


def _in_dimension(w):
    return {"pk": w.response.pk, "code": "FIRST"}


def _question(w):
    return {"pk": w.response.pk, "code": "REPORT"}


def _category(w):
    return {"pk": w.category.pk}


def _invalid_link(w):
    return {"uidb64": "MTIzNDU2", "token": "not-a-token"}


# The URL arguments of each ACCESS key whose pattern takes any, from the data of `world`.
URL_KWARGS = {
    "password_reset_confirm": _invalid_link,
    "password_set": _invalid_link,
    "surveys:dashboard": _response,
    "surveys:dimension": _in_dimension,
    "surveys:question": _question,
    "surveys:autosave": _question,
    "surveys:upload": _question,
    "surveys:review": _response,
    "surveys:submit": _response,
    "surveys:history": _response,
    "surveys:evidence": lambda w: {"pk": w.evidence.pk},
    "surveys:evidence_remove": lambda w: {"pk": w.evidence.pk},
    "awards:committee_year": _unpublished,
    "awards:conflicts": _unpublished,
    "awards:conflict_withdraw": lambda w: {"year": w.unpublished.year, "pk": w.conflict.pk},
    "awards:shortlist": _category,
    "awards:excluded": _category,
    "awards:nominate": _category,
    "awards:finalise": _category,
    "awards:approve_proposed": _category,
    "awards:vote": lambda w: {"pk": w.candidate.pk},
    "awards:results": _published,
    "awards:results [unpublished]": _unpublished,
    "awards:export": lambda w: {"year": w.published.year, "fmt": "csv"},
    "awards:export [unpublished]": lambda w: {"year": w.unpublished.year, "fmt": "csv"},
    "awards:certificate": lambda w: {"pk": w.winner.pk},
    "awards:certificate [unpublished]": lambda w: {"pk": w.unpublished_winner.pk},
    "results:agency": lambda w: {"year": w.published.year, "code": w.agency.code},
    "results:agency [unpublished]": lambda w: {"year": w.unpublished.year, "code": w.agency.code},
    "results:agency_report": lambda w: {"year": w.published.year, "code": w.agency.code},
    "results:agency_report [unpublished]": (
        lambda w: {"year": w.unpublished.year, "code": w.agency.code}
    ),
    "results:fieldwork": lambda w: {"year": w.open.year},
    "results:fieldwork_live": lambda w: {"year": w.open.year},
    "results:fieldwork_export": lambda w: {"year": w.open.year, "fmt": "csv"},
    "results:dashboard": _unpublished,
    "results:export": lambda w: {"year": w.unpublished.year, "fmt": "csv"},
    "results:package": _published,
    "results:package [unpublished]": _unpublished,
    "api:year": _published,
    "api:year [unpublished]": _unpublished,
    "api:dimensions": _published,
    "api:dimensions [unpublished]": _unpublished,
    "api:aggregates": _published,
    "api:aggregates [unpublished]": _unpublished,
    "api:winners": _published,
    "api:winners [unpublished]": _unpublished,
    "api:agencies": _published,
    "api:agencies [unpublished]": _unpublished,
}


# The resolver ------------------------------------------------------------------------------------


def url_patterns(resolver=None, namespace=None):
    """(full name, route) of every pattern under `resolver`, namespaces joined with ":"."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            joined = f"{namespace}:{inner}" if namespace and inner else inner or namespace
            for name, route in url_patterns(pattern, joined):
                yield name, str(pattern.pattern) + route
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else str(pattern.name)
            yield name, str(pattern.pattern)


def site_pattern_names() -> set[str]:
    return {name for name, _ in url_patterns() if not name.startswith("admin:")}


def admin_patterns() -> list[tuple[str, str]]:
    return [(name, route) for name, route in url_patterns() if name.startswith("admin:")]


def test_every_site_pattern_has_an_access_rule():
    declared = {key.split(" [")[0] for key in ACCESS}
    undeclared = site_pattern_names() - declared
    assert not undeclared, (
        f"New URL patterns without an access rule: {sorted(undeclared)}. Declare who may use "
        "each in ACCESS in dgaweb/tests/test_access_matrix.py (and its arguments in URL_KWARGS); "
        "a pattern without a name shows as None: name it first."
    )
    assert declared - site_pattern_names() == set(), "ACCESS names patterns that no longer exist"
    assert set(URL_KWARGS) <= set(ACCESS)
    for rules in ACCESS.values():
        assert tuple(rules) == ROLES


def test_the_resolver_walk_finds_the_admin_and_the_site():
    assert len(site_pattern_names()) >= 50
    assert len(admin_patterns()) >= 150


# The data ----------------------------------------------------------------------------------------


@pytest.fixture
def world(agency, other_agency, respondent, other_respondent, committee_member, dga_staff):
    """Alpha (the respondent's agency) and Bravo in three years: 2567 published, with awards
    and each agency's scores; 2568 scored with finalised awards, not published; 2569 open, with
    both agencies' responses and an evidence file of Alpha's."""
    chair = user_with_role(roles.AWARD_COMMITTEE, email="chair@dga.example")
    chair.groups.add(Group.objects.get(name=roles.AWARD_CHAIR))
    superuser = UserFactory(email="root@dga.example", is_staff=True, is_superuser=True)
    office = DepartmentFactory(code="NSO")
    nan = ProvincialUnitFactory(code="NSO-NAN", province=ProvinceFactory(code="TH-55"))
    scores = {office: "92.50", agency: "88.125", other_agency: "80"}
    people = {"chair": chair, "member": committee_member, "staff": dga_staff}
    published = award_year(2567, scores, winners=2, nominee_agency=nan, **people)
    published.publish_agency_scores = True
    published.save(update_fields=["publish_agency_scores"])
    unpublished = award_year(2568, scores, winners=2, nominee_agency=nan, publish=False, **people)

    now = timezone.now()
    open_year = SurveyYearFactory(
        year=2569, opens_at=now - timedelta(days=5), closes_at=now + timedelta(days=10)
    )
    questions = build_questionnaire(open_year)
    open_year.status = SurveyYear.Status.OPEN
    open_year.save()
    response = ResponseFactory(year=open_year, agency=agency)
    ResponseFactory(year=open_year, agency=other_agency)
    evidence = evidence_add(
        response=response,
        question=questions["REPORT"],
        upload=SimpleUploadedFile("report.pdf", PDF),
        user=respondent,
    )
    answer_save(
        response=response, question=questions["CHOICE"], raw=["full"], base_version=0,
        user=respondent,
    )  # fmt: skip
    # A row of each model the admin lists that nothing above makes, for its object pages.
    Recommendation.objects.create(year=published, scope="national", key="all", text_th="ทุก")
    login = {"username": "alice@alpha.example", "ip_address": "192.0.2.1", "user_agent": "test"}
    AccessAttempt.objects.create(**login, failures_since_start=1)
    AccessLog.objects.create(**login)
    AccessFailureLog.objects.create(**login)
    category = AwardCategory.objects.get(year=unpublished, code="TOP")
    conflict = award_services.conflict_declare(
        year=unpublished, member=committee_member, agency=other_agency, reason="A former post."
    )
    winners = Candidate.objects.filter(is_winner=True, shortlist__category__code="TOP")
    return SimpleNamespace(
        agency=agency,
        published=published,
        unpublished=unpublished,
        open=open_year,
        response=response,
        evidence=evidence,
        category=category,
        candidate=Candidate.objects.filter(shortlist__category=category).first(),
        conflict=conflict,
        winner=winners.get(shortlist__category__year=published, agency=office),
        unpublished_winner=winners.get(shortlist__category__year=unpublished, agency=office),
        users={
            "anonymous": None,
            "respondent": respondent,
            "other_respondent": other_respondent,
            "committee_member": committee_member,
            "committee_chair": chair,
            "dga_staff": dga_staff,
            "superuser": superuser,
        },
    )


def clients(world) -> dict[str, Client]:
    """A client per role, logged in as its user; raising nothing, so a 500 is a status."""
    result = {}
    for role in ROLES:
        client = Client(raise_request_exception=False)
        if world.users[role] is not None:
            client.force_login(world.users[role])
        result[role] = client
    return result


def outcome(response) -> str:
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(reverse("admin:login")):
            return ADMIN_LOGIN
        if location.startswith(reverse("login")):
            return LOGIN
        return REDIRECT
    return str(response.status_code)


def fetch(client, url) -> tuple[str, str]:
    """The outcome of a GET, and what went wrong if it was a 500."""
    response = client.get(url)
    got = outcome(response)
    error = ""
    if response.status_code >= 500:
        exc_info = getattr(response, "exc_info", None)
        error = repr(exc_info[1]) if exc_info else ""
    if response.streaming:
        # Read to the end, which closes the file; close() itself would end the test's
        # transaction (request_finished closes a connection that is not in autocommit).
        b"".join(response.streaming_content)
    return got, error


# The site ----------------------------------------------------------------------------------------


@pytest.mark.celery
def test_every_role_gets_what_access_declares_on_every_site_pattern(world, celery_worker):
    by_role = clients(world)
    mismatches = []
    for key, rules in ACCESS.items():
        name = key.split(" [")[0]
        url = reverse(name, kwargs=URL_KWARGS[key](world) if key in URL_KWARGS else None)
        for role, expected in rules.items():
            got, error = fetch(by_role[role], url)
            if got != expected or got.startswith("5"):
                mismatches.append(f"{key} {url} as {role}: expected {expected}, got {got} {error}")
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches)


# The admin ---------------------------------------------------------------------------------------

# Admin routes whose arguments name no object the data holds, so they are not fetched: none
# today, since `world` makes a row of every model the admin lists. The test checks that this is
# exactly what it skipped, so a new admin model without a row is noticed.
ADMIN_SKIPPED: set[str] = set()

ADMIN_ROLES_KEPT_OUT = (
    "anonymous",
    "respondent",
    "other_respondent",
    "committee_member",
    "committee_chair",
)
# What the admin answers them where it is not its login page: the login page itself, and the
# logout page, which Django's admin_view sends to the admin's index (and that to the login page).
ADMIN_KEPT_OUT_EXCEPTIONS = {"admin:login": OK, "admin:logout": REDIRECT}
# DGA staff and superusers are let in, and never get a 500: a page (or 403 where staff lack the
# model's permission, 404 for the catch-all), a redirect, or 405 (the logout is POST only).
ADMIN_ANSWERS_TO_STAFF = {OK, REDIRECT, FORBIDDEN, NOT_FOUND, METHOD}


def _admin_models() -> dict[str, type]:
    """{"app/model": Model} of every model registered in the admin."""
    return {f"{m._meta.app_label}/{m._meta.model_name}": m for m in admin.site._registry}


def admin_url(name: str, route: str) -> str | None:
    """The URL of an admin pattern, its arguments filled with a real object of the pattern's
    model (e.g. admin/surveys/surveyyear/<int:pk>/rate/); None if there is none.

    Built from the route rather than reversed, since some patterns have no name (the
    admin/<app>/<model>/<path:object_id>/ redirects to the change page)."""
    if name == "admin:app_list":
        return reverse(name, kwargs={"app_label": "surveys"})
    if name == "admin:None" and "(?P<url>" in route:  # the admin's catch-all 404
        return reverse("admin:index") + "no-such-page/"
    if name == "admin:view_on_site":
        year = SurveyYear.objects.order_by("pk").first()
        content_type = ContentType.objects.get_for_model(SurveyYear)
        return reverse(name, args=[content_type.pk, year.pk])
    arguments = ROUTE_ARGUMENT.findall(route)
    if not arguments:
        return "/" + route
    values = {}
    for argument in arguments:
        if argument == "year_pk":
            model = SurveyYear
        else:
            model = _admin_models()["/".join(route.split("/")[1:3])]
        instance = model._default_manager.order_by("pk").first()
        if instance is None:
            return None
        values[argument] = str(instance.pk)
    return "/" + ROUTE_ARGUMENT.sub(lambda match: values[match.group(1)], route)


ROUTE_ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>")


def test_the_admin_is_for_dga_staff_and_superusers_only(world):
    by_role = clients(world)
    mismatches, skipped = [], set()
    for name, route in admin_patterns():
        url = admin_url(name, route)
        if url is None:
            skipped.add(route)
            continue
        for role in ROLES:
            got, error = fetch(by_role[role], url)
            if role in ADMIN_ROLES_KEPT_OUT:
                expected = ADMIN_KEPT_OUT_EXCEPTIONS.get(name, ADMIN_LOGIN)
                if got != expected:
                    mismatches.append(f"{name} {url} as {role}: expected {expected}, got {got}")
            elif got not in ADMIN_ANSWERS_TO_STAFF:
                mismatches.append(f"{name} {url} as {role}: got {got} {error}")
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches)
    assert skipped == ADMIN_SKIPPED, sorted(skipped)
