"""How fast is a full recompute of a year's scores on Celery? One run: fresh database, workers,
two recomputes, the SQL floor, checks, clean-up.

    .venv/bin/python bench/score.py            # under a minute; --help for the options

1. Creates the PostgreSQL database `dgaweb_bench_score` (dropped first if it exists) and migrates
   it with the production settings. Builds a closed year at full scale with bulk inserts (COPY):
   the registry of agencies/data (departments, 20 provincial units in each of 76 provinces,
   Bangkok and Pattaya) topped up with departments to 1,922 agencies, a questionnaire of 172
   questions (150 scored, 22 text) over the six demo dimensions (weights 20/20/30/10/15/5) with
   every scored kind, level-restricted questions and show-if chains, and 1,922 submitted
   responses with answers drawn per agency (~290,000 answers) and evidence files.
2. Starts `celery worker` (prefork, concurrency 2) on a queue of its own, recomputes the year
   with `scoring_run_start` and polls the database until the run is complete and current. The
   worker is this module's `app`: the project's Celery app, counting every task's SQL queries
   into Redis. Done twice, at two chunk sizes, each with a fresh worker.
3. Times one hand-written SQL query that computes every dimension score (the floor) and checks
   that it agrees with the stored scores of both runs.
4. Runs the same recompute in this process, chunk after chunk, inside a transaction that is
   rolled back: the queries of a chunk and of the finish, SQL time against Python time;
   --profile adds cProfile listings.
5. Prints the targets, stops the workers and drops the database (unless --keep).
"""

import argparse
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import QueryLog, drop_database  # noqa: E402 - needs ROOT on sys.path

AGENCIES_TOTAL = 1922
BANGKOK = "TH-10"  # no provincial units of its own: the BMA is surveyed as special local
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_MB = 1024  # VmHWM is in kB

TARGET_SECONDS = 60
TARGET_FLOOR_RATIO = 5
TARGET_WORKER_MB = 500


# ---------------------------------------------------------------------------------------------
# The worker side: `celery -A bench.score worker` asks this module for `app`.


def __getattr__(name: str):
    """Only the worker asks for `app`; running the script never builds it."""
    if name == "app":
        return _counting_app()
    raise AttributeError(name)


def _counting_app():
    """The project's Celery app, unchanged but for two signal handlers that count the SQL
    queries of every task (Django's execute_wrapper on the task's connection) and push one
    record per task, with its wall and CPU time, onto the Redis list BENCH_SCORE_KEY."""
    import redis
    from celery.signals import task_postrun, task_prerun
    from django.db import connection

    from dgaweb.celery import app

    store = redis.Redis.from_url(os.environ["REDIS_URL"])
    key = os.environ["BENCH_SCORE_KEY"]
    current = {}

    def count(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            current["queries"] += 1
            current["sql"] += time.perf_counter() - started

    def before(task=None, kwargs=None, **_):
        current.update(queries=0, sql=0.0, started=time.time(), cpu=time.process_time())
        connection.execute_wrappers.append(count)

    def after(task_id=None, task=None, kwargs=None, **_):
        if count in connection.execute_wrappers:
            connection.execute_wrappers.remove(count)
        record = {
            "task": task.name,
            "id": task_id,
            "number": (kwargs or {}).get("number"),
            "pid": os.getpid(),
            "queries": current.get("queries", 0),
            "sql": current.get("sql", 0.0),
            "started": current.get("started", 0.0),
            "finished": time.time(),
            "cpu": time.process_time() - current.get("cpu", 0.0),
        }
        store.rpush(key, json.dumps(record))

    task_prerun.connect(before, weak=False)
    task_postrun.connect(after, weak=False)
    return app


# ---------------------------------------------------------------------------------------------
# Set-up: settings, database, seed data


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--chunk-size", type=int, default=None, help="responses per chunk in the first run "
        "(default: the SCORING_CHUNK_SIZE setting, 100)"
    )  # fmt: skip
    parser.add_argument(
        "--second-chunk-size", type=int, default=25, help="in the second run (default 25)"
    )
    parser.add_argument("--concurrency", type=int, default=2, help="worker pool processes")
    parser.add_argument(
        "--questions", type=int, default=172, help="questions in the questionnaire (default 172)"
    )
    parser.add_argument("--seed", type=int, default=2569, help="random seed of the answers")
    parser.add_argument("--db", default="dgaweb_bench_score", help="database to create and drop")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument(
        "--settings",
        default="dgaweb.settings.production",
        help="settings module, e.g. one that builds on production to try a change",
    )
    parser.add_argument("--timeout", type=float, default=300, help="seconds a run may take")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile a chunk and the finish in-process"
    )
    return parser.parse_args()


def configure_environment(args, queue: str) -> dict:
    """The settings' environment, for this process and for the workers."""
    values = {
        "DJANGO_SETTINGS_MODULE": args.settings,
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"{args.pg}/{args.db}",
        "REDIS_URL": args.redis_url,
        # A queue of this run's own: no other worker on this Redis takes its tasks.
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "BENCH_SCORE_KEY": f"{queue}:tasks",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(values)
    return dict(os.environ)


def read_csv(name: str) -> list[dict]:
    import csv

    with open(ROOT / "agencies" / "data" / name, newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def registry_build() -> Counter:
    """The registry of agencies/data (as `seed_demo` loads it, written with bulk_create instead
    of the admin's import, which takes half a minute), topped up with departments to 1,922."""
    from agencies.models import Agency, Ministry, Province, ProvincialUnitType

    provinces = {
        province.code: province
        for province in Province.objects.bulk_create(
            Province(code=row["code"], name_th=row["name_th"], name_en=row["name_en"],
                     region=row["region"])
            for row in read_csv("provinces.csv")
        )
    }  # fmt: skip
    ministries = {
        ministry.code: ministry
        for ministry in Ministry.objects.bulk_create(
            Ministry(code=row["code"], name_th=row["name_th"], name_en=row["name_en"])
            for row in read_csv("ministries.csv")
        )
    }
    rows = read_csv("departments.csv")
    units = len(read_csv("unit_types.csv")) * (len(provinces) - 1)  # none in Bangkok
    extra = AGENCIES_TOTAL - len(rows) - units - len(read_csv("local.csv"))
    codes = sorted(ministries)
    rows += [
        {
            "code": f"BENCH-DEPT-{i:03d}",
            "name_th": f"กรมทดสอบความเร็ว {i}",
            "name_en": f"Benchmark Department {i}",
            "award_group": ("service", "policy")[i % 2],
            "ministry": codes[i % len(codes)],
        }
        for i in range(1, extra + 1)
    ]
    departments = {
        agency.code: agency
        for agency in Agency.objects.bulk_create(
            Agency(
                code=row["code"],
                name_th=row["name_th"],
                name_en=row["name_en"],
                level=Agency.Level.DEPARTMENT,
                award_group=row["award_group"],
                ministry=ministries[row["ministry"]],
            )
            for row in rows
        )
    }
    unit_types = ProvincialUnitType.objects.bulk_create(
        ProvincialUnitType(
            number=int(row["number"]),
            code=row["code"],
            name_th=row["name_th"],
            name_en=row["name_en"],
            parent_department=departments[row["parent"]],
        )
        for row in read_csv("unit_types.csv")
    )
    Agency.objects.bulk_create(
        Agency(
            code=f"{province.code}-{unit_type.number:02d}",
            name_th=f"{unit_type.name_th} {province.code}",
            name_en=f"{province.code} {unit_type.name_en}",
            level=Agency.Level.PROVINCIAL_UNIT,
            province=province,
            unit_type=unit_type,
            parent=unit_type.parent_department,
        )
        for code, province in sorted(provinces.items())
        if code != BANGKOK
        for unit_type in unit_types
    )
    Agency.objects.bulk_create(
        Agency(
            code=row["code"],
            name_th=row["name_th"],
            name_en=row["name_en"],
            level=Agency.Level.SPECIAL_LOCAL,
            province=provinces[row["province"]],
        )
        for row in read_csv("local.csv")
    )
    return Counter(Agency.objects.values_list("level", flat=True))


@dataclass(frozen=True)
class QuestionSpec:
    """One question of the generated questionnaire."""

    code: str
    dimension: str
    kind: str
    max_points: Decimal
    levels: tuple[str, ...]
    options: tuple[tuple[str, Decimal], ...] = ()
    bands: tuple[tuple[Decimal, Decimal], ...] = ()
    show_if: tuple[str, str] | None = None  # (condition code, value)


D = Decimal
ALL_LEVELS = ("department", "provincial_unit", "special_local")
LEVEL_OPTIONS = (("none", D(0)), ("started", D(3)), ("most", D(6)), ("full", D(10)))
# The kinds in turn, 16 to a round: (kind, max points, options or bands).
SLOTS = [
    ("yes_no", D(10), ()),
    ("single_choice", D(10), LEVEL_OPTIONS),
    ("multiple_choice", D(12), tuple((f"item{i}", D(3)) for i in range(1, 6))),  # 15, capped
    ("number", D(5), ((D(0), D(0)), (D(1), D(1)), (D(3), D(2)), (D(6), D(3)), (D(10), D(4)),
                      (D(20), D(5)))),
    ("single_choice", D(5), (("no", D(0)), ("plan", D("1.5")), ("pilot", D("3.5")),
                             ("yes", D(5)))),
    ("percentage", D(10), ((D(0), D(0)), (D(25), D("2.5")), (D(50), D(5)), (D(75), D("7.5")),
                           (D(90), D(10)))),
    ("yes_no", D(5), ()),
    ("file", D(5), ()),
    ("single_choice", D(10), LEVEL_OPTIONS),
    ("multiple_choice", D(8), (("a", D(4)), ("b", D(4)), ("c", D(2)), ("d", D(2)),
                               ("other", D(0)))),  # 12, capped at 8
    ("short_text", D(0), ()),
    ("number", D(6), ((D(1), D(2)), (D(5), D(4)), (D(12), D(6)))),  # nothing below 1
    ("yes_no", D(10), ()),
    ("percentage", D(5), ((D(10), D(1)), (D("40.5"), D(3)), (D(70), D(5)))),
    ("long_text", D(0), ()),
    ("single_choice", D(10), (("low", D(0)), ("mid", D(5)), ("high", D(10)))),
]  # fmt: skip


def questionnaire_specs(dimension_codes: list[str], total: int) -> list[QuestionSpec]:
    """`total` questions spread over the dimensions (SERVICE, weighted 30, gets the most).

    Show-if: slot 1 on slot 0 = yes in every other round; slot 2 on slot 1 = most every fourth
    round (a chain: its condition has a show-if itself); slot 13 on slot 12 = yes. Levels: every
    40th question from the 13th (a condition, twice) is for departments and special local only,
    every 40th from the 32nd for provincial units only."""
    shares = {"SERVICE": 1.3}
    weights = [shares.get(code, 1.0) for code in dimension_codes]
    counts = [int(total * w / sum(weights)) for w in weights]
    counts[0] += total - sum(counts)
    specs = []
    number = 0
    for code, count in zip(dimension_codes, counts, strict=True):
        for _ in range(count):
            slot, round_ = number % len(SLOTS), number // len(SLOTS)
            kind, max_points, choices = SLOTS[slot]
            levels = ALL_LEVELS
            if number % 40 == 12:
                levels = ("department", "special_local")
            elif number % 40 == 31:
                levels = ("provincial_unit",)
            show_if = None
            if slot == 1 and round_ % 2 == 0:
                show_if = (specs[number - 1].code, "yes")
            elif slot == 2 and round_ % 4 == 0:
                show_if = (specs[number - 1].code, "most")
            elif slot == 13:
                show_if = (specs[number - 1].code, "yes")
            specs.append(
                QuestionSpec(
                    code=f"{code}-{number + 1:03d}",
                    dimension=code,
                    kind=kind,
                    max_points=max_points,
                    levels=levels,
                    options=choices if kind in ("single_choice", "multiple_choice") else (),
                    bands=choices if kind in ("number", "percentage") else (),
                    show_if=show_if,
                )
            )
            number += 1
    return specs


def questionnaire_build(year, total: int):
    """The demo dimensions (surveys/data/demo_dimensions.csv: names and weights) and `total`
    generated questions, written with bulk_create; the year is then opened by the service,
    which refuses weights that do not add up to 100 or choice questions without options."""
    import csv

    from surveys.models import Dimension, Option, Question, ScoringBand

    with open(ROOT / "surveys" / "data" / "demo_dimensions.csv", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    dimensions = {
        dimension.code: dimension
        for dimension in Dimension.objects.bulk_create(
            Dimension(
                year=year,
                code=row["code"],
                order=int(row["order"]),
                name_th=row["name_th"],
                name_en=row["name_en"],
                weight=Decimal(row["weight"]),
            )
            for row in rows
        )
    }
    specs = questionnaire_specs([row["code"] for row in rows], total)
    questions = {}
    for order, spec in enumerate(specs, start=1):
        questions[spec.code] = Question(
            year=year,
            dimension=dimensions[spec.dimension],
            code=spec.code,
            order=order,
            kind=spec.kind,
            text_th=f"คำถามทดสอบความเร็ว {spec.code}",
            text_en=f"Benchmark question {spec.code}",
            required=spec.kind not in ("short_text", "long_text"),
            levels=list(spec.levels),
            max_points=spec.max_points,
        )
    Question.objects.bulk_create(questions.values())
    dependents = []
    for spec in specs:
        if spec.show_if:
            question = questions[spec.code]
            question.show_if_question = questions[spec.show_if[0]]
            question.show_if_value = spec.show_if[1]
            dependents.append(question)
    Question.objects.bulk_update(dependents, ["show_if_question", "show_if_value"])
    Option.objects.bulk_create(
        Option(
            question=questions[spec.code],
            value=value,
            order=order,
            label_th=value,
            label_en=value,
            points=points,
        )
        for spec in specs
        for order, (value, points) in enumerate(spec.options)
    )
    ScoringBand.objects.bulk_create(
        ScoringBand(question=questions[spec.code], minimum=minimum, points=points)
        for spec in specs
        for minimum, points in spec.bands
    )
    return specs, questions, {row["code"]: Decimal(row["weight"]) for row in rows}


def agency_ability(code: str) -> float:
    """How far along an agency is (as surveys/demo.py draws it): most in the middle."""
    return min(0.97, max(0.15, random.Random(code).betavariate(4, 2.2)))


def answer_value(spec: QuestionSpec, ability: float, rng: random.Random):
    kind = spec.kind
    if kind == "single_choice":
        index = round(ability * (len(spec.options) - 1) + rng.uniform(-1, 1))
        return spec.options[min(len(spec.options) - 1, max(0, index))][0]
    if kind == "multiple_choice":
        chosen = [value for value, _ in spec.options if rng.random() < ability]
        return sorted(chosen) or [spec.options[0][0]]
    if kind == "yes_no":
        return "yes" if rng.random() < ability + 0.1 else "no"
    if kind == "percentage":
        number = Decimal(min(1000, max(0, round(ability * 1000 + rng.uniform(-150, 150))))) / 10
        return f"{number.normalize():f}"
    if kind == "number":
        top = float(spec.bands[-1][0])
        number = Decimal(max(0, round(top * ability * rng.uniform(0.5, 1.5) * 2))) / 2
        return f"{number.normalize():f}"
    if kind == "short_text":
        return rng.choice(
            ["นายสมชาย ใจดี ผู้อำนวยการกองเทคโนโลยีสารสนเทศ", "https://www.example.go.th/eservice"]
        )
    return "หน่วยงานอยู่ระหว่างปรับปรุงระบบให้บริการออนไลน์และเชื่อมโยงข้อมูลกับหน่วยงานอื่น"


def responses_build(year, specs, questions, rng_seed: int) -> dict:
    """Every agency invited and submitted, its answers drawn from its ability; written with
    COPY. A few answers are left out (an optional question skipped), a few cleared (null), and
    a quarter of the questions a show-if hides keep the answer given before it was hidden."""
    from django.db import connection
    from psycopg.types.json import Jsonb

    from agencies.models import Agency
    from surveys.models import Response

    agencies = list(Agency.objects.order_by("code").values_list("pk", "code", "level"))
    responses = Response.objects.bulk_create(
        Response(
            year=year,
            agency_id=pk,
            status=Response.Status.SUBMITTED,
            invited_at=year.opens_at,
            started_at=year.opens_at + timedelta(days=1),
            submitted_at=year.closes_at - timedelta(days=1 + i % 20),
        )
        for i, (pk, _code, _level) in enumerate(agencies)
    )
    answers, evidence = [], []
    for response, (_pk, code, level) in zip(responses, agencies, strict=True):
        rng = random.Random(f"{rng_seed}-{code}")
        ability = agency_ability(code)
        when = year.closes_at - timedelta(days=rng.uniform(1, 40))
        shown, given = set(), {}  # codes shown; code → the value stored
        for spec in specs:
            if level not in spec.levels:
                continue
            question_id = questions[spec.code].pk
            if spec.kind == "file":
                if rng.random() < ability:
                    for _ in range(1 + (rng.random() < 0.15)):
                        evidence.append((response.pk, question_id, when))
                shown.add(spec.code)
                continue
            value = answer_value(spec, ability, rng)
            hidden = spec.show_if is not None and (
                spec.show_if[0] not in shown or given.get(spec.show_if[0]) != spec.show_if[1]
            )
            if hidden and rng.random() >= 0.25:
                continue
            if not hidden:
                shown.add(spec.code)
                if rng.random() < 0.01:
                    continue  # skipped
                if rng.random() < 0.003:
                    value = None  # cleared
            given[spec.code] = value
            answers.append((response.pk, question_id, value, when))
            if spec.kind == "yes_no" and value == "yes" and not hidden and rng.random() < 0.8:
                evidence.append((response.pk, question_id, when))
    with connection.cursor() as cursor:
        with cursor.cursor.copy(
            "COPY surveys_answer (response_id, question_id, value, version, updated_at) FROM STDIN"
        ) as copy:
            for response_id, question_id, value, when in answers:
                copy.write_row(
                    (response_id, question_id, None if value is None else Jsonb(value), 1, when)
                )
        with cursor.cursor.copy(
            "COPY surveys_evidence (response_id, question_id, file, original_name,"
            " content_type, size, uploaded_at) FROM STDIN"
        ) as copy:
            for response_id, question_id, when in evidence:
                copy.write_row(
                    (response_id, question_id, "evidence/bench/sample.pdf", "หลักฐาน.pdf",
                     "application/pdf", 2048, when)
                )  # fmt: skip
    return {"responses": len(responses), "answers": len(answers), "evidence": len(evidence)}


def seed(args) -> dict:
    """A closed year at full scale; returns what was built."""
    from django.db import connection, transaction
    from django.utils import timezone

    from surveys import services
    from surveys.models import SurveyYear

    now = timezone.now()
    number = timezone.localtime(now).year + 543
    with transaction.atomic():
        levels = registry_build()
        year = SurveyYear.objects.create(
            year=number,
            title_th=f"การสำรวจความพร้อมรัฐบาลดิจิทัล (ทดสอบการคำนวณคะแนน) {number}",
            title_en=f"Digital Government Readiness Survey (scoring benchmark) {number - 543}",
            opens_at=now - timedelta(days=60),
            closes_at=now - timedelta(days=5),
        )
        specs, questions, weights = questionnaire_build(year, args.questions)
    year = services.survey_year_open(year=year)
    year = services.survey_year_close(year=year)
    with transaction.atomic():
        built = responses_build(year, specs, questions, args.seed)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # what autovacuum would have done by scoring time
    return {"year": year, "levels": levels, "specs": specs, "weights": weights, **built}


# ---------------------------------------------------------------------------------------------
# Workers: start, wait, memory, stop


@dataclass
class Worker:
    process: subprocess.Popen
    node: str
    log: object
    peak_kb: dict = field(default_factory=dict)  # pid → highest VmHWM seen

    def pids(self) -> list[int]:
        """The worker's main process and its pool processes."""
        main = self.process.pid
        try:
            children = Path(f"/proc/{main}/task/{main}/children").read_text().split()
        except OSError:
            children = []
        return [main, *map(int, children)]

    def sample_memory(self) -> None:
        for pid in self.pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    kb = int(line.split()[1])
                    self.peak_kb[pid] = max(self.peak_kb.get(pid, 0), kb)

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()


def start_worker(args, env: dict, queue: str, label: str) -> Worker:
    """`celery -A bench.score worker` (prefork) on the bench queue; ready once it answers the
    project's healthcheck task."""
    from dgaweb.tasks import healthcheck

    node = f"{queue}-{label}@{socket.gethostname()}"
    command = [
        sys.executable, "-m", "celery", "-A", "bench.score", "worker",
        "--queues", queue, "--hostname", node, "--pool", "prefork",
        "--concurrency", str(args.concurrency),
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING",
    ]  # fmt: skip
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed by stop_worker)
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    worker = Worker(process=process, node=node, log=log)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None or time.monotonic() > deadline:
            output = worker.output()
            stop_worker(worker)
            raise RuntimeError(f"the Celery worker did not start:\n{output[-3000:]}")
        result = healthcheck.apply_async(queue=queue, expires=10)
        try:
            result.get(timeout=2)
            result.forget()
            return worker
        except Exception:  # not up yet: the result does not come back in time
            pass


def stop_worker(worker: Worker) -> None:
    """Warm shutdown (SIGTERM), then SIGKILL to the worker's own process group."""
    if worker.process.poll() is None:
        worker.process.terminate()
        try:
            worker.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.process.pid, signal.SIGKILL)
            worker.process.wait()
    worker.log.close()


# ---------------------------------------------------------------------------------------------
# CPU of the worker, of PostgreSQL's backends of the bench database, of this process and of the
# rest of the machine, from /proc. Celery closes a task's database connection when the task ends,
# so backends come and go: they are sampled every poll (20 ms) and keep their last reading.


def ticks_of(pid: int) -> tuple[int, str] | None:
    """utime + stime of a process, and its start time (tells a reused pid from the one before)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()
    return int(fields[11]) + int(fields[12]), fields[19]


def children_of(pid: int) -> list[int]:
    try:
        return [
            int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        ]
    except OSError:
        return []


def machine_busy_ticks() -> int:
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    return sum(fields) - fields[3] - fields[4]  # all but idle and iowait


class CpuTracker:
    """CPU seconds since it was made: the worker (main and pool processes), PostgreSQL (the
    backends serving the bench database), this process, and the rest of the machine."""

    def __init__(self, database: str, worker_pid: int | None = None):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (backend,) = cursor.fetchone()
        stat = Path(f"/proc/{backend}/stat").read_text()
        self.postmaster = int(stat.rpartition(")")[2].split()[1])
        self.marker = f" {database} ".encode()
        self.worker_pid = worker_pid
        self.began = time.perf_counter()
        self.machine = machine_busy_ticks()
        self.first: dict[tuple[int, str], int] = {}  # (pid, start time) → ticks when first seen
        self.last: dict[tuple[int, str], tuple[int, str]] = {}  # → (ticks, group)
        self.sample(first=True)

    def _pids(self) -> list[tuple[int, str]]:
        found = [(os.getpid(), "bench")]
        if self.worker_pid:
            found += [(pid, "worker") for pid in [self.worker_pid, *children_of(self.worker_pid)]]
        for pid in children_of(self.postmaster):
            try:
                title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            if self.marker in title + b" ":
                found.append((pid, "postgres"))
        return found

    def sample(self, first: bool = False) -> None:
        for pid, group in self._pids():
            reading = ticks_of(pid)
            if reading is None:
                continue
            ticks, started = reading
            key = (pid, started)
            self.first.setdefault(key, ticks if first else 0)
            self.last[key] = (ticks, group)

    def seconds(self) -> dict:
        self.sample()
        groups = Counter()
        for key, (ticks, group) in self.last.items():
            groups[group] += ticks - self.first[key]
        result = {name: groups[name] / CLOCK_TICKS for name in ("worker", "postgres", "bench")}
        machine = (machine_busy_ticks() - self.machine) / CLOCK_TICKS
        result["other"] = max(0.0, machine - sum(result.values()))
        result["wall"] = time.perf_counter() - self.began
        return result


def cpu_line(cpu: dict) -> str:
    cores = os.cpu_count() or 1
    return (
        f"cpu seconds: worker {cpu['worker']:.2f}, postgres {cpu['postgres']:.2f}, "
        f"this process {cpu['bench']:.2f}, the rest of the machine {cpu['other']:.2f} "
        f"(of {cpu['wall'] * cores:.1f} on {cores} cores)"
    )


def disturbed(cpu: dict) -> bool:
    """Whether other processes used more than a fifth of a core meanwhile."""
    return cpu["other"] > 0.2 * cpu["wall"]


# ---------------------------------------------------------------------------------------------
# A recompute


@dataclass
class RunFigures:
    label: str
    run_id: int
    chunk_size: int
    chunks: int
    responses: int
    seconds: float
    start_queries: int
    tasks: list[dict]
    cpu: dict
    memory_kb: dict
    worker_pid: int

    def of(self, name: str) -> list[dict]:
        return [task for task in self.tasks if task["task"] == name]

    @property
    def queries(self) -> int:
        return self.start_queries + sum(task["queries"] for task in self.tasks)


def recompute(args, env, queue: str, year, chunk_size: int, label: str) -> RunFigures:
    """A fresh worker; `scoring_run_start`; poll until the run is complete and current."""
    import redis
    from django.db import connection

    from surveys.models import ScoringRun
    from surveys.scores import scoring_run_start

    store = redis.Redis.from_url(args.redis_url)
    key = env["BENCH_SCORE_KEY"]
    worker = start_worker(args, env, queue, label)
    try:
        store.delete(key)  # the healthcheck's record
        worker.sample_memory()
        tracker = CpuTracker(args.db, worker.process.pid)
        log = QueryLog()
        began_wall, began = time.time(), time.perf_counter()
        with connection.execute_wrapper(log):
            run = scoring_run_start(year=year, chunk_size=chunk_size)
        while True:
            status, is_current, error = ScoringRun.objects.values_list(
                "status", "is_current", "error"
            ).get(pk=run.pk)
            if status == ScoringRun.Status.COMPLETE and is_current:
                break
            if status == ScoringRun.Status.FAILED:
                raise RuntimeError(
                    f"scoring run {run.pk} failed: {error}\n{worker.output()[-3000:]}"
                )
            if time.perf_counter() - began > args.timeout:
                raise RuntimeError(f"scoring run {run.pk} still {status} after {args.timeout:g} s")
            tracker.sample()
            worker.sample_memory()
            time.sleep(0.02)
        seconds = time.perf_counter() - began
        cpu = tracker.seconds()
        # The finish task pushes its record just after its commit: wait for it.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            tasks = [json.loads(item) for item in store.lrange(key, 0, -1)]
            if any(task["task"] == "surveys.scoring_run_finish" for task in tasks):
                break
            time.sleep(0.02)
        worker.sample_memory()
    finally:
        stop_worker(worker)
        # The tasks' results (None, kept a day by the result backend) and the records.
        tasks = [json.loads(item) for item in store.lrange(key, 0, -1)]
        store.delete(key, *(f"celery-task-meta-{task['id']}" for task in tasks))
    # The healthcheck that found the worker ready may record itself after it answered.
    tasks = [task for task in tasks if task["task"] != "dgaweb.healthcheck"]
    for task in tasks:
        task["started"] -= began_wall
        task["finished"] -= began_wall
    return RunFigures(
        label=label,
        run_id=run.pk,
        chunk_size=chunk_size,
        chunks=run.chunks_total,
        responses=run.responses_total,
        seconds=seconds,
        start_queries=len(log.queries),
        tasks=tasks,
        cpu=cpu,
        memory_kb=worker.peak_kb,
        worker_pid=worker.process.pid,
    )


def print_run(figures: RunFigures, answers: int) -> None:
    chunks = figures.of("surveys.score_chunk")
    finish = figures.of("surveys.scoring_run_finish")
    other = [
        t
        for t in figures.tasks
        if t["task"] not in ("surveys.score_chunk", "surveys.scoring_run_finish")
    ]
    per_chunk = Counter(task["queries"] for task in chunks)
    print(f"    end-to-end {figures.seconds:.2f} s (scoring_run_start until complete and current)")
    print(
        f"    {answers / figures.seconds:,.0f} answers scored per second, "
        f"{figures.responses / figures.seconds:,.0f} responses per second"
    )
    print(
        f"    SQL queries {figures.queries:,}: scoring_run_start {figures.start_queries}, "
        f"{len(chunks)} chunk tasks {sum(t['queries'] for t in chunks):,}, "
        f"finish {sum(t['queries'] for t in finish)}"
        + (f", other tasks {sum(t['queries'] for t in other)}" if other else "")
    )
    print(
        "    queries per chunk task: "
        + ", ".join(f"{queries} × {n}" for queries, n in sorted(per_chunk.items()))
        + f" ({len({t['pid'] for t in chunks})} pool processes; a process's first chunk also "
        "reads the questionnaire)"
    )
    if chunks:
        walls = [t["finished"] - t["started"] for t in chunks]
        print(
            f"    a chunk task, median (min–max): wall {median_ms(walls)}, cpu "
            f"{median_ms([t['cpu'] for t in chunks])}, SQL execute "
            f"{median_ms([t['sql'] for t in chunks])}; sum of the chunks' wall {sum(walls):.2f} s"
        )
        print(
            f"    timeline: first chunk starts at {min(t['started'] for t in chunks):.2f} s, "
            f"last chunk ends at {max(t['finished'] for t in chunks):.2f} s"
        )
    for task in finish[-1:]:
        print(
            f"    finish: {task['started']:.2f}–{task['finished']:.2f} s, wall "
            f"{(task['finished'] - task['started']) * 1000:.0f} ms, cpu {task['cpu'] * 1000:.0f} "
            f"ms, SQL execute {task['sql'] * 1000:.0f} ms"
        )
    print(f"    {cpu_line(figures.cpu)}")
    main = figures.memory_kb.get(figures.worker_pid, 0)
    pool = sorted(
        (kb for pid, kb in figures.memory_kb.items() if pid != figures.worker_pid), reverse=True
    )
    print(
        f"    peak worker memory (VmHWM): main {main / PAGE_MB:.0f} MB, pool processes "
        + ", ".join(f"{kb / PAGE_MB:.0f}" for kb in pool)
        + f" MB; all together {worker_mb(figures):.0f} MB"
    )


def median_ms(seconds: list[float]) -> str:
    return (
        f"{statistics.median(seconds) * 1000:.0f} ms "
        f"({min(seconds) * 1000:.0f}–{max(seconds) * 1000:.0f})"
    )


def worker_mb(figures: RunFigures) -> float:
    """The peaks of the main process and of each pool process, added up: an upper bound, as
    pages the pool shares with the main process (forked) count in each."""
    return sum(figures.memory_kb.values()) / PAGE_MB


def print_queries(runs: list[RunFigures], answers: int) -> tuple[bool, list[int]]:
    """Queries against chunks: the same count per chunk task at both chunk sizes, though one
    chunk holds four times the answers of the other, and one more chunk costs that many."""
    print("\n(c) queries against chunks and answers")
    print("    run  chunks  answers/chunk  queries  chunk tasks  per chunk (mode)  finish")
    modes = []
    for figures in runs:
        chunk_tasks = figures.of("surveys.score_chunk")
        mode = Counter(t["queries"] for t in chunk_tasks).most_common(1)[0][0]
        modes.append(mode)
        finish = sum(t["queries"] for t in figures.of("surveys.scoring_run_finish"))
        print(
            f"    ({figures.label}) {figures.chunks:>6}  {answers / figures.chunks:>13,.0f}  "
            f"{figures.queries:>7,}  {sum(t['queries'] for t in chunk_tasks):>11,}  "
            f"{mode:>16}  {finish:>6}"
        )
    a, b = runs
    marginal = (b.queries - a.queries) / (b.chunks - a.chunks) if b.chunks != a.chunks else 0
    print(
        f"    queries = {a.queries - marginal * a.chunks:.0f} + {marginal:.2f} × chunks; "
        f"{modes[0]} queries for a chunk of {answers / a.chunks:,.0f} answers, {modes[1]} for "
        f"one of {answers / b.chunks:,.0f}"
    )
    print(
        "    (the first run's start reads the questionnaire in this process, and its finish "
        "marks the closed year scored: a few queries the second run does without)"
    )
    held = (
        a.chunks != b.chunks
        and modes[0] == modes[1]
        and b.queries > a.queries
        and abs(marginal - modes[0]) <= 1
    )
    return held, modes


# ---------------------------------------------------------------------------------------------
# The floor: one SQL query computing every dimension score

FLOOR_SQL = """
WITH RECURSIVE
responses AS (
    SELECT response.id, agency.level
    FROM surveys_response response
    JOIN agencies_agency agency ON agency.id = response.agency_id
    WHERE response.year_id = %(year)s AND response.status = 'submitted'
),
-- Questions with a show-if, for the responses that are shown them: the condition question is
-- itself shown (it applies to the level, and so does its own show-if) and has the value.
shown_dependents (response_id, question_id) AS (
    SELECT responses.id, dependent.id
    FROM surveys_question dependent
    JOIN surveys_question condition ON condition.id = dependent.show_if_question_id
    JOIN responses ON dependent.levels ? responses.level AND condition.levels ? responses.level
    JOIN surveys_answer answer
      ON answer.response_id = responses.id AND answer.question_id = condition.id
    WHERE dependent.year_id = %(year)s AND condition.show_if_question_id IS NULL
      AND answer.value = to_jsonb(dependent.show_if_value)
  UNION ALL
    SELECT shown.response_id, dependent.id
    FROM shown_dependents shown
    JOIN surveys_question dependent ON dependent.show_if_question_id = shown.question_id
    JOIN responses ON responses.id = shown.response_id
    JOIN surveys_answer answer
      ON answer.response_id = shown.response_id AND answer.question_id = shown.question_id
    WHERE dependent.levels ? responses.level
      AND answer.value = to_jsonb(dependent.show_if_value)
),
-- What a response can earn: the questions of its level without a show-if, and the dependents
-- it is shown.
possible AS (
    SELECT responses.id AS response_id, by_level.dimension_id, by_level.points
    FROM responses
    JOIN (
        SELECT levels.level, question.dimension_id, sum(question.max_points) AS points
        FROM (SELECT DISTINCT level FROM responses) levels
        JOIN surveys_question question ON question.levels ? levels.level
        WHERE question.year_id = %(year)s AND question.show_if_question_id IS NULL
        GROUP BY levels.level, question.dimension_id
    ) by_level ON by_level.level = responses.level
  UNION ALL
    SELECT shown.response_id, question.dimension_id, question.max_points
    FROM shown_dependents shown
    JOIN surveys_question question ON question.id = shown.question_id
),
-- Each choice question's options as one JSON object: option value → points.
option_points AS (
    SELECT question_id, jsonb_object_agg(value, points) AS points
    FROM surveys_option
    GROUP BY question_id
),
-- Bands as ranges: a band's points hold from its minimum up to the next band's.
bands AS (
    SELECT question_id, minimum, points,
           lead(minimum) OVER (PARTITION BY question_id ORDER BY minimum) AS next_minimum
    FROM surveys_scoringband
),
-- The points of every answer to a question asked; unanswered questions earn nothing.
earned AS (
    SELECT answer.response_id, question.dimension_id,
           LEAST(question.max_points, COALESCE(CASE
               WHEN answer.value IS NULL OR answer.value IN ('null', '""', '[]') THEN 0
               WHEN question.kind = 'single_choice' THEN
                   (option_points.points ->> (answer.value #>> '{}'))::numeric
               WHEN question.kind = 'multiple_choice' THEN (
                   SELECT sum((option_points.points ->> item)::numeric)
                   FROM (SELECT DISTINCT jsonb_array_elements_text(answer.value) AS item) items
               )
               WHEN question.kind = 'yes_no' AND answer.value = '"yes"' THEN question.max_points
               WHEN question.kind IN ('number', 'percentage') THEN band.points
           END, 0)) AS points
    FROM surveys_answer answer
    JOIN surveys_response response ON response.id = answer.response_id
    JOIN agencies_agency agency ON agency.id = response.agency_id
    JOIN surveys_question question ON question.id = answer.question_id
    LEFT JOIN option_points ON option_points.question_id = question.id
    LEFT JOIN bands band
      ON band.question_id = question.id
     AND band.minimum <= CASE WHEN question.kind IN ('number', 'percentage')
                              THEN (answer.value #>> '{}')::numeric END
     AND (band.next_minimum IS NULL OR band.next_minimum > CASE
              WHEN question.kind IN ('number', 'percentage')
              THEN (answer.value #>> '{}')::numeric END)
    WHERE response.year_id = %(year)s AND response.status = 'submitted'
      AND question.max_points > 0 AND question.levels ? agency.level
      AND (question.show_if_question_id IS NULL OR EXISTS (
          SELECT FROM shown_dependents shown
          WHERE shown.response_id = answer.response_id AND shown.question_id = question.id
      ))
  UNION ALL
    -- A file question earns its points when the response has evidence for it.
    SELECT responses.id, question.dimension_id, question.max_points
    FROM (SELECT DISTINCT response_id, question_id FROM surveys_evidence) evidence
    JOIN surveys_question question ON question.id = evidence.question_id
    JOIN responses ON responses.id = evidence.response_id
    WHERE question.kind = 'file' AND question.levels ? responses.level
      AND (question.show_if_question_id IS NULL OR EXISTS (
          SELECT FROM shown_dependents shown
          WHERE shown.response_id = evidence.response_id AND shown.question_id = question.id
      ))
)
SELECT responses.id AS response_id, dimension.id AS dimension_id,
       COALESCE(earned.points, 0) AS earned, COALESCE(possible.points, 0) AS possible,
       CASE WHEN COALESCE(possible.points, 0) = 0 THEN 0
            ELSE COALESCE(earned.points, 0) * 100 / possible.points END AS score
FROM responses
CROSS JOIN surveys_dimension dimension
LEFT JOIN (
    SELECT response_id, dimension_id, sum(points) AS points FROM possible GROUP BY 1, 2
) possible ON possible.response_id = responses.id AND possible.dimension_id = dimension.id
LEFT JOIN (
    SELECT response_id, dimension_id, sum(points) AS points FROM earned GROUP BY 1, 2
) earned ON earned.response_id = responses.id AND earned.dimension_id = dimension.id
WHERE dimension.year_id = %(year)s
"""

COMPARE_SQL = f"""
WITH floor AS ({FLOOR_SQL}),
stored AS (
    SELECT score.response_id, stored.dimension_id, stored.earned, stored.possible, stored.value
    FROM surveys_dimensionscore stored
    JOIN surveys_responsescore score ON score.id = stored.score_id
    WHERE score.run_id = %(run)s
)
SELECT count(*) AS compared,
       count(*) FILTER (WHERE floor.response_id IS NULL OR stored.response_id IS NULL
                          OR round(floor.score, 2) <> round(stored.value, 2)) AS mismatches,
       count(*) FILTER (WHERE floor.earned <> stored.earned
                          OR floor.possible <> stored.possible) AS points_mismatches
FROM floor
FULL JOIN stored
  ON stored.response_id = floor.response_id AND stored.dimension_id = floor.dimension_id
"""


def floor_time(year_id: int, rounds: int = 5) -> tuple[list[float], int]:
    """Seconds of each execution of the floor query, the rows fetched included."""
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        for _ in range(rounds):
            started = time.perf_counter()
            cursor.execute(FLOOR_SQL, {"year": year_id})
            rows = cursor.fetchall()
            times.append(time.perf_counter() - started)
    return times, len(rows)


def floor_compare(year_id: int, run_id: int) -> tuple[int, int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(COMPARE_SQL, {"year": year_id, "run": run_id})
        return cursor.fetchone()


# ---------------------------------------------------------------------------------------------
# One chunk in-process


def recompute_in_process(year, chunk_size: int, profile: bool) -> None:
    """The whole recompute in this process, chunk after chunk and then the finish, through the
    same services the tasks call, inside a transaction that is rolled back: where the time of a
    chunk and of the finish goes, SQL or Python. The questionnaire is cached here already."""
    import cProfile
    import pstats

    from django.db import connection, transaction

    from surveys.models import Response, ScoringChunk, ScoringRun
    from surveys.scores import scoring_chunk_score, scoring_run_finish

    response_ids = list(
        Response.objects.filter(year=year, status=Response.Status.SUBMITTED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chunks = [response_ids[i : i + chunk_size] for i in range(0, len(response_ids), chunk_size)]
    profilers = {"chunk": cProfile.Profile(), "finish": cProfile.Profile()}
    steps = []  # (name, wall, cpu, QueryLog)

    def measure(name, call, profiler=None):
        log = QueryLog()
        with connection.execute_wrapper(log):
            started, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            call()
            if profiler:
                profiler.disable()
            steps.append((name, time.perf_counter() - started, time.process_time() - cpu, log))

    with transaction.atomic():
        run = ScoringRun.objects.create(
            year=year, trigger=ScoringRun.Trigger.RECOMPUTE, chunks_total=len(chunks),
            responses_total=len(response_ids),
        )  # fmt: skip
        ScoringChunk.objects.bulk_create(
            ScoringChunk(run=run, number=number, response_ids=ids)
            for number, ids in enumerate(chunks, start=1)
        )
        began = time.perf_counter()
        for number in range(1, len(chunks) + 1):
            measure(
                "chunk",
                lambda number=number: scoring_chunk_score(run_id=run.pk, number=number),
                profilers["chunk"] if profile and number == 2 else None,
            )
        measure(
            "finish",
            lambda: scoring_run_finish(run_id=run.pk),
            profilers["finish"] if profile else None,
        )
        total = time.perf_counter() - began
        transaction.set_rollback(True)

    chunk_steps = [step for step in steps if step[0] == "chunk"]
    wall = sum(step[1] for step in chunk_steps)
    cpu = sum(step[2] for step in chunk_steps)
    sql = sum(step[3].seconds for step in chunk_steps)
    n = len(chunk_steps)
    print(
        f"    all of it serially: {total:.2f} s; {n} chunks {wall:.2f} s (cpu here {cpu:.2f} s, "
        f"SQL {sql:.2f} s), finish {steps[-1][1]:.2f} s"
    )
    print(
        f"    a chunk of {chunk_size} responses: wall {wall / n * 1000:.0f} ms, cpu of this "
        f"process {cpu / n * 1000:.0f} ms, {len(chunk_steps[-1][3].queries)} queries whose "
        f"execute takes {sql / n * 1000:.0f} ms (rows are decoded afterwards, as Python iterates)"
    )
    for name, step_wall, step_cpu, log in (chunk_steps[1], steps[-1]):
        print(
            f"    the queries of {'chunk 2' if name == 'chunk' else 'the finish'} "
            f"(wall {step_wall * 1000:.0f} ms, cpu {step_cpu * 1000:.0f} ms, "
            f"SQL {log.seconds * 1000:.0f} ms):"
        )
        for number, (seconds, statement) in enumerate(log.queries, 1):
            statement = " ".join(statement.split())
            print(f"    {number:>3}. {seconds * 1000:7.1f} ms  {statement[:104]}")
    if profile:
        for name, profiler in profilers.items():
            print(f"    cProfile of {'chunk 2' if name == 'chunk' else 'the finish'}, by own time:")
            stats = pstats.Stats(profiler, stream=sys.stdout)
            stats.sort_stats("tottime").print_stats(25)


# ---------------------------------------------------------------------------------------------
# The run


def main() -> int:
    args = parse_args()
    began = time.perf_counter()
    queue = f"dgaweb-bench-score-{secrets.token_hex(4)}"
    env = configure_environment(args, queue)
    # A SIGTERM ends the run through the `finally`s, so the workers stop and the database goes.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(f"dgaweb scoring benchmark: settings {args.settings}, database {args.db}, queue {queue}")

    import django

    drop_database(args, create_again=True)
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    ok = False
    try:
        step = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        print(f"    migrated in {time.perf_counter() - step:.1f} s")
        step = time.perf_counter()
        built = seed(args)
        year, specs = built["year"], built["specs"]
        kinds = Counter(spec.kind for spec in specs)
        print(
            f"    seeded in {time.perf_counter() - step:.1f} s: {sum(built['levels'].values()):,} "
            "agencies ("
            + ", ".join(f"{n:,} {level}" for level, n in built["levels"].most_common())
            + f"); {len(specs)} questions over {len(built['weights'])} dimensions weighted "
            + "/".join(f"{w:f}" for w in built["weights"].values())
        )
        print(
            "    kinds: "
            + ", ".join(f"{n} {kind}" for kind, n in kinds.most_common())
            + f"; {sum(1 for s in specs if s.show_if)} with a show-if, "
            f"{sum(1 for s in specs if len(s.levels) < 3)} for some levels only"
        )
        print(
            f"    {built['responses']:,} submitted responses, {built['answers']:,} answers, "
            f"{built['evidence']:,} evidence files"
        )

        first_size = args.chunk_size or settings.SCORING_CHUNK_SIZE
        runs = []
        for label, size in (("a", first_size), ("b", args.second_chunk_size)):
            chunks = -(-built["responses"] // size)
            print(
                f"\n({label}) full recompute, chunk size {size} ({chunks} chunks), one worker "
                f"--pool prefork --concurrency {args.concurrency}, started fresh"
            )
            figures = recompute(args, env, queue, year, size, label)
            print_run(figures, built["answers"])
            runs.append(figures)

        grows_with_chunks, modes = print_queries(runs, built["answers"])

        print("\n(d) the floor: one SQL query computing every dimension score of the year")
        tracker = CpuTracker(args.db)
        times, rows = floor_time(year.pk)
        floor_cpu = tracker.seconds()
        floor = min(times)
        print(
            f"    {rows:,} (response, dimension) rows in "
            + ", ".join(f"{t:.3f}" for t in times)
            + f" s; the best, {floor:.3f} s, is the floor"
        )
        print(f"    {cpu_line(floor_cpu)}")
        mismatches = 0
        for figures in runs:
            compared, wrong, points_wrong = floor_compare(year.pk, figures.run_id)
            mismatches += wrong
            print(
                f"    run ({figures.label}): {compared:,} dimension scores compared, "
                f"{wrong} differ at 2 decimals, {points_wrong} differ in points earned or possible"
            )
        a = runs[0]
        ratio = a.seconds / floor
        print(f"    end-to-end ÷ floor: {a.seconds:.2f} / {floor:.3f} = {ratio:.1f}")

        print(f"\n(e) the recompute in this process, chunk size {first_size} (rolled back)")
        recompute_in_process(year, first_size, args.profile)

        peak = max(worker_mb(figures) for figures in runs)
        targets = [
            (f"full recompute < {TARGET_SECONDS} s", a.seconds < TARGET_SECONDS,
             f"{a.seconds:.2f} s"),
            (f"within {TARGET_FLOOR_RATIO}× of the SQL floor", ratio <= TARGET_FLOOR_RATIO,
             f"{ratio:.1f}× ({a.seconds:.2f} s / {floor:.3f} s)"),
            ("queries grow with chunks, not answers", grows_with_chunks,
             f"{modes[0]} and {modes[1]} per chunk at {built['answers'] / runs[0].chunks:,.0f} "
             f"and {built['answers'] / runs[1].chunks:,.0f} answers a chunk"),
            (f"peak worker memory < {TARGET_WORKER_MB} MB", peak < TARGET_WORKER_MB,
             f"{peak:.0f} MB"),
            ("floor agrees with the stored scores", mismatches == 0, f"{mismatches} mismatches"),
        ]  # fmt: skip
        print("\ntargets")
        for label, held, figure in targets:
            print(f"    {'PASS' if held else 'FAIL'}  {label:<40} {figure}")
        ok = all(held for _, held, _ in targets)
        phases = [(f"run ({f.label})", f.cpu) for f in runs] + [("the floor", floor_cpu)]
        if busy := [f"{name} ({cpu['other']:.1f} s)" for name, cpu in phases if disturbed(cpu)]:
            print(
                "    WARNING: other processes used more than a fifth of a core during "
                + ", ".join(busy)
                + "; those times are longer than on a quiet machine"
            )
        print(f"\ntotal run time {time.perf_counter() - began:.0f} s")
    finally:
        import redis

        store = redis.Redis.from_url(args.redis_url)
        store.delete(
            queue,
            f"_kombu.binding.{queue}",
            f"_kombu.binding_permanent.{queue}",
            env["BENCH_SCORE_KEY"],
        )
        connections.close_all()
        if args.keep:
            print(f"kept database {args.db}")
        else:
            drop_database(args)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
