"""How fast are the results pages, exports and open data of a full-scale year? One run: fresh
database, two scored years, every page measured in-process, clean-up.

    .venv/bin/python bench/results.py            # about a minute; --help for the options

1. Creates the PostgreSQL database `dgaweb_bench_results` (dropped first if it exists) and
   migrates it with the production settings. Builds, with bench/score.py's builders, the registry
   of 1,922 agencies and two closed years (last year and this year), each with the generated
   questionnaire and every agency's submitted answers; scores both with the real scoring, in
   this process (Celery eager) and committed; publishes both years (the latest with every
   agency's scores) and writes the demo recommendations (results/demo.py). Adds a DGA staff user
   and the respondents of one department and one provincial unit.
2. Collects the static files into a temporary directory (production serves them from the
   manifest, so full pages need it).
3. Requests each page with django.test.Client: a warm-up, then --rounds timed requests (the
   body read to the end, streamed or not), then one more to count its SQL queries.
4. Prints one table: page, status, first (cold) request, median and max, queries, bytes, target,
   met or NOT MET; drops the database (unless --keep). The exit code is 0 either way.
"""

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import drop_database  # noqa: E402 - needs ROOT on sys.path
from bench.score import (  # noqa: E402
    configure_environment,
    questionnaire_build,
    registry_build,
    responses_build,
)

PAGE_MS = 300  # the target for a page
EXPORT_MS = 5000  # and for a full export
DEPARTMENT_CODE = "DRR"  # Department of Rural Roads, in agencies/data/departments.csv
UNIT_CODE = "TH-50-01"  # the Provincial Office of Chiang Mai
PASSWORD = "bench-results-2569"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed requests per page")
    parser.add_argument("--db", default="dgaweb_bench_results", help="database to create and drop")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL")
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/0",
        help="the production settings require one; nothing is queued (Celery runs eagerly)",
    )
    parser.add_argument(
        "--questions", type=int, default=172, help="questions in each year (default 172)"
    )
    parser.add_argument("--seed", type=int, default=2569, help="random seed of the answers")
    parser.add_argument(
        "--settings",
        default="dgaweb.settings.production",
        help="settings module, e.g. one that builds on production to try a change",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args()


# ---------------------------------------------------------------------------------------------
# Set-up


@dataclass
class Built:
    previous: object
    year: object
    levels: dict
    responses: int
    answers: int
    staff: object
    department_user: object
    unit_user: object
    recommendations: int


def seed(args) -> Built:
    """Two closed years at full scale, both scored for real and published; the people."""
    from django.db import connection, transaction
    from django.utils import timezone

    from surveys import services
    from surveys.lifecycle import year_transition
    from surveys.models import SurveyYear

    now = timezone.now()
    number = timezone.localtime(now).year + 543
    with transaction.atomic():
        levels = registry_build()
    years, responses, answers = [], 0, 0
    for years_ago in (1, 0):
        be = number - years_ago
        with transaction.atomic():
            year = SurveyYear.objects.create(
                year=be,
                title_th=f"การสำรวจความพร้อมรัฐบาลดิจิทัล (ทดสอบหน้าผลการสำรวจ) {be}",
                title_en=f"Digital Government Readiness Survey (results benchmark) {be - 543}",
                opens_at=now - timedelta(days=365 * years_ago + 90),
                closes_at=now - timedelta(days=365 * years_ago + 30),
            )
            specs, questions, _weights = questionnaire_build(year, args.questions)
        year = services.survey_year_open(year=year)
        year = services.survey_year_close(year=year)
        with transaction.atomic():
            built = responses_build(year, specs, questions, args.seed - years_ago)
        responses += built["responses"]
        answers += built["answers"]
        years.append(year)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    for year in years:  # oldest first, so that this year is compared with last year
        score(year)
    previous, latest = years
    # Published through the lifecycle (surveys.lifecycle), as DGA staff would.
    for year in years:
        year_transition(year=year, to=SurveyYear.Status.PUBLISHED)
    SurveyYear.objects.filter(pk=latest.pk).update(publish_agency_scores=True)
    staff, department_user, unit_user = people()
    from results.demo import demo_recommendations_load

    written = demo_recommendations_load(years_be=[previous.year, latest.year])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return Built(
        previous=SurveyYear.objects.get(pk=previous.pk),
        year=SurveyYear.objects.get(pk=latest.pk),
        levels=levels,
        responses=responses,
        answers=answers,
        staff=staff,
        department_user=department_user,
        unit_user=unit_user,
        recommendations=sum(summary.created for summary in written),
    )


def score(year) -> None:
    """The real recompute, its Celery tasks run here one after another and committed."""
    from dgaweb.celery import app
    from surveys.models import ScoringRun
    from surveys.scores import scoring_run_start

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        started = time.perf_counter()
        run = scoring_run_start(year=year)
    finally:
        app.conf.task_always_eager = eager
    run.refresh_from_db()
    if not (run.status == ScoringRun.Status.COMPLETE and run.is_current):
        raise RuntimeError(f"the scoring run of {year.year} did not complete: {run.status}")
    print(
        f"    {year.year} scored in {time.perf_counter() - started:.1f} s: "
        f"{run.scores.count():,} responses, {run.groups.count():,} groups"
    )


def people():
    """A DGA staff user, and a respondent of the department and of the provincial unit."""
    from django.contrib.auth.models import Group

    from agencies import roles
    from agencies.models import Agency, AgencyMembership, User

    staff = User.objects.create_user("staff@bench.example", PASSWORD, is_staff=True)
    staff.groups.add(Group.objects.get(name=roles.DGA_STAFF))
    members = []
    for code in (DEPARTMENT_CODE, UNIT_CODE):
        user = User.objects.create_user(f"{code.lower()}@bench.example", PASSWORD)
        AgencyMembership.objects.create(
            user=user,
            agency=Agency.objects.get(code=code),
            role=AgencyMembership.Role.RESPONDENT,
        )
        members.append(user)
    return staff, *members


def collect_static() -> float:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("collectstatic", interactive=False, verbosity=0)
    return time.perf_counter() - started


# ---------------------------------------------------------------------------------------------
# Measurement


@dataclass
class Page:
    name: str
    url: str
    user: object  # None: anonymous
    target_ms: float | None


@dataclass
class Figures:
    page: Page
    status: int
    first: float = 0.0
    times: list = None
    queries: int = 0
    size: int = 0


def fetch(client, url: str) -> tuple[int, int]:
    """One request, its body read to the end: (status, bytes)."""
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    response.close()
    return response.status_code, len(body)


def measure(page: Page, rounds: int) -> Figures:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    if page.user is not None:
        client.force_login(page.user)
    started = time.perf_counter()
    status, size = fetch(client, page.url)
    figures = Figures(page=page, status=status, first=time.perf_counter() - started, size=size)
    if status != 200:
        return figures
    figures.times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fetch(client, page.url)
        figures.times.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as captured:
        fetch(client, page.url)
    figures.queries = len(captured.captured_queries)
    return figures


def pages(built: Built) -> list[Page]:
    from django.urls import reverse

    year = built.year.year

    def url(name, **kwargs):
        return reverse(f"results:{name}", kwargs=kwargs)

    return [
        Page("results dashboard", url("dashboard", year=year), built.staff, PAGE_MS),
        Page(
            f"agency results, department {DEPARTMENT_CODE}",
            url("agency", year=year, code=DEPARTMENT_CODE),
            built.department_user,
            PAGE_MS,
        ),
        Page(
            f"agency results, provincial unit {UNIT_CODE}",
            url("agency", year=year, code=UNIT_CODE),
            built.unit_user,
            PAGE_MS,
        ),
        Page(
            f"agency PDF report, {UNIT_CODE}",
            url("agency_report", year=year, code=UNIT_CODE),
            built.unit_user,
            None,
        ),
        Page("full export, XLSX", url("export", year=year, fmt="xlsx"), built.staff, EXPORT_MS),
        Page("full export, CSV", url("export", year=year, fmt="csv"), built.staff, EXPORT_MS),
        Page("fieldwork dashboard", url("fieldwork", year=year), built.staff, PAGE_MS),
        Page("open-data package (anonymous)", url("package", year=year), None, EXPORT_MS),
        Page("API aggregates (anonymous)", f"/api/v1/years/{year}/aggregates/", None, PAGE_MS),
        Page(
            "API agencies, first page (anonymous)",
            f"/api/v1/years/{year}/agencies/",
            None,
            PAGE_MS,
        ),
    ]


def print_table(rows: list[Figures], rounds: int) -> None:
    header = (
        f"    {'page':<40} {'status':>6} {'first ms':>9} {'median ms':>10} {'max ms':>9} "
        f"{'queries':>8} {'bytes':>11}  {'target':<10} met"
    )
    print(header)
    print("    " + "-" * (len(header) - 4))
    for figures in rows:
        page = figures.page
        target = f"< {page.target_ms / 1000:g} s" if page.target_ms else "none set"
        if figures.status != 200:
            print(
                f"    {page.name:<40} {figures.status:>6} {figures.first * 1000:>9.0f} "
                f"{'':>10} {'':>9} {'':>8} {figures.size:>11,}  {target:<10} NOT MEASURED "
                f"(HTTP {figures.status})"
            )
            continue
        median = statistics.median(figures.times) * 1000
        highest = max(figures.times) * 1000
        met = "-" if page.target_ms is None else "met" if median < page.target_ms else "NOT MET"
        print(
            f"    {page.name:<40} {figures.status:>6} {figures.first * 1000:>9.0f} "
            f"{median:>10.0f} {highest:>9.0f} {figures.queries:>8} {figures.size:>11,}  "
            f"{target:<10} {met}"
        )
    print(
        f"    first: the cold request after start-up; median and max of {rounds} more; queries "
        "counted on one further request; met: the median is under the target"
    )


# ---------------------------------------------------------------------------------------------
# The run


def main() -> int:
    args = parse_args()
    began = time.perf_counter()
    configure_environment(args, queue=f"dgaweb-bench-results-{secrets.token_hex(4)}")
    os.environ.update(
        {
            # The test client's host, and plain HTTP in-process.
            "ALLOWED_HOSTS": "127.0.0.1,testserver",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
        }
    )
    print(f"dgaweb results benchmark: settings {args.settings}, database {args.db}")

    import django

    drop_database(args, create_again=True)
    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.test.utils import override_settings

    try:
        step = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        print(f"    migrated in {time.perf_counter() - step:.1f} s")
        step = time.perf_counter()
        built = seed(args)
        print(
            f"    seeded in {time.perf_counter() - step:.1f} s: "
            f"{sum(built.levels.values()):,} agencies ("
            + ", ".join(f"{n:,} {level}" for level, n in built.levels.most_common())
            + f"); years {built.previous.year} and {built.year.year}, "
            f"{built.responses:,} submitted responses, {built.answers:,} answers; both published "
            f"({built.year.year} with every agency's scores); {built.recommendations} "
            "recommendations"
        )
        with (
            tempfile.TemporaryDirectory(prefix="dgaweb-bench-static-") as static_root,
            override_settings(STATIC_ROOT=static_root),
        ):
            seconds = collect_static()
            print(f"    static files collected in {seconds:.1f} s")
            print(
                f"\nthe pages of {built.year.year}, in-process (django.test.Client), one "
                f"warm-up then {args.rounds} requests each"
            )
            load = os.getloadavg()[0]
            rows = [measure(page, args.rounds) for page in pages(built)]
            load = max(load, os.getloadavg()[0])
        print_table(rows, args.rounds)
        cores = os.cpu_count()
        print(f"    load average (1 min) up to {load:.1f} on {cores} cores during the requests")
        if load > cores:  # this run itself and its PostgreSQL backend make about 1
            print(
                "    WARNING: the machine was busy with other work; the times are longer than on "
                "a quiet machine"
            )
        missing = [figures.page.name for figures in rows if figures.status != 200]
        if missing:
            print(
                "    not measured (the view did not answer 200, e.g. not written yet): "
                + "; ".join(missing)
            )
        print(f"\ntotal run time {time.perf_counter() - began:.0f} s")
    finally:
        connections.close_all()
        if args.keep:
            print(f"kept database {args.db}")
        else:
            drop_database(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
