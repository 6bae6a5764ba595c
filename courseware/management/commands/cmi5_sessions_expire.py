"""Abandon cmi5 sessions left open too long (run from cron every hour)."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from courseware.cmi5.services import sessions_expire


class Command(BaseCommand):
    help = "Abandon every cmi5 session left open longer than --hours (default 12)."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=float, default=12.0)

    def handle(self, *args, **options):
        if not options["hours"] > 0:
            raise CommandError("--hours must be more than 0.")
        count = sessions_expire(older_than=timedelta(hours=options["hours"]))
        self.stdout.write(f"{count}")
