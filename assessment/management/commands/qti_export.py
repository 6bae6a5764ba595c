"""Export an item bank (or some of its items) or an exam as a QTI content package."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from assessment.models import Exam, ItemBank
from assessment.qti.services import qti_export_bank, qti_export_exam
from institutions.models import User


class Command(BaseCommand):
    help = "Write an item bank or an exam as a QTI 2.1, 2.2 or 3.0 content package (zip)."

    def add_arguments(self, parser):
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--bank", type=int, help="Id of the item bank.")
        target.add_argument("--exam", type=int, help="Id of the exam.")
        parser.add_argument("--item", type=int, action="append", help="Only these item ids.")
        parser.add_argument("--qti-version", default="2.1", choices=["2.1", "2.2", "3.0"])
        parser.add_argument("--user", required=True, help="Username whose reading rights apply.")
        parser.add_argument("output", help="Path of the .zip to write.")

    def handle(self, *args, **options):
        actor = User.objects.filter(username=options["user"]).first()
        if actor is None:
            raise CommandError(f"No user {options['user']}.")
        version = options["qti_version"]
        try:
            data = self._export(actor, version, options)
        except (PermissionDenied, ValidationError) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
        Path(options["output"]).write_bytes(data)
        self.stdout.write(f"Wrote {len(data)} bytes to {options['output']} (QTI {version}).")

    def _export(self, actor, version, options) -> bytes:
        if options["bank"]:
            bank = ItemBank.objects.filter(pk=options["bank"]).first()
            if bank is None:
                raise CommandError(f"No item bank {options['bank']}.")
            return qti_export_bank(
                actor=actor, bank=bank, qti_version=version, item_ids=options["item"]
            )
        exam = Exam.objects.filter(pk=options["exam"]).first()
        if exam is None:
            raise CommandError(f"No exam {options['exam']}.")
        return qti_export_exam(actor=actor, exam=exam, qti_version=version)
