from django.core.management.base import BaseCommand, CommandError

from commitments import demo


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
        self.stdout.write("Demo users (username / password):")
        for username, password in result.passwords:
            self.stdout.write(f"  {username} / {password}")
