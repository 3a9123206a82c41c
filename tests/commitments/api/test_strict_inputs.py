"""Ids, dates and date-times are taken only in the form the schema names: anything else is a
400 naming the field, never a guess (1.5 truncated to 1, 2024-W01-1 read as a week date)."""

import pytest

from commitments.models import StatusUpdate
from tests.factories import CommitmentFactory, StatusUpdateFactory

pytestmark = pytest.mark.django_db

UPDATES = "/api/v1/status-updates/"
COMMITMENTS = "/api/v1/commitments/"
NOT_A_DATE = ["2024-1-1", "2024-W01-1", "20240101"]


def new_update(commitment, **overrides) -> dict:
    return {
        "commitment": commitment.pk,
        "proposed_status": "in_parliament",
        "effective_date": "2024-05-02",
        "summary": "The bill was tabled.",
        "sources": [{"url": "https://news.example.org/bill"}],
        **overrides,
    }


def test_a_fractional_commitment_id_is_refused_not_truncated(as_analyst):
    commitment = CommitmentFactory()

    payload = {**new_update(commitment), "commitment": commitment.pk + 0.5}

    response = as_analyst.post(UPDATES, payload, format="json")

    assert response.status_code == 400
    assert response.json()["fields"]["commitment"] == ["Enter an id: a whole number."]
    assert not StatusUpdate.objects.exists()


@pytest.mark.parametrize("value", NOT_A_DATE)
def test_an_effective_date_not_written_yyyy_mm_dd_is_refused(as_analyst, value):
    commitment = CommitmentFactory()

    response = as_analyst.post(UPDATES, new_update(commitment, effective_date=value), format="json")

    assert response.status_code == 400
    assert response.json()["fields"]["effective_date"] == ["Enter a date as YYYY-MM-DD."]
    assert not StatusUpdate.objects.exists()


@pytest.mark.parametrize("value", NOT_A_DATE)
def test_a_source_publication_date_not_written_yyyy_mm_dd_is_refused(as_analyst, value):
    commitment = CommitmentFactory()
    source = {"url": "https://news.example.org/bill", "published_on": value}

    response = as_analyst.post(UPDATES, new_update(commitment, sources=[source]), format="json")

    assert response.status_code == 400
    assert response.json()["fields"]["sources"] == {
        "0": {"published_on": ["Enter a date as YYYY-MM-DD."]}
    }


@pytest.mark.parametrize("value", NOT_A_DATE)
def test_a_draft_edit_with_a_date_not_written_yyyy_mm_dd_is_refused(as_analyst, analyst, value):
    draft = StatusUpdateFactory(proposed_by=analyst, state="draft", submitted_at=None)

    response = as_analyst.patch(f"{UPDATES}{draft.pk}/", {"effective_date": value}, format="json")

    assert response.status_code == 400
    assert "effective_date" in response.json()["fields"]


@pytest.mark.parametrize("value", NOT_A_DATE)
def test_as_of_not_written_yyyy_mm_dd_is_refused(as_reader, value):
    CommitmentFactory()

    response = as_reader.get(COMMITMENTS, {"as_of": value})

    assert response.status_code == 400
    assert response.json()["fields"]["as_of"] == ["Enter a date as YYYY-MM-DD."]


@pytest.mark.parametrize(
    "value", ["2024-01-01", "2024-01-01T00:00:00", "2024-W01-1T00:00:00Z", "20240101T000000Z"]
)
def test_updated_since_not_written_as_an_rfc_3339_date_time_is_refused(as_reader, value):
    CommitmentFactory()

    response = as_reader.get(COMMITMENTS, {"updated_since": value})

    assert response.status_code == 400
    assert "updated_since" in response.json()["fields"]
