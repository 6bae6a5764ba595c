"""Delete expired launch credentials (run daily from the scheduler)."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from lrs.services import launch_credentials_purge


class Command(BaseCommand):
    help = "Delete launch credentials that expired more than --days days ago (default 1)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=1)

    def handle(self, *args, days, **options):
        deleted = launch_credentials_purge(older_than=timedelta(days=days))
        self.stdout.write(f"deleted={deleted}\n")
