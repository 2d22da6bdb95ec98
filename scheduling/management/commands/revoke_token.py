"""``manage.py revoke_token PREFIX``: revoke an API token by its prefix."""

from django.core.management.base import BaseCommand, CommandError

from scheduling.models import ApiToken


class Command(BaseCommand):
    help = "Revoke an API token, named by its prefix (or the whole token)."

    def add_arguments(self, parser):
        parser.add_argument("prefix", help="The token's prefix, e.g. 0a1b2c3d4e, or the token.")

    def handle(self, *args, prefix, **options):
        prefix = ApiToken.parse_prefix(prefix) or prefix.removeprefix("cs_")
        token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
        if token is None:
            raise CommandError(f"No token with prefix {prefix!r}.")
        if not token.is_active:
            self.stdout.write(f"Token {prefix} of {token.user} was already revoked.")
            return
        token.revoke()
        self.stdout.write(self.style.SUCCESS(f"Revoked token {prefix} of {token.user}."))
