"""Webhook secrets are kept encrypted (Fernet, keys from WEBHOOK_SECRET_KEYS, newest first)
and survive a key rotation."""

import datetime

import pytest
from cryptography.fernet import Fernet
from django.core import checks
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from standardwebhooks import Webhook

from commitments.models import WebhookEndpoint
from commitments.services import webhook_endpoint_create, webhook_endpoint_rotate_secret
from commitments.webhooks import signing
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_targets_allowed")]


def raw_columns(endpoint: WebhookEndpoint) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT secret, previous_secret FROM commitments_webhookendpoint WHERE id = %s",
            [endpoint.pk],
        )
        return cursor.fetchone()


def create_endpoint() -> tuple[WebhookEndpoint, str]:
    return webhook_endpoint_create(owner=UserFactory(), url="http://127.0.0.1:9/hook")


def signature_checks_out(endpoint: WebhookEndpoint, secret: str) -> bool:
    now = timezone.now()
    body = '{"type":"commitment.status_changed"}'
    headers = signing.webhook_headers(endpoint=endpoint, webhook_id="msg_1", body=body, now=now)
    Webhook(secret).verify(body, headers)  # raises when no signature matches
    return True


def test_the_database_column_never_holds_the_secret_in_plaintext():
    endpoint, secret = create_endpoint()

    stored, _ = raw_columns(endpoint)

    assert secret not in stored
    assert secret.removeprefix("whsec_") not in stored
    assert WebhookEndpoint.objects.get().secret == secret


def test_a_rotated_out_secret_is_kept_encrypted_too():
    endpoint, old = create_endpoint()

    webhook_endpoint_rotate_secret(endpoint=endpoint, actor=endpoint.owner)

    _, previous = raw_columns(endpoint)
    assert old.removeprefix("whsec_") not in previous
    assert WebhookEndpoint.objects.get().previous_secret == old


def test_after_a_key_rotation_and_the_old_key_dropped_deliveries_are_still_signed(settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.WEBHOOK_SECRET_KEYS = [old_key]
    endpoint, secret = create_endpoint()
    settings.WEBHOOK_SECRET_KEYS = [new_key, old_key]

    call_command("rotate_webhook_secret_keys")
    settings.WEBHOOK_SECRET_KEYS = [new_key]

    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret == secret
    assert signature_checks_out(endpoint, secret)
    assert Fernet(new_key.encode()).decrypt(raw_columns(endpoint)[0].encode()).decode() == secret


def test_the_rotation_command_says_how_many_endpoints_it_re_encrypted(settings, capsys):
    create_endpoint()
    create_endpoint()

    call_command("rotate_webhook_secret_keys")

    assert "2 webhook endpoint(s)" in capsys.readouterr().out


def test_the_previous_secret_still_signs_during_the_grace_period_after_a_key_rotation(settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.WEBHOOK_SECRET_KEYS = [old_key]
    endpoint, old_secret = create_endpoint()
    webhook_endpoint_rotate_secret(endpoint=endpoint, actor=endpoint.owner)
    settings.WEBHOOK_SECRET_KEYS = [new_key, old_key]

    call_command("rotate_webhook_secret_keys")
    settings.WEBHOOK_SECRET_KEYS = [new_key]

    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.previous_secret_expires_at > timezone.now() + datetime.timedelta(hours=1)
    assert signature_checks_out(endpoint, old_secret)


def test_the_deploy_check_reports_a_production_without_webhook_secret_keys(settings):
    settings.WEBHOOK_SECRET_KEYS = []
    settings.WEBHOOK_SECRET_KEYS_FROM_SECRET = False

    ids = {message.id for message in checks.run_checks(include_deployment_checks=True)}

    assert "commitments.E002" in ids


def test_the_deploy_check_reports_webhook_secret_keys_that_are_not_fernet_keys(settings):
    settings.WEBHOOK_SECRET_KEYS = ["not a key"]

    ids = {message.id for message in checks.run_checks(include_deployment_checks=True)}

    assert "commitments.E002" in ids
