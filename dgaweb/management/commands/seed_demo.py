from django.core.management.base import BaseCommand
from django.db import transaction

from agencies.demo import demo_accounts_ensure, demo_registry_load


class Command(BaseCommand):
    help = (
        "Load the real-scale demo data and the demo accounts. Deterministic and idempotent: "
        "running it again changes nothing."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            registry = demo_registry_load()
            accounts = demo_accounts_ensure()

        self.stdout.write(self.style.MIGRATE_HEADING("Demo registry"))
        for part, summary in registry.items():
            self.stdout.write(
                f"  {part:<26} {summary.created:>5} created  {summary.updated:>5} updated  "
                f"{summary.unchanged:>5} unchanged"
            )
        self.stdout.write(self.style.MIGRATE_HEADING("Demo accounts (log in at /accounts/login/)"))
        for account, created in accounts:
            note = "created" if created else "already there, left as it was"
            self.stdout.write(
                f"  {account.role:<26} {account.email:<34} password: {account.password:<20} "
                f"({note})"
            )
