"""The admin for webhook endpoints and deliveries: writes go through the services."""

import pytest
from django.contrib import messages
from django.urls import reverse

from commitments.choices import DeliveryState
from commitments.models import AuditEvent, WebhookEndpoint
from tests.factories import UserFactory, WebhookDeliveryFactory

pytestmark = pytest.mark.django_db


def add_endpoint(client, url):
    owner = UserFactory()
    return client.post(
        reverse("admin:commitments_webhookendpoint_add"),
        {"owner": owner.pk, "url": url, "description": "Mirror"},
        follow=True,
    )


def shown(response):
    return [(m.level, str(m)) for m in response.context["messages"]]


def test_adding_an_endpoint_in_the_admin_shows_its_secret_once(client, admin_user, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    client.force_login(admin_user)

    response = add_endpoint(client, "http://127.0.0.1:9/hooks")

    endpoint = WebhookEndpoint.objects.get()
    assert (messages.WARNING, f"The endpoint's secret, shown only now: {endpoint.secret}") in (
        shown(response)
    )
    change = client.get(reverse("admin:commitments_webhookendpoint_change", args=[endpoint.pk]))
    assert endpoint.secret not in change.content.decode()


def test_a_private_url_is_refused_in_the_admin_and_nothing_is_created(client, admin_user):
    client.force_login(admin_user)

    response = add_endpoint(client, "http://127.0.0.1:9/hooks")

    assert any("private or loopback" in text for _, text in shown(response))
    assert not WebhookEndpoint.objects.exists()
    assert not AuditEvent.objects.exists()


def test_the_resend_action_queues_a_failed_delivery_again(
    client, admin_user, django_capture_on_commit_callbacks
):
    delivery = WebhookDeliveryFactory(state=DeliveryState.FAILED, attempt_count=1)
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("admin:commitments_webhookdelivery_changelist"),
            {"action": "resend", "_selected_action": [delivery.pk]},
            follow=True,
        )

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING and delivery.schedule_offset == 1
    assert len(callbacks) == 1
    assert (messages.SUCCESS, "Resending 1 delivery.") in shown(response)
