"""A draft withdrawn before it was ever submitted stays its author's, wherever it is read."""

import datetime

import pytest

from accounts.models import TokenScope
from accounts.roles import Role
from commitments.services import update_create, update_submit, update_withdraw
from tests.factories import CommitmentFactory, UserFactory
from tests.helpers import bearer

pytestmark = pytest.mark.django_db

OTHERS = {
    "another analyst": ([Role.ANALYST], TokenScope.WRITE),
    "a reviewer": ([Role.REVIEWER], TokenScope.WRITE),
    "an api client": ([Role.API_CLIENT], TokenScope.READ),
}


@pytest.fixture(params=list(OTHERS))
def other(request):
    roles, scope = OTHERS[request.param]
    return bearer(UserFactory(roles=roles), scope)


@pytest.fixture
def commitment(db):
    return CommitmentFactory()


def withdrawn(author, commitment, *, submitted: bool):
    update = update_create(
        commitment=commitment,
        author=author,
        proposed_status="in_parliament",
        effective_date=datetime.date(2024, 5, 2),
        summary="Tabled, says a draft.",
        sources=[{"url": "https://news.example.org/draft-source"}],
        draft=True,
    )
    if submitted:
        update = update_submit(update=update, author=author)
    return update_withdraw(update=update, author=author)


def listed_ids(api) -> list[int]:
    return [u["id"] for u in api.get("/api/v1/status-updates/").json()["results"]]


def audit_actions(api) -> list[str]:
    return [e["action"] for e in api.get("/api/v1/audit-events/").json()["results"]]


def history_actions(api, commitment) -> list[str]:
    response = api.get(f"/api/v1/commitments/{commitment.pk}/history/")
    return [e["action"] for e in response.json()]


def test_others_do_not_list_a_draft_withdrawn_before_submission(analyst, commitment, other):
    update = withdrawn(analyst, commitment, submitted=False)

    assert update.pk not in listed_ids(other)


def test_others_cannot_get_a_draft_withdrawn_before_submission(analyst, commitment, other):
    update = withdrawn(analyst, commitment, submitted=False)

    assert other.get(f"/api/v1/status-updates/{update.pk}/").status_code == 404


def test_others_do_not_read_the_withdrawal_of_a_never_submitted_draft_in_the_audit_history(
    analyst, commitment, other
):
    withdrawn(analyst, commitment, submitted=False)

    assert "update.withdrawn" not in audit_actions(other)


def test_others_do_not_see_a_never_submitted_draft_in_the_commitments_history(
    analyst, commitment, other
):
    withdrawn(analyst, commitment, submitted=False)

    assert not [a for a in history_actions(other, commitment) if a.startswith("update.")]


def test_the_changes_feed_never_carries_a_never_submitted_draft(analyst, commitment, other):
    update = withdrawn(analyst, commitment, submitted=False)

    results = other.get("/api/v1/changes/").json()["results"]

    assert not [r for r in results if r["object"]["id"] == str(update.pk)]
    assert not [r for r in results if r["type"].startswith("update.")]


def test_the_author_still_reads_their_draft_withdrawn_before_submission(analyst, commitment):
    update = withdrawn(analyst, commitment, submitted=False)
    author = bearer(analyst)

    assert update.pk in listed_ids(author)
    assert author.get(f"/api/v1/status-updates/{update.pk}/").status_code == 200
    assert "update.withdrawn" in audit_actions(author)
    assert "update.withdrawn" in history_actions(author, commitment)


def test_an_update_withdrawn_after_submission_stays_visible_to_everyone(analyst, commitment, other):
    update = withdrawn(analyst, commitment, submitted=True)

    assert update.pk in listed_ids(other)
    assert other.get(f"/api/v1/status-updates/{update.pk}/").status_code == 200
    assert "update.withdrawn" in audit_actions(other)
    assert "update.withdrawn" in history_actions(other, commitment)
