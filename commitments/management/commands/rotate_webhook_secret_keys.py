from django.core.management.base import BaseCommand

from commitments import services


class Command(BaseCommand):
    help = (
        "Re-encrypt every webhook endpoint's secrets under the newest key of "
        "WEBHOOK_SECRET_KEYS (the first); run it before dropping an older key."
    )

    def handle(self, *args, **options):
        count = services.webhook_secrets_reencrypt()
        self.stdout.write(f"Re-encrypted the secrets of {count} webhook endpoint(s).")
