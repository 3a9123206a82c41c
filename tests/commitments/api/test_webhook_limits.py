"""Limits on webhook registration: a quota per owner, the ports a URL may name, and filter
lists capped, deduplicated and resolved in one query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.models import WebhookEndpoint
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks/"
PUBLIC = "http://93.184.216.34"  # a public address literal: no DNS needed


@pytest.fixture
def loopback_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True


@pytest.mark.usefixtures("loopback_allowed")
def test_an_owner_at_the_endpoint_quota_is_refused_with_409(as_analyst, settings):
    settings.WEBHOOK_MAX_ENDPOINTS_PER_OWNER = 2
    for _ in range(2):
        as_analyst.post(URL, {"url": "http://127.0.0.1:9/hook"}, format="json")

    response = as_analyst.post(URL, {"url": "http://127.0.0.1:9/hook"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "webhook_quota_exceeded"
    assert "2 webhook endpoints" in response.json()["detail"]
    assert WebhookEndpoint.objects.count() == 2


@pytest.mark.parametrize("port", [22, 6379, 0, 8080])
def test_a_url_naming_a_port_other_than_80_or_443_is_refused_on_url(as_analyst, port):
    response = as_analyst.post(URL, {"url": f"{PUBLIC}:{port}/hook"}, format="json")

    assert response.status_code == 400
    assert f"Port {port} is not allowed" in response.json()["fields"]["url"][0]
    assert not WebhookEndpoint.objects.exists()


def test_a_filter_list_longer_than_100_is_refused_even_of_one_repeated_code(as_analyst):
    ParticipantFactory(code="FR")

    response = as_analyst.post(
        URL, {"url": f"{PUBLIC}/hook", "participants": ["FR"] * 101}, format="json"
    )

    assert response.status_code == 400
    assert "participants" in response.json()["fields"]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.usefixtures("loopback_allowed")
def test_a_filter_list_costs_the_same_queries_however_many_codes_it_names(as_analyst):
    codes = [ParticipantFactory().code for _ in range(40)]

    def queries_for(names: list[str]) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = as_analyst.post(
                URL, {"url": "http://127.0.0.1:9/hook", "participants": names}, format="json"
            )
        assert response.status_code == 201, response.content
        return len(captured)

    queries_for(codes[:1])  # the token's first use costs queries of its own

    assert queries_for(codes[:2]) == queries_for(codes)


@pytest.mark.usefixtures("loopback_allowed")
def test_every_unknown_code_of_a_filter_is_named_in_the_refusal(as_analyst):
    ParticipantFactory(code="FR")

    response = as_analyst.post(
        URL,
        {"url": "http://127.0.0.1:9/hook", "participants": ["FR", "ZZ", "YY"]},
        format="json",
    )

    assert response.status_code == 400
    message = response.json()["fields"]["participants"][0]
    assert "ZZ" in message and "YY" in message
    assert not WebhookEndpoint.objects.exists()
