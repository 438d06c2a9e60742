"""`manage.py score_year 2569`: recompute a year's scores, and follow the run until it ends."""

import time

from django.core.management.base import BaseCommand, CommandError

from surveys.models import ScoringRun, SurveyYear
from surveys.scores import run_progress, scoring_run_start
from surveys.scoring import ScoringError


class Command(BaseCommand):
    help = "Recompute every submitted response of a survey year (B.E.) into a new scoring run."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int, help="Buddhist Era year, e.g. 2569")
        parser.add_argument(
            "--no-wait",
            action="store_true",
            help="Start the run and return at once instead of following its progress.",
        )
        parser.add_argument("--chunk-size", type=int, default=None, help="Responses per task.")

    def handle(self, *args, year, no_wait, chunk_size, **options):
        survey_year = SurveyYear.objects.filter(year=year).first()
        if survey_year is None:
            known = ", ".join(str(y) for y in SurveyYear.objects.values_list("year", flat=True))
            raise CommandError(f"There is no survey year {year}. Known years: {known or 'none'}.")
        try:
            run = scoring_run_start(year=survey_year, chunk_size=chunk_size)
        except ScoringError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Scoring run {run.pk} of {year}: {run.responses_total} submitted responses "
            f"in {run.chunks_total} chunks."
        )
        if no_wait:
            return
        shown = None
        while True:
            run.refresh_from_db()
            progress = run_progress(run)
            line = f"{progress['chunks_done']}/{progress['chunks_total']} chunks"
            if line != shown:
                self.stdout.write(f"  {line} ({progress['percent']} %)")
                shown = line
            if run.status != ScoringRun.Status.RUNNING:
                break
            time.sleep(0.5)
        seconds = run.duration.total_seconds()
        if run.status == ScoringRun.Status.FAILED:
            raise CommandError(f"Scoring run {run.pk} failed after {seconds:.1f} s: {run.error}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Scoring run {run.pk} is complete and current: {run.scores.count()} responses "
                f"scored in {seconds:.1f} s."
            )
        )
