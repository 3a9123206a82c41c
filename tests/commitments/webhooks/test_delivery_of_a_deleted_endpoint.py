"""An endpoint deleted by its owner while a batch is sending to it: the batch records the
other deliveries and forgets the deleted ones, instead of failing whole (and sending again)."""

import pytest
from django.db import connection
from django.utils import timezone

from commitments.choices import DeliveryState
from commitments.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from commitments.webhooks import delivery
from commitments.webhooks.transport import Outcome
from tests.factories import WebhookDeliveryFactory

pytestmark = pytest.mark.django_db


def test_a_batch_records_its_deliveries_though_one_endpoint_was_deleted_meanwhile(monkeypatch):
    kept, gone = WebhookDeliveryFactory(), WebhookDeliveryFactory()

    def answered_while_one_endpoint_was_deleted(jobs, **_):
        WebhookEndpoint.objects.get(pk=gone.endpoint_id).delete()
        return [(Outcome(started_at=timezone.now(), status_code=200), True)] * len(jobs)

    monkeypatch.setattr(delivery, "_run_all", answered_while_one_endpoint_was_deleted)

    delivery.webhooks_deliver(delivery_ids=[kept.pk, gone.pk])

    # What its commit would check (the test's transaction never commits): no attempt of a
    # delivery that is gone.
    connection.check_constraints()

    kept.refresh_from_db()
    assert kept.state == DeliveryState.DELIVERED
    assert list(WebhookAttempt.objects.values_list("delivery_id", flat=True)) == [kept.pk]
    assert not WebhookDelivery.objects.filter(pk=gone.pk).exists()
