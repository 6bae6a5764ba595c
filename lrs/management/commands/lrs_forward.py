"""Send queued statements to the institutions' external LRSs (cron, or a long-running loop)."""

import time

from django.core.management.base import BaseCommand

from lrs.forwarding import forward_due


class Command(BaseCommand):
    help = (
        "Forward the statements due to every active forwarding destination, in batches, "
        "with retries and backoff. Run it from cron every minute, or with --every N to loop."
    )

    def add_arguments(self, parser):
        parser.add_argument("--destination", type=int, help="Only this destination's id.")
        parser.add_argument(
            "--every",
            type=float,
            default=0,
            help="Repeat every N seconds until stopped (0: run once).",
        )

    def handle(self, *args, destination, every, **options):
        while True:
            report = forward_due(destination_id=destination)
            self.stdout.write(
                f"sent={report.sent} retried={report.retried} failed={report.failed}\n"
            )
            for error in report.errors:
                self.stderr.write(error + "\n")
            if not every:
                return
            time.sleep(every)
