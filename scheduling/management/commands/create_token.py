"""``manage.py create_token USERNAME``: issue an API token and print it once."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from scheduling.management.orgs import find_organization
from scheduling.models import ApiToken, Membership, Role, User


class Command(BaseCommand):
    help = (
        "Issue an API token for a user and print it once; the token alone is the last "
        "line of output. With --org and --role, also make the user a member of the org "
        "(all locations)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for.")
        parser.add_argument("--org", help="Organization UUID or exact name.")
        parser.add_argument("--role", choices=[role.value for role in Role])
        parser.add_argument(
            "--create-user", action="store_true", help="Create the user if it does not exist."
        )

    @transaction.atomic
    def handle(self, *args, username, name, org, role, create_user, **options):
        if bool(org) != bool(role):
            raise CommandError("--org and --role go together.")
        organization = find_organization(org) if org else None
        user = User.objects.filter(username=username).first()
        if user is None:
            if not create_user:
                raise CommandError(f"No user {username!r} (use --create-user to create it).")
            user = User(username=username)
            user.set_unusable_password()
            user.save()
            self.stdout.write(f"Created user {username}.")
        if organization is not None:
            Membership.objects.update_or_create(
                org=organization, user=user, defaults={"role": role, "all_locations": True}
            )
            self.stdout.write(f"{username} is {role} of {organization.name} (all locations).")
        token, clear = ApiToken.issue(user=user, name=name)
        self.stdout.write(f"Token {token.prefix} for {username}; it will not be shown again:")
        self.stdout.write(clear)
