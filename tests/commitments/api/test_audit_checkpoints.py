"""The audit chain's signed checkpoints and their public key over the API."""

import base64

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from rest_framework.test import APIClient

from commitments import services
from commitments.audit import checkpoints
from commitments.models import AuditCheckpoint, AuditEvent
from commitments.services import participant_save
from tests.factories import ParticipantFactory, UserFactory
from tests.helpers import bearer

pytestmark = pytest.mark.django_db


def event() -> None:
    participant_save(participant=ParticipantFactory.build(), actor=None)


def test_latest_serves_the_newest_checkpoint_as_published(as_reader):
    event()
    services.audit_checkpoint_create()
    event()
    newest = services.audit_checkpoint_create()

    response = as_reader.get("/api/v1/audit/checkpoints/latest/")

    assert response.status_code == 200
    assert response.json() == checkpoints.document(newest)
    assert response.json()["sequence"] == AuditEvent.objects.latest("sequence").sequence


def test_latest_is_not_found_before_the_first_checkpoint(as_reader):
    response = as_reader.get("/api/v1/audit/checkpoints/latest/")

    assert response.status_code == 404


def test_the_list_shows_checkpoints_newest_first(as_reader):
    event()
    first = services.audit_checkpoint_create()
    event()
    second = services.audit_checkpoint_create()

    response = as_reader.get("/api/v1/audit/checkpoints/")

    assert [row["id"] for row in response.json()["results"]] == [second.pk, first.pk]


def test_an_admin_signs_a_checkpoint_on_demand(admin_user):
    event()

    response = bearer(admin_user).post("/api/v1/audit/checkpoints/", {}, format="json")

    assert response.status_code == 201
    assert response.json() == checkpoints.document(AuditCheckpoint.objects.get())


def test_a_reviewer_may_not_sign_a_checkpoint_and_none_is_made(as_reviewer):
    response = as_reviewer.post("/api/v1/audit/checkpoints/", {}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"
    assert not AuditCheckpoint.objects.exists()


def test_the_public_key_is_public_and_served_raw_and_as_pem():
    response = APIClient().get("/api/v1/audit/public-key/")

    body = response.json()
    assert response.status_code == 200
    assert body["algorithm"] == "Ed25519"
    assert body["key_id"] == checkpoints.key_id_of(checkpoints.public_key())
    raw = load_pem_public_key(body["public_key_pem"].encode()).public_bytes_raw()
    assert base64.b64decode(body["public_key"]) == raw


def test_the_schema_gives_each_checkpoint_field_its_exact_type(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    fields = schema["components"]["schemas"]["AuditCheckpoint"]["properties"]
    assert (fields["sequence"]["type"], fields["sequence"]["minimum"]) == ("integer", 0)
    assert (fields["hash"]["minLength"], fields["hash"]["maxLength"]) == (64, 64)
    assert fields["signed_at"] == {**fields["signed_at"], "type": "string", "format": "date-time"}
    assert set(schema["components"]["schemas"]["AuditPublicKey"]["required"]) == {
        "algorithm",
        "key_id",
        "public_key",
        "public_key_pem",
    }


def test_a_webhook_endpoint_may_ask_for_checkpoints_over_the_api(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    api = bearer(UserFactory(roles=["analyst"]))

    response = api.post(
        "/api/v1/webhooks/",
        {"url": "http://127.0.0.1:9/hook", "event_types": ["audit.checkpoint"]},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["event_types"] == ["audit.checkpoint"]


def test_an_unknown_webhook_event_type_is_refused_over_the_api(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    api = bearer(UserFactory(roles=["analyst"]))

    response = api.post(
        "/api/v1/webhooks/",
        {"url": "http://127.0.0.1:9/hook", "event_types": ["audit.everything"]},
        format="json",
    )

    assert response.status_code == 400
    assert "event_types" in response.json()["fields"]
