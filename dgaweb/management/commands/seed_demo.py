from django.core.management.base import BaseCommand
from django.db import transaction

from agencies.demo import demo_accounts_ensure, demo_registry_load
from awards.demo import demo_awards_load, demo_awards_publish
from awards.presets import AWARDS_2564
from results.demo import demo_recommendations_load
from surveys.demo import demo_scores_compute, demo_survey_load


class Command(BaseCommand):
    help = (
        "Load the real-scale demo data and the demo accounts. Deterministic and idempotent: "
        "running it again changes nothing."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            registry = demo_registry_load()
            accounts = demo_accounts_ensure()
            years = demo_survey_load()
        runs = demo_scores_compute(years)
        # Three stages: the oldest year published, the next one with the committee, this year open.
        *_, published_be, committee_be, _open_be = sorted(year.year for year in years)
        published = demo_awards_publish(year_be=published_be)
        awards = demo_awards_load(year_be=committee_be)
        recommendations = {
            summary.year: summary
            for summary in demo_recommendations_load(years_be=[published_be, committee_be])
        }

        self.stdout.write(self.style.MIGRATE_HEADING("Demo registry"))
        for part, summary in registry.items():
            self.stdout.write(
                f"  {part:<26} {summary.created:>5} created  {summary.updated:>5} updated  "
                f"{summary.unchanged:>5} unchanged"
            )
        self.stdout.write(self.style.MIGRATE_HEADING("Demo survey years"))
        for year in years:
            if not year.created:
                self.stdout.write(f"  {year.year}  already there, left as it was")
                continue
            self.stdout.write(
                f"  {year.year}  {year.responses} agencies invited, {year.started} started, "
                f"{year.submitted} submitted, {year.answers} answers"
            )
        for run in runs:
            state = (
                f"{run.scores.count()} responses scored in {run.duration.total_seconds():.1f} s"
                if run.is_current
                else "queued for the Celery workers"
            )
            self.stdout.write(f"  {run.year.year}  scores: {state}")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo awards and recommendations"))
        if published.created:
            award_set = (
                "the 2564 set"
                if published.categories == len(AWARDS_2564)
                else "the 2564 set but most improved: no year before to compare with"
            )
            self.stdout.write(
                f"  {published.year}  published: {published.categories} award categories "
                f"({award_set}), {published.winners} winners, agency scores published"
            )
        else:
            self.stdout.write(
                f"  {published.year}  {published.note or 'already there, left as it was'}"
            )
        if awards.created:
            self.stdout.write(
                f"  {awards.year}  {awards.categories} award categories (the 2564 set), "
                f"{awards.candidates} candidates on their shortlists, 2 of 3 committee votes cast"
            )
        else:
            self.stdout.write(f"  {awards.year}  {awards.note or 'already there, left as it was'}")
        for year_be, summary in sorted(recommendations.items()):
            if summary.created:
                self.stdout.write(
                    f"  {year_be}  {summary.created} recommendations: all agencies, each level, "
                    "each award group, the Provincial Offices"
                )
            else:
                note = summary.note or "already there, left as they were"
                self.stdout.write(f"  {year_be}  recommendations {note}")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo accounts (log in at /accounts/login/)"))
        for account, created in accounts:
            note = "created" if created else "already there, left as it was"
            self.stdout.write(
                f"  {account.role:<26} {account.email:<34} password: {account.password:<20} "
                f"({note})"
            )
