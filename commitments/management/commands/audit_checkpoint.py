import orjson
from django.core.management.base import BaseCommand

from commitments import services
from commitments.audit import checkpoints


class Command(BaseCommand):
    help = (
        "Sign the audit chain's head now and publish it (the API, webhooks of type "
        "audit.checkpoint); prints the checkpoint's JSON as the API serves it."
    )

    def handle(self, *args, **options):
        checkpoint = services.audit_checkpoint_create()
        self.stdout.write(orjson.dumps(checkpoints.document(checkpoint)).decode())
