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
        parser.add_argument(
            "--assumed-version",
            choices=LRSClient.Version.values,
            default=LRSClient.Version.V1_0_3,
            help="xAPI version a refusal of a request naming none speaks (default: 1.0.3)",
        )
        parser.add_argument(
            "--profile-concurrency",
            choices=LRSClient.Concurrency.values,
            default=LRSClient.Concurrency.XAPI2,
            help=(
                "refuse a profile PUT creating a document without If-Match/If-None-Match: "
                "xapi2 (for 2.0 requests only, default), strict (always), lenient (never)"
            ),
        )

    def handle(
        self, *args, institution, name, scopes, assumed_version, profile_concurrency, **options
    ):
        try:
            owner = Institution.objects.get(code=institution)
        except Institution.DoesNotExist as exc:
            raise CommandError(f"No institution with code {institution}") from exc
        client, secret = lrs_client_create(
            actor=None,
            institution=owner,
            name=name,
            scopes=scopes or [LRSClient.Scope.ALL],
            assumed_version=assumed_version,
            profile_concurrency=profile_concurrency,
        )
        self.stdout.write(f"key={client.key}\nsecret={secret}\n")
