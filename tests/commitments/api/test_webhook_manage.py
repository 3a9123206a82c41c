"""Owners switch off, change and delete their own webhook endpoints through the API."""

import pytest

from commitments import audit
from commitments.models import AuditEvent, WebhookEndpoint
from tests.factories import ParticipantFactory, UserFactory
from tests.helpers import bearer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("loopback_allowed")]

URL = "/api/v1/webhooks/"


@pytest.fixture
def loopback_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True


@pytest.fixture
def endpoint_id(as_analyst) -> int:
    return as_analyst.post(URL, {"url": "http://127.0.0.1:9/hook"}, format="json").json()["id"]


def test_an_owner_switches_their_endpoint_off_and_it_is_audited(as_analyst, endpoint_id):
    response = as_analyst.patch(f"{URL}{endpoint_id}/", {"is_active": False}, format="json")

    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert response.json()["disabled_at"] is not None
    assert not WebhookEndpoint.objects.get().is_active
    event = AuditEvent.objects.filter(action=audit.WEBHOOK_CHANGED).get()
    assert (event.before, event.after) == ({"is_active": True}, {"is_active": False})


def test_an_owner_changes_their_endpoints_filters_and_description(as_analyst, endpoint_id):
    ParticipantFactory(code="DE")

    response = as_analyst.patch(
        f"{URL}{endpoint_id}/", {"participants": ["DE"], "description": "Berlin"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["participants"], response.json()["description"]) == (["DE"], "Berlin")


def test_an_owner_deletes_their_endpoint_and_the_deletion_is_audited(as_analyst, endpoint_id):
    response = as_analyst.delete(f"{URL}{endpoint_id}/")

    assert response.status_code == 204
    assert not WebhookEndpoint.objects.exists()
    event = AuditEvent.objects.get(action=audit.WEBHOOK_DELETED)
    assert event.before["url"] == "http://127.0.0.1:9/hook"


def test_nobody_switches_off_anothers_endpoint(endpoint_id):
    stranger = bearer(UserFactory(roles=["analyst"]))

    response = stranger.patch(f"{URL}{endpoint_id}/", {"is_active": False}, format="json")

    assert response.status_code == 404
    assert WebhookEndpoint.objects.get().is_active


def test_nobody_deletes_anothers_endpoint(endpoint_id):
    stranger = bearer(UserFactory(roles=["analyst"]))

    response = stranger.delete(f"{URL}{endpoint_id}/")

    assert response.status_code == 404
    assert WebhookEndpoint.objects.exists()
