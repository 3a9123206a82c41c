"""known_on beside as_of on the commitments list, the detail and a commitment's history."""

import datetime

import pytest
from django.utils import timezone

from tests.commitments.matrix_records import D, corrected_history, pledge_on
from tests.factories import GuaranteeFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/commitments/"


@pytest.fixture
def commitment(analyst, reviewer):
    """Signed 10 April (recorded 12 April), in parliament 1 June (recorded 3 June), corrected on
    20 July: in force since 5 May."""
    pledged = pledge_on(
        ParticipantFactory(needs_parliamentary_approval=False),
        GuaranteeFactory(agreement__signed_on=D(2024, 3, 15)),
        D(2024, 3, 15),
        recorded=D(2024, 3, 16),
    )
    return corrected_history(pledged, author=analyst, reviewer=reviewer)


def status_on(client, **params):
    response = client.get(LIST, params)
    assert response.status_code == 200, response.json()
    return response.json()["results"][0]["status_on"]


def test_known_on_gives_the_status_the_record_gave_at_the_end_of_that_day(as_reader, commitment):
    assert status_on(as_reader, known_on="2024-07-15") == "in_parliament"
    assert status_on(as_reader, known_on="2024-07-20") == "in_force"


def test_known_on_and_as_of_together_give_what_the_record_said_that_day_about_the_other(
    as_reader, commitment
):
    assert status_on(as_reader, as_of="2024-06-15", known_on="2024-07-15") == "in_parliament"
    assert status_on(as_reader, as_of="2024-06-15") == "in_force"


def test_before_the_commitment_was_recorded_its_status_on_is_null(as_reader, commitment):
    pledge_on(ParticipantFactory(), commitment.guarantee, D(2024, 8, 1))

    response = as_reader.get(LIST, {"known_on": "2024-07-15"})

    assert [row["status_on"] for row in response.json()["results"]] == ["in_parliament", None]


def test_the_detail_reads_known_on_too(as_reader, commitment):
    response = as_reader.get(f"{LIST}{commitment.pk}/", {"known_on": "2024-06-10"})

    assert response.json()["status_on"] == "in_parliament"


def history(client, commitment, **params):
    response = client.get(f"{LIST}{commitment.pk}/history/", params)
    assert response.status_code == 200, response.json()
    return [
        event["after"]["status"]
        for event in response.json()
        if event["action"] in ("commitment.created", "commitment.status_changed")
    ]


def test_the_history_as_of_a_date_keeps_the_events_effective_by_then(as_reader, commitment):
    assert history(as_reader, commitment, as_of="2024-05-10") == ["pledged", "signed", "in_force"]


def test_the_history_known_on_a_day_keeps_the_events_recorded_by_its_end(as_reader, commitment):
    assert history(as_reader, commitment, known_on="2024-06-03") == [
        "pledged",
        "signed",
        "in_parliament",
    ]


def test_the_history_with_both_dates_keeps_what_both_allow(as_reader, commitment):
    assert history(as_reader, commitment, as_of="2024-05-10", known_on="2024-07-15") == [
        "pledged",
        "signed",
    ]


def test_the_history_without_dates_is_whole(as_reader, commitment):
    assert history(as_reader, commitment) == ["pledged", "signed", "in_parliament", "in_force"]


TOMORROW = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


@pytest.mark.parametrize("path", ["list", "history"])
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"known_on": "2024-02-30"}, "known_on"),
        ({"known_on": "abc"}, "known_on"),
        ({"known_on": TOMORROW}, "known_on"),
        ({"known_on": "2024-03-15"}, "known_on"),
        ({"as_of": "2024-02-30"}, "as_of"),
        ({"as_of": "2024-03-14"}, "as_of"),
    ],
)
def test_a_bad_date_is_a_400_naming_the_field(as_reader, commitment, path, params, field):
    url = LIST if path == "list" else f"{LIST}{commitment.pk}/history/"

    response = as_reader.get(url, params)

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


def test_the_history_as_of_the_last_day_a_date_can_name_is_no_server_error(as_reader, commitment):
    response = as_reader.get(
        f"{LIST}{commitment.pk}/history/", {"as_of": "9999-12-31", "known_on": "2024-07-15"}
    )

    assert response.status_code == 200, response.content
