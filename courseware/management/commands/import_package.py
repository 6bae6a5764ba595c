"""Import a content package file from the shell: `manage.py import_package PATH --institution CODE`."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from institutions.models import Institution

from ...importing import PackageImportError
from ...models import Licence
from ...services import package_import, package_version_add


class Command(BaseCommand):
    help = "Import a content package (zip: SCORM, cmi5, Common Cartridge or web content)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the package archive (.zip)")
        parser.add_argument("--institution", required=True, help="national code of the owner")
        parser.add_argument("--title", default="", help="defaults to the manifest's title")
        parser.add_argument(
            "--licence", default=Licence.ALL_RIGHTS_RESERVED, choices=Licence.values
        )
        parser.add_argument("--language", default="vi")
        parser.add_argument(
            "--package", type=int, help="add the archive as a new version of this package id"
        )
        parser.add_argument("--user", help="username recorded as the uploader (must be staff)")

    def handle(self, *args, **options):
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            institution = Institution.objects.get(code=options["institution"])
        except Institution.DoesNotExist as exc:
            raise CommandError(f"No institution with code {options['institution']}") from exc
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"No user {options['user']}")
        try:
            with path.open("rb") as file:
                if options["package"]:
                    package = institution.packages.filter(pk=options["package"]).first()
                    if package is None:
                        raise CommandError(f"No package {options['package']} in {institution.code}")
                    result = package_version_add(actor=actor, package=package, file=file)
                else:
                    result = package_import(
                        actor=actor,
                        institution=institution,
                        file=file,
                        title=options["title"],
                        licence=options["licence"],
                        language=options["language"],
                    )
        except PackageImportError as exc:
            for problem in exc.problems:
                self.stderr.write(f"error [{problem.code}] {problem}")
            raise CommandError(f"{path.name} was not imported.", returncode=2) from exc
        except (PermissionDenied, ValidationError) as exc:
            raise CommandError(f"{path.name} was not imported: {exc}", returncode=2) from exc
        version = result.version
        kind = version.get_kind_display()
        if version.edition:
            kind = f"{kind} {version.get_edition_display()}"
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(f"kind: {kind}")
        self.stdout.write(f"launchable items: {result.launchable_count}")
        self.stdout.write(
            self.style.SUCCESS(
                f"imported package {result.package.pk} “{result.package.title}”"
                f" version {version.number} ({version.file_count} files)"
            )
        )
