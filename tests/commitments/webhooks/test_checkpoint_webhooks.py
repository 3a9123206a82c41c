"""Checkpoints of the audit chain go to the webhook endpoints that ask for them, through the
same outbox (WebhookMessage, WebhookDelivery) as status changes: signed, retried, recorded."""

import json

import pytest
from django.urls import reverse
from standardwebhooks import Webhook

from commitments import services
from commitments.audit import checkpoints
from commitments.choices import CommitmentStatus
from commitments.models import WebhookDelivery, WebhookEndpoint, WebhookMessage
from commitments.services import participant_save, update_approve
from tests.factories import (
    ParticipantFactory,
    StatusUpdateFactory,
    UserFactory,
    WebhookEndpointFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_targets_allowed")]

CHECKPOINTS = ["audit.checkpoint"]


def test_a_checkpoint_goes_only_to_the_endpoints_that_asked_for_it():
    WebhookEndpointFactory()  # status changes only, as every endpoint before
    asked = WebhookEndpointFactory(event_types=CHECKPOINTS)
    WebhookEndpointFactory(event_types=CHECKPOINTS, is_active=False)

    services.audit_checkpoint_create()

    assert list(WebhookDelivery.objects.values_list("endpoint", flat=True)) == [asked.pk]


def test_a_checkpoint_webhook_carries_the_checkpoint_as_published():
    WebhookEndpointFactory(event_types=CHECKPOINTS)
    participant_save(participant=ParticipantFactory.build(), actor=None)

    checkpoint = services.audit_checkpoint_create()

    body = json.loads(WebhookMessage.objects.get().payload)
    assert body["type"] == "audit.checkpoint"
    assert body["data"] == checkpoints.document(checkpoint)


def test_an_endpoint_that_asked_only_for_checkpoints_gets_no_status_change(reviewer):
    WebhookEndpointFactory(event_types=CHECKPOINTS)
    default = WebhookEndpointFactory()
    update = StatusUpdateFactory(proposed_status=CommitmentStatus.IN_PARLIAMENT)

    update_approve(update=update, reviewer=reviewer)

    assert list(WebhookDelivery.objects.values_list("endpoint", flat=True)) == [default.pk]


def test_a_checkpoint_is_delivered_signed_after_the_commit(
    receiver, django_capture_on_commit_callbacks
):
    endpoint = WebhookEndpointFactory(url=receiver.url, event_types=CHECKPOINTS)

    with django_capture_on_commit_callbacks(execute=True):
        checkpoint = services.audit_checkpoint_create()

    [request] = receiver.received
    payload = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert payload["data"] == checkpoints.document(checkpoint)
    assert WebhookDelivery.objects.get().state == "delivered"


def test_an_admin_sets_the_event_types_an_endpoint_receives(client, admin_user):
    client.force_login(admin_user)

    client.post(
        reverse("admin:commitments_webhookendpoint_add"),
        {
            "owner": UserFactory().pk,
            "url": "http://127.0.0.1:9/hooks",
            "event_types": ["commitment.status_changed", "audit.checkpoint"],
        },
    )

    assert WebhookEndpoint.objects.get().event_types == [
        "commitment.status_changed",
        "audit.checkpoint",
    ]
