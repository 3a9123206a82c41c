"""The schema declares the query parameters a path reads, and only those."""

import pytest

pytestmark = pytest.mark.django_db


def query_parameters(client, path: str) -> set[str]:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    parameters = schema["paths"][path]["get"].get("parameters", [])
    return {p["name"] for p in parameters if p["in"] == "query"}


@pytest.mark.parametrize(
    "path",
    ["/api/v1/commitments/", "/api/v1/commitments/{id}/", "/api/v1/commitments/{id}/history/"],
)
def test_the_schema_declares_as_of_and_known_on_on_the_commitments_and_their_history(client, path):
    assert {"as_of", "known_on"} <= query_parameters(client, path)


def test_the_history_declares_no_list_filter(client):
    assert query_parameters(client, "/api/v1/commitments/{id}/history/") == {"as_of", "known_on"}
