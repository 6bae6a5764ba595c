"""Import a QTI 2.1/2.2/3.0 package into an item bank and print the item-by-item report."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from assessment.models import ItemBank
from assessment.qti.package import QtiPackageError
from assessment.qti.services import qti_import
from institutions.models import User


class Command(BaseCommand):
    help = "Import a QTI content package (zip) into an item bank; prints what was imported."

    def add_arguments(self, parser):
        parser.add_argument("package", help="Path of the .zip package.")
        parser.add_argument("--bank", type=int, required=True, help="Id of the item bank.")
        parser.add_argument(
            "--user", help="Username acting (checked like the screens); the platform if omitted."
        )

    def handle(self, *args, **options):
        try:
            bank = ItemBank.objects.get(pk=options["bank"])
        except ItemBank.DoesNotExist as exc:
            raise CommandError(f"No item bank {options['bank']}.") from exc
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"No user {options['user']}.")
        try:
            with open(options["package"], "rb") as handle:
                report = qti_import(actor=actor, bank=bank, fileobj=handle)
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        except QtiPackageError as exc:
            raise CommandError(f"Package refused ({exc.code}): {exc}") from exc
        for item in report.items:
            if item.imported:
                self.stdout.write(
                    f"imported  {item.href}  {item.question_type}  #{item.version_id}"
                )
            else:
                self.stdout.write(f"FAILED    {item.href}  {item.code}: {item.message}")
        for test in report.tests:
            if test.made:
                self.stdout.write(
                    f"exam      {test.href}  #{test.exam_id} {test.title!r}: {test.sections} "
                    f"section(s), {test.items} question(s), {test.rules} rule(s)"
                )
            else:
                self.stdout.write(f"NO EXAM   {test.href}  {test.code}: {test.message}")
            for problem in test.problems:
                self.stdout.write(f"          {problem}")
            if test.problems_left_out:
                self.stdout.write(f"          ... and {test.problems_left_out} more")
        for note in [*report.notes, *report.schema_notes]:
            self.stdout.write(f"note      {note}")
        made = sum(test.made for test in report.tests)
        self.stdout.write(f"{len(report.imported)} imported, {len(report.failed)} not imported.")
        if report.tests:
            self.stdout.write(f"{made} exam(s) made of {len(report.tests)} test(s).")
        if report.failed:
            raise CommandError(f"{len(report.failed)} item(s) could not be imported.", returncode=2)
