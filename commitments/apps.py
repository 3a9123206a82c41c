from django.apps import AppConfig
from django.conf import settings


class CommitmentsConfig(AppConfig):
    name = "commitments"
    verbose_name = "Commitments"

    def ready(self) -> None:
        from commitments import (
            checks,  # noqa: F401  (registers the deploy checks)
            crypto,
            headwatch,
            operations,
        )
        from commitments.audit import checkpoints, receivers
        from tracker import record_version

        receivers.connect()
        # Every write appends to the audit chain: its head names the record's version, so a
        # process may keep what it read (API tokens) until the head moves.
        record_version.provide(headwatch.current)
        # The gauges of /metrics and the head watcher's readiness check (/readyz).
        operations.register()

        # Refuse to start (web, worker, any command) without a usable signing key, rather
        # than answer the public key and an admin's checkpoint with a 500: the key is read
        # and checked now, and ImproperlyConfigured says what is wrong with it. Under DEBUG
        # without a key, a dev-only key is derived from SECRET_KEY instead.
        if not settings.AUDIT_SIGNING_KEY_FROM_SECRET:
            checkpoints.private_key()
        # The same for the keys that encrypt webhook secrets: without them every endpoint's
        # creation, delivery and admin page would fail.
        if not settings.WEBHOOK_SECRET_KEYS_FROM_SECRET:
            crypto.fernet()
