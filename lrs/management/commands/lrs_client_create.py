"""Issue LRS credentials for an institution from the command line (operators, conformance runs)."""

from django.core.management.base import BaseCommand, CommandError

from institutions.models import Institution
from lrs.models import LRSClient
from lrs.services import lrs_client_create


class Command(BaseCommand):
    help = "Issue LRS credentials (key and secret) for an institution; the secret is shown once."

    def add_arguments(self, parser):
        parser.add_argument("institution", help="the institution's national code")
        parser.add_argument("--name", default="LRS client")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            choices=LRSClient.Scope.values,
            help="repeat for several scopes (default: all)",
        )

    def handle(self, *args, institution, name, scopes, **options):
        try:
            owner = Institution.objects.get(code=institution)
        except Institution.DoesNotExist as exc:
            raise CommandError(f"No institution with code {institution}") from exc
        client, secret = lrs_client_create(
            actor=None, institution=owner, name=name, scopes=scopes or [LRSClient.Scope.ALL]
        )
        self.stdout.write(f"key={client.key}\nsecret={secret}\n")
