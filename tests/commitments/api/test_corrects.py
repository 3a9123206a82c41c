"""`corrects` in the API: a correction names the status change it corrects by the event's
sequence (as the history shows it); a bad one is a 400 naming the field."""

import datetime

import pytest

from commitments.choices import CommitmentStatus as S
from commitments.models import AuditEvent, StatusUpdate
from tests.commitments.records import apply, pledge

pytestmark = pytest.mark.django_db

URL = "/api/v1/status-updates/"
D = datetime.date


def correction(commitment, **fields):
    return {
        "commitment": commitment.pk,
        "proposed_status": "in_force",
        "effective_date": "2024-05-05",
        "summary": "It never went to parliament.",
        "sources": [{"url": "https://news.example.org/correction"}],
        "is_correction": True,
        "correction_reason": "The earlier report was wrong.",
        **fields,
    }


@pytest.fixture
def tabled(analyst, reviewer):
    """Signed 2024-04-10, then in parliament 2024-06-01: the commitment and both sequences."""
    commitment, signed = apply(
        pledge(), S.SIGNED, D(2024, 4, 10), author=analyst, reviewer=reviewer
    )
    commitment, in_parliament = apply(
        commitment, S.IN_PARLIAMENT, D(2024, 6, 1), author=analyst, reviewer=reviewer
    )
    return commitment, signed, in_parliament


def refused_on_corrects(response) -> str:
    assert response.status_code == 400, response.content
    assert not StatusUpdate.objects.filter(summary="It never went to parliament.").exists()
    return response.json()["fields"]["corrects"][0]


def test_a_correction_names_the_event_it_corrects_and_shows_it(as_analyst, tabled):
    commitment, _, in_parliament = tabled

    response = as_analyst.post(URL, correction(commitment, corrects=in_parliament), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["corrects"] == in_parliament
    assert as_analyst.get(f"{URL}{response.json()['id']}/").json()["corrects"] == in_parliament


def test_corrects_on_an_update_that_is_no_correction_is_a_400(as_analyst, tabled):
    commitment, _, in_parliament = tabled

    response = as_analyst.post(
        URL,
        correction(commitment, corrects=in_parliament, is_correction=False, correction_reason=""),
        format="json",
    )

    assert refused_on_corrects(response) == "Only a correction names the event it corrects."


def test_corrects_naming_another_commitments_event_is_a_400(as_analyst, tabled):
    _, _, in_parliament = tabled

    response = as_analyst.post(URL, correction(pledge(), corrects=in_parliament), format="json")

    assert "is not a status change of this commitment" in refused_on_corrects(response)


def test_corrects_naming_an_event_that_is_no_status_change_is_a_400(as_analyst, tabled):
    commitment, _, _ = tabled
    submitted = AuditEvent.objects.filter(commitment=commitment, action="update.submitted")

    response = as_analyst.post(
        URL, correction(commitment, corrects=submitted.first().sequence), format="json"
    )

    assert "is not a status change of this commitment" in refused_on_corrects(response)


def test_corrects_naming_an_event_already_superseded_is_a_400(
    as_analyst, tabled, analyst, reviewer
):
    commitment, signed, in_parliament = tabled
    apply(commitment, S.RATIFIED, D(2024, 5, 1), author=analyst, reviewer=reviewer, corrects=signed)

    response = as_analyst.post(URL, correction(commitment, corrects=in_parliament), format="json")

    assert "has already been corrected" in refused_on_corrects(response)


def test_editing_a_draft_can_name_and_unname_the_event_it_corrects(as_analyst, tabled):
    commitment, signed, _ = tabled
    draft = as_analyst.post(
        URL, correction(commitment, effective_date="2024-06-02", draft=True), format="json"
    ).json()

    named = as_analyst.patch(f"{URL}{draft['id']}/", {"corrects": signed}, format="json")
    unnamed = as_analyst.patch(f"{URL}{draft['id']}/", {"corrects": None}, format="json")

    assert (named.status_code, named.json()["corrects"]) == (200, signed)
    assert (unnamed.status_code, unnamed.json()["corrects"]) == (200, None)


def test_the_schema_types_corrects_as_a_nullable_integer_in_and_out(client):
    schemas = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["components"][
        "schemas"
    ]

    shown = schemas["StatusUpdate"]["properties"]["corrects"]
    taken = schemas["UpdateCreateRequest"]["properties"]["corrects"]
    assert (shown["type"], shown["nullable"], shown["readOnly"]) == ("integer", True, True)
    assert (taken["type"], taken["nullable"], taken["minimum"]) == ("integer", True, 1)
    assert schemas["PatchedUpdateEditRequest"]["properties"]["corrects"]["type"] == "integer"
