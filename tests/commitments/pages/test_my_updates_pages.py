"""My updates with hundreds of decided updates: drafts, submitted and stale ones (the
analyst's work) are listed whole; rejected, approved and withdrawn ones 20 at a time, newest
first, with "Show more" (?approved_page=N), in a fixed number of queries."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from commitments.choices import UpdateState
from tests.commitments.pages.test_my_updates import MY_UPDATES_QUERIES
from tests.factories import CommitmentFactory, StatusUpdateFactory, UserFactory

pytestmark = pytest.mark.django_db

MY_UPDATES = "/my/updates/"


@pytest.fixture
def as_analyst(client, analyst):
    client.force_login(analyst)
    return client


def make(author, state: str, count: int, commitment=None) -> list:
    """`count` updates in `state`, oldest first (summaries "<state> 1" ... "<state> N")."""
    commitment = commitment or CommitmentFactory()
    decided = state in (UpdateState.APPROVED, UpdateState.REJECTED)
    reviewer = UserFactory(roles=[Role.REVIEWER]) if decided else None
    return [
        StatusUpdateFactory(
            proposed_by=author,
            commitment=commitment,
            state=state,
            summary=f"{state} {n}.",
            reviewed_by=reviewer,
            reviewed_at=datetime.datetime.now(datetime.UTC) if decided else None,
            review_comment="Not so." if state == UpdateState.REJECTED else "",
            sources=[],
        )
        for n in range(1, count + 1)
    ]


def summaries(response, state: str) -> list[str]:
    group = next(g for g in response.context["groups"] if g.state == state)
    return [u.summary for u in group.updates]


def test_the_decided_groups_show_their_20_newest_and_say_how_many_there_are(as_analyst, analyst):
    make(analyst, UpdateState.APPROVED, 45)

    response = as_analyst.get(MY_UPDATES)

    assert summaries(response, UpdateState.APPROVED) == [
        f"approved {n}." for n in range(45, 25, -1)
    ]
    html = response.content.decode()
    assert "Approved (45)" in html
    assert "Showing 1 to 20 of 45, newest first." in html
    assert 'href="?approved_page=2#state-approved"' in html
    assert "Show more" in html and "Newer" not in html


def test_drafts_submitted_and_stale_updates_are_listed_whole(as_analyst, analyst):
    for state in (UpdateState.DRAFT, UpdateState.SUBMITTED, UpdateState.STALE):
        make(analyst, state, 25)

    response = as_analyst.get(MY_UPDATES)

    for state in (UpdateState.DRAFT, UpdateState.SUBMITTED, UpdateState.STALE):
        assert len(summaries(response, state)) == 25
    assert "Show more" not in response.content.decode()


def test_a_later_page_shows_older_updates_and_links_back_to_newer_ones(as_analyst, analyst):
    make(analyst, UpdateState.APPROVED, 45)

    response = as_analyst.get(MY_UPDATES, {"approved_page": "3"})

    assert summaries(response, UpdateState.APPROVED) == [f"approved {n}." for n in range(5, 0, -1)]
    html = response.content.decode()
    assert "Showing 41 to 45 of 45, newest first." in html
    assert 'href="?approved_page=2#state-approved"' in html
    assert "Show more" not in html


@pytest.mark.parametrize(("asked", "shown"), [("99", 3), ("0", 1), ("x", 1), ("-2", 1)])
def test_a_page_out_of_range_or_not_a_number_shows_the_nearest_one(
    as_analyst, analyst, asked, shown
):
    make(analyst, UpdateState.APPROVED, 45)

    response = as_analyst.get(MY_UPDATES, {"approved_page": asked})

    assert response.status_code == 200
    group = next(g for g in response.context["groups"] if g.state == UpdateState.APPROVED)
    assert group.page == shown


def test_each_group_pages_on_its_own_and_its_links_keep_the_others_page(as_analyst, analyst):
    make(analyst, UpdateState.APPROVED, 45)
    make(analyst, UpdateState.REJECTED, 25)

    response = as_analyst.get(MY_UPDATES, {"approved_page": "2", "rejected_page": "2"})

    assert summaries(response, UpdateState.REJECTED) == [f"rejected {n}." for n in range(5, 0, -1)]
    assert summaries(response, UpdateState.APPROVED)[0] == "approved 25."
    html = response.content.decode()
    assert 'href="?rejected_page=2&amp;approved_page=3#state-approved"' in html
    assert 'href="?rejected_page=2#state-approved"' in html
    assert 'href="?approved_page=2#state-rejected"' in html


def test_the_page_costs_the_same_queries_for_25_or_131_approved_updates(
    as_analyst, analyst, django_assert_max_num_queries
):
    commitment = CommitmentFactory()
    make(analyst, UpdateState.DRAFT, 2, commitment)
    make(analyst, UpdateState.APPROVED, 25, commitment)
    with CaptureQueriesContext(connection) as few:
        as_analyst.get(MY_UPDATES)
    make(analyst, UpdateState.APPROVED, 106, commitment)

    with django_assert_max_num_queries(MY_UPDATES_QUERIES) as many:
        response = as_analyst.get(MY_UPDATES)

    assert len(many) == len(few)
    assert len(re.findall(r'class="update state-approved"', response.content.decode())) == 20
    assert "Approved (131)" in response.content.decode()
