"""What changed (/changes/): the applied changes, newest first, fifty a page."""

import pytest
from django.urls import reverse

from tests.commitments.change_history import build_history, grow

pytestmark = pytest.mark.django_db

URL = "/changes/"


@pytest.fixture
def history(analyst, reviewer):
    return build_history(analyst=analyst, reviewer=reviewer)


def sequences_on(response) -> list[int]:
    return [change.sequence for change in response.context["changes"]]


def test_the_page_has_its_own_url_and_the_api_keeps_its_sync_feed(client, history, as_reader):
    assert reverse("commitments:changes") == URL

    assert as_reader.get("/api/v1/changes/").status_code == 200


def test_the_changes_are_listed_newest_first(client, history):
    response = client.get(URL)

    assert response.status_code == 200
    listed = sequences_on(response)
    assert listed == sorted(listed, reverse=True)
    assert listed[0] == history.sequences["fr_corrected"]


def test_each_commitment_s_recording_as_pledged_is_listed_too(client, history):
    response = client.get(URL)

    new = [c for c in response.context["changes"] if c.is_new_commitment]
    assert {c.participant.code for c in new} == {"FR", "DE"}


def test_a_change_links_its_participant_guarantee_and_commitment(client, history):
    body = client.get(URL).content.decode()

    assert 'href="/participants/FR/"' in body
    assert 'href="/guarantees/air-support/"' in body
    assert f'href="/commitments/{history.french_air.pk}/"' in body


def test_a_change_shows_its_move_as_two_status_badges(client, history):
    body = client.get(URL).content.decode()

    assert '<span class="status status-ratified">Ratified</span>' in body
    assert '<span class="status status-in_force">In force</span>' in body


def test_a_correction_is_marked_with_its_reason(client, history):
    response = client.get(URL)

    first = response.context["changes"][0]
    assert first.is_correction
    body = response.content.decode()
    assert "Correction" in body
    assert "The earlier report was wrong." in body


def test_the_effective_and_recorded_dates_are_shown(client, history):
    body = client.get(URL).content.decode()

    assert '<time datetime="2024-09-01">1 Sep 2024</time>' in body


def test_pending_updates_and_drafts_are_never_listed(client, history):
    body = client.get(URL).content.decode()

    assert "Pending: the bill was tabled." not in body
    assert "Draft: a rumour of withdrawal." not in body


def test_pending_updates_stay_out_for_signed_in_users_too(client, history, analyst):
    client.force_login(analyst)

    body = client.get(URL).content.decode()

    assert "Pending: the bill was tabled." not in body
    assert "Draft: a rumour of withdrawal." not in body


def test_anonymous_visitors_do_not_see_who_proposed_or_approved(client, history):
    response = client.get(URL)

    assert all(c.proposed_by is None and c.reviewed_by is None for c in response.context["changes"])
    assert "Proposed / approved by" not in response.content.decode()


def test_signed_in_users_see_who_proposed_and_who_approved(client, history, analyst):
    client.force_login(analyst)

    response = client.get(URL)

    first = response.context["changes"][0]
    assert (first.proposed_by, first.reviewed_by) == ("ana", "rev")
    assert "ana / rev" in response.content.decode()


def test_the_page_links_its_atom_feed_in_the_head(client, history):
    body = client.get(URL).content.decode()

    assert (
        '<link rel="alternate" type="application/atom+xml" '
        'title="Changes to the record (Atom)" href="/changes/feed/">'
    ) in body


def test_an_empty_record_says_so(client, db):
    response = client.get(URL)

    assert response.status_code == 200
    assert "No changes recorded yet." in response.content.decode()


def test_fifty_changes_fill_a_page_and_the_next_page_holds_the_rest(client, analyst, reviewer):
    grow(analyst=analyst, reviewer=reviewer, participants=26)  # 52 changes

    first = client.get(URL)
    second = client.get(URL, {"page": 2})

    assert len(first.context["changes"]) == 50
    assert len(second.context["changes"]) == 2
    assert set(sequences_on(first)).isdisjoint(sequences_on(second))
    assert min(sequences_on(first)) > max(sequences_on(second))
    body = first.content.decode()
    assert "Page 1 of 2" in body
    assert 'href="?page=2">Next</a>' in body
    assert "Previous" not in body
    assert 'href="?page=1">Previous</a>' in second.content.decode()


@pytest.mark.parametrize("page", ["abc", "0", "-1", "99", "1.5", "", "last"])
def test_a_bad_page_is_a_404_never_a_500(client, history, page):
    response = client.get(URL, {"page": page})

    # An empty value is the first page.
    expected = 200 if page == "" else 404
    assert response.status_code == expected


@pytest.mark.parametrize("participants", [1, 30])
def test_the_page_costs_the_same_queries_whatever_the_data(
    client, analyst, reviewer, django_assert_max_num_queries, participants
):
    grow(analyst=analyst, reviewer=reviewer, participants=participants)

    # A count, the page of events with their commitments, their sources; the banner's.
    with django_assert_max_num_queries(4):
        response = client.get(URL)

    assert response.status_code == 200


def test_a_signed_in_user_s_page_costs_the_same_queries_whatever_the_data(
    client, analyst, reviewer, django_assert_max_num_queries
):
    grow(analyst=analyst, reviewer=reviewer, participants=30)
    client.force_login(analyst)

    # The session, the user and their roles (an admin reads more events), then the same four,
    # and the header's unread count.
    with django_assert_max_num_queries(8):
        client.get(URL)
