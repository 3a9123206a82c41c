from django.core.management.base import BaseCommand, CommandError

from accounts.models import TokenScope, User
from accounts.services import api_token_issue
from tracker.exceptions import ValidationFailed


class Command(BaseCommand):
    help = "Issue an API token for a user; prints the token alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--scope", choices=TokenScope.values, default=TokenScope.READ)
        parser.add_argument("--expires-days", type=int, default=None)
        parser.add_argument("--name", default="")

    def handle(self, *args, username, scope, expires_days, name, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username}.")
        try:
            token, key = api_token_issue(
                user=user, scope=scope, name=name, expires_days=expires_days
            )
        except ValidationFailed as error:
            raise CommandError(error.message) from error
        expiry = f", expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else ""
        self.stdout.write(f"Token {token.prefix}… for {username}, scope {scope}{expiry}.")
        self.stdout.write("Shown once; store it now:")
        self.stdout.write(key)
