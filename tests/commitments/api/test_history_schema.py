"""The schema declares only the query parameters a path reads."""

import pytest

from tests.factories import CommitmentFactory

pytestmark = pytest.mark.django_db


def query_parameters(client, path: str) -> set[str]:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    parameters = schema["paths"][path]["get"].get("parameters", [])
    return {p["name"] for p in parameters if p["in"] == "query"}


def test_the_schema_declares_as_of_on_the_commitment_list_and_detail_but_not_the_history(
    client,
):
    assert "as_of" in query_parameters(client, "/api/v1/commitments/")
    assert "as_of" in query_parameters(client, "/api/v1/commitments/{id}/")
    assert "as_of" not in query_parameters(client, "/api/v1/commitments/{id}/history/")


def test_a_commitments_history_ignores_an_as_of_it_does_not_declare(as_reader):
    commitment = CommitmentFactory()

    response = as_reader.get(f"/api/v1/commitments/{commitment.pk}/history/?as_of=not-a-date")

    assert response.status_code == 200
