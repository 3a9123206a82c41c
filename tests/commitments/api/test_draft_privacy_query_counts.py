"""Hiding other people's drafts costs no query per row in any list that hides them."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from commitments.services import update_create, update_delete, update_withdraw
from tests.factories import CommitmentFactory, UserFactory
from tests.helpers import bearer

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/status-updates/",
    "/api/v1/sources/",
    "/api/v1/audit-events/",
    "/api/v1/changes/",
    "/api/v1/commitments/{pk}/history/",
]


def proposed(commitment, author, *, draft: bool, n: int):
    return update_create(
        commitment=commitment,
        author=author,
        proposed_status="in_parliament",
        effective_date=datetime.date(2024, 5, 2),
        summary=f"Update {n}.",
        sources=[{"url": f"https://news.example.org/{author.pk}/{n}"}],
        draft=draft,
    )


def add_updates(commitment, viewer_user, count: int) -> None:
    """Of each kind, `count`: others' submitted updates, drafts, drafts withdrawn unsubmitted
    and deleted drafts, and the viewer's own drafts."""
    for n in range(count):
        author = UserFactory(roles=[Role.ANALYST])
        proposed(commitment, author, draft=False, n=n)
        proposed(commitment, author, draft=True, n=n + 1000)
        update_withdraw(update=proposed(commitment, author, draft=True, n=n + 2000), author=author)
        update_delete(update=proposed(commitment, author, draft=True, n=n + 3000), author=author)
        proposed(commitment, viewer_user, draft=True, n=n)


def queries(api, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert api.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", LISTS)
def test_a_list_mixing_drafts_and_submitted_updates_costs_no_query_per_row(
    analyst, url, django_assert_max_num_queries
):
    commitment = CommitmentFactory()
    url = url.format(pk=commitment.pk)
    viewer = bearer(analyst)
    viewer.get("/api/v1/participants/")  # the token's last_used_at is written once
    add_updates(commitment, analyst, 2)
    few = queries(viewer, url)

    add_updates(commitment, analyst, 12)

    with django_assert_max_num_queries(few):
        assert viewer.get(url).status_code == 200
