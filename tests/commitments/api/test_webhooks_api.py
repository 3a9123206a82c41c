import base64

import pytest

from commitments.models import AuditEvent, WebhookEndpoint
from tests.factories import ParticipantFactory, UserFactory
from tests.helpers import bearer

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks/"


@pytest.fixture
def loopback_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True


def test_registering_a_webhook_answers_201_with_its_secret_shown_once(as_analyst, loopback_allowed):
    ParticipantFactory(code="FR")

    response = as_analyst.post(
        URL,
        {"url": "http://127.0.0.1:9/hook", "description": "newsroom", "participants": ["FR"]},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["participants"] == ["FR"]
    assert body["secret"].startswith("whsec_")
    assert len(base64.b64decode(body["secret"].removeprefix("whsec_"))) >= 24
    shown_again = as_analyst.get(f"{URL}{body['id']}/").json()
    assert "secret" not in shown_again
    assert WebhookEndpoint.objects.get().secret == body["secret"]


def test_rotating_the_secret_answers_a_new_one(as_analyst, loopback_allowed):
    created = as_analyst.post(URL, {"url": "http://127.0.0.1:9/hook"}, format="json").json()

    response = as_analyst.post(f"{URL}{created['id']}/rotate-secret/", {}, format="json")

    assert response.status_code == 200
    assert response.json()["secret"] != created["secret"]
    assert WebhookEndpoint.objects.get().secret == response.json()["secret"]


def test_a_private_address_is_refused_unless_allowed(as_analyst):
    response = as_analyst.post(URL, {"url": "http://127.0.0.1:9/hook"}, format="json")

    assert response.status_code == 400
    assert "private or loopback" in response.json()["fields"]["url"][0]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("url", ["ftp://example.org/hook", "not a url", "http://" + "a" * 2000])
def test_a_url_that_is_not_http_or_too_long_is_refused(as_analyst, url):
    response = as_analyst.post(URL, {"url": url}, format="json")

    assert response.status_code == 400
    assert "url" in response.json()["fields"]
    assert not WebhookEndpoint.objects.exists()


def test_an_unknown_participant_in_the_filters_is_refused(as_analyst, loopback_allowed):
    events = AuditEvent.objects.count()

    response = as_analyst.post(
        URL, {"url": "http://127.0.0.1:9/hook", "participants": ["ZZ"]}, format="json"
    )

    assert response.status_code == 400
    assert "participants" in response.json()["fields"]
    assert not WebhookEndpoint.objects.exists()
    assert AuditEvent.objects.count() == events


def test_nobody_sees_anothers_endpoint(as_analyst, loopback_allowed):
    created = as_analyst.post(URL, {"url": "http://127.0.0.1:9/hook"}, format="json").json()
    stranger = bearer(UserFactory(roles=["analyst"]))

    assert stranger.get(f"{URL}{created['id']}/").status_code == 404
    assert stranger.post(f"{URL}{created['id']}/rotate-secret/", {}, format="json").status_code == (
        404
    )
    assert stranger.get(URL).json()["results"] == []


def test_a_read_token_cannot_register_a_webhook(as_reader, loopback_allowed):
    response = as_reader.post(URL, {"url": "http://127.0.0.1:9/hook"}, format="json")

    assert response.status_code == 403
    assert not WebhookEndpoint.objects.exists()
