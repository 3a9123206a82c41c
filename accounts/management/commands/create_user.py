from django.core.management.base import BaseCommand, CommandError

from accounts.roles import Role
from accounts.services import user_create
from tracker.exceptions import ValidationFailed


class Command(BaseCommand):
    help = "Create a user with one or more roles; prints a generated password if none is given."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--role",
            action="append",
            required=True,
            dest="roles",
            metavar="ROLE",
            help=f"one of {', '.join(Role.values)}; repeat for several",
        )
        parser.add_argument("--password", help="generated and printed when omitted")
        parser.add_argument("--email", default="")

    def handle(self, *args, username, roles, password, email, **options):
        try:
            user, password_used = user_create(
                username=username, roles=roles, password=password, email=email
            )
        except ValidationFailed as error:
            # Printed to stderr, one line per error; the command exits with status 1.
            lines = [
                f"  {field}: {message}"
                for field, messages in error.fields.items()
                for message in messages
            ]
            raise CommandError("\n".join(["No user was created:", *lines])) from error
        self.stdout.write(f"Created {user.username} with roles {', '.join(roles)}.")
        if not password:
            self.stdout.write(f"Password: {password_used}")
