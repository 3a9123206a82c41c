"""A receiver's Retry-After is honoured when it is well formed; anything else means the
default backoff, and never ends the batch."""

import pytest
from django.utils import timezone

from commitments import notifications
from commitments.choices import DeliveryState
from commitments.models import WebhookAttempt
from commitments.webhooks.delivery import webhooks_deliver
from tests.factories import WebhookDeliveryFactory, WebhookEndpointFactory

# Characters str.isdigit() accepts that are not the ASCII digits of delta-seconds.
NOT_ASCII_DIGITS = [
    "²",
    "1²",
    "\u0661\u0662\u0660",
    "\uff11\uff12\uff10",
]  # Arabic-Indic, fullwidth 120


@pytest.mark.parametrize("value", NOT_ASCII_DIGITS)
def test_a_retry_after_of_digits_that_are_not_ascii_means_the_default_backoff(value):
    assert notifications._retry_after(value, timezone.now()) is None


@pytest.mark.django_db
@pytest.mark.usefixtures("private_targets_allowed")
def test_a_receiver_answering_a_malformed_retry_after_does_not_stop_the_others_in_the_batch(
    receiver, settings
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    settings.WEBHOOK_RETRY_BASE_SECONDS = 15
    settings.WEBHOOK_THREADS = 1  # one thread: a crash there would end the whole batch

    def busy(handler):
        handler.send_response(503)
        handler.send_header("retry-after", "²")
        handler.send_header("content-length", "0")
        handler.end_headers()

    receiver.answers = [busy, 200]
    first, second = (
        WebhookDeliveryFactory(endpoint=WebhookEndpointFactory(url=receiver.url)) for _ in range(2)
    )
    before = timezone.now()

    webhooks_deliver(delivery_ids=[first.pk, second.pk])

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.last_status_code) == (DeliveryState.PENDING, 503)
    assert 12 <= (first.next_attempt_at - before).total_seconds() <= 19  # 15 s ± 20 %
    assert second.state == DeliveryState.DELIVERED
    assert WebhookAttempt.objects.count() == 2
