"""Submit every attempt past its deadline and grace period (run from cron every minute)."""

from django.core.management.base import BaseCommand

from assessment.attempts import attempts_expire


class Command(BaseCommand):
    help = "Submit every exam attempt past its deadline and grace period."

    def handle(self, *args, **options):
        count = attempts_expire()
        self.stdout.write(f"{count}")
