"""The sync feed is a conditional GET like the lists: an ETag, and 304 while nothing changed."""

import pytest

from commitments.services import participant_save
from tests.factories import ParticipantFactory

FEED = "/api/v1/changes/"


@pytest.mark.django_db
def test_the_changes_feed_answers_304_to_its_etag_until_a_change_is_recorded(as_reader):
    participant_save(participant=ParticipantFactory.build(code="FR"), actor=None)
    first = as_reader.get(FEED)

    unchanged = as_reader.get(FEED, HTTP_IF_NONE_MATCH=first.headers["ETag"])
    participant_save(participant=ParticipantFactory.build(code="DE"), actor=None)
    changed = as_reader.get(FEED, HTTP_IF_NONE_MATCH=first.headers["ETag"])

    assert unchanged.status_code == 304
    assert changed.status_code == 200
    assert len(changed.json()["results"]) == 2
    assert changed.headers["ETag"] != first.headers["ETag"]


@pytest.mark.django_db
def test_the_changes_feed_etag_differs_from_page_to_page(as_reader):
    participant_save(participant=ParticipantFactory.build(code="FR"), actor=None)
    participant_save(participant=ParticipantFactory.build(code="DE"), actor=None)
    first = as_reader.get(FEED, {"limit": 1})

    second = as_reader.get(
        FEED,
        {"limit": 1, "after": first.json()["next_cursor"]},
        HTTP_IF_NONE_MATCH=first.headers["ETag"],
    )

    assert second.status_code == 200
    assert second.json()["results"][0]["sequence"] > first.json()["results"][0]["sequence"]
