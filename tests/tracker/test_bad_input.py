"""Whatever a client sends is answered in the API's error shape: a 400, never a 500."""

import json

import pytest

from commitments.api.views import CommitmentViewSet
from commitments.models import StatusUpdate
from tests.factories import CommitmentFactory
from tests.helpers import bearer
from tracker.renderers import OrjsonRenderer

pytestmark = pytest.mark.django_db

WRITES = ["/api/v1/status-updates/", "/api/v1/webhooks/"]


@pytest.mark.parametrize("url", WRITES)
def test_a_body_nested_ten_thousand_deep_is_a_400_parse_error(as_analyst, url):
    response = as_analyst.post(url, data="[" * 10_000, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_body_nested_deeper_than_the_parser_takes_is_refused_before_any_serializer(
    as_analyst,
):
    body = "[" * 200 + "]" * 200

    response = as_analyst.post(WRITES[0], data=body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.parametrize("url", WRITES)
def test_a_lone_surrogate_in_a_key_is_a_400_parse_error(as_analyst, url):
    response = as_analyst.post(url, data='{"\\ud800": 1}', content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "JSON parse error - a string holds a lone surrogate.",
        "code": "parse_error",
    }


def test_an_error_that_echoes_a_lone_surrogate_still_renders_as_json():
    data = {"detail": "Invalid input.", "fields": {"\ud800x": ["Unknown \udfff field."]}}

    rendered = OrjsonRenderer().render(data)

    assert json.loads(rendered) == {
        "detail": "Invalid input.",
        "fields": {"\ufffdx": ["Unknown \ufffd field."]},
    }


def test_a_bad_body_with_an_idempotency_key_is_a_400_and_leaves_the_key_free(as_analyst):
    commitment = CommitmentFactory()
    good = {
        "commitment": commitment.pk,
        "proposed_status": "in_parliament",
        "effective_date": "2024-05-02",
        "summary": "The bill was tabled.",
        "sources": [{"url": "https://news.example.org/bill", "title": "Bill"}],
    }
    headers = {"HTTP_IDEMPOTENCY_KEY": "k-1"}

    refused = as_analyst.post(
        WRITES[0], data='{"\\ud800": 1}', content_type="application/json", **headers
    )
    accepted = as_analyst.post(WRITES[0], good, format="json", **headers)

    assert refused.status_code == 400
    assert accepted.status_code == 201
    assert StatusUpdate.objects.count() == 1


def test_an_unhandled_error_under_the_api_is_a_json_500_naming_the_request_id(
    analyst, settings, monkeypatch
):
    settings.DEBUG = False

    def broken(self, request, *args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(CommitmentViewSet, "list", broken)
    api = bearer(analyst)
    api.raise_request_exception = False

    response = api.get("/api/v1/commitments/", HTTP_X_REQUEST_ID="req-42")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "Server error.",
        "code": "server_error",
        "request_id": "req-42",
    }
