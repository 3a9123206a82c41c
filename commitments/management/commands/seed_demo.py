from django.core.management.base import BaseCommand, CommandError

from accounts.roles import ROLE_SUMMARIES, Role
from commitments import demo


def describe(roles: list[str]) -> str:
    """ "Analyst: proposes ..." for each role, joined by "; "."""
    return "; ".join(f"{Role(role).label}: {ROLE_SUMMARIES[role]}" for role in roles)


class Command(BaseCommand):
    help = (
        "Load the demo scenario (the Paris joint statement of 2024-03-15), marked as sample "
        "data. Running it twice changes nothing."
    )

    def handle(self, *args, **options):
        try:
            result = demo.demo_load()
        except demo.DemoAlreadyPartlyLoaded as error:
            raise CommandError(
                f"The database holds part of the demo scenario ({error}); nothing was loaded. "
                "Run seed_demo on an empty database (e.g. delete db.sqlite3 and migrate)."
            ) from error
        if not result.created:
            self.stdout.write("The demo scenario is already loaded; nothing changed.")
            return
        self.stdout.write(
            f"Loaded the demo scenario: {result.commitments} commitments (sample data)."
        )
        self.stdout.write("Demo users (username / password: role, what they may do):")
        roles = {username: user_roles for username, _, user_roles in demo.DEMO_USERS}
        for username, password in result.passwords:
            self.stdout.write(f"  {username} / {password}: {describe(roles[username])}")
        self.stdout.write("Sign in at /login/; the header then links the pages each one uses.")
