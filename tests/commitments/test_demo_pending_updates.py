"""The demo leaves updates waiting for review, so the reviewer's queue is not empty."""

import pytest

from commitments import demo, selectors, services
from commitments.choices import UpdateState
from commitments.models import StatusUpdate

pytestmark = pytest.mark.django_db


def test_the_demo_leaves_one_submitted_update_by_each_analyst():
    demo.demo_load()

    pending = StatusUpdate.objects.filter(state=UpdateState.SUBMITTED)

    assert sorted(pending.values_list("proposed_by__username", flat=True)) == [
        "analyst",
        "analyst2",
    ]
    assert all(update.sources.exists() for update in pending)


def test_the_demo_reviewer_sees_them_in_the_queue_and_may_approve_them():
    demo.demo_load()
    reviewer = demo.User.objects.get(username="reviewer")
    rows = selectors.review_rows_for(reviewer=reviewer)
    assert len(rows) == demo.PENDING_UPDATES and all(row.decidable for row in rows)

    for row in rows:
        commitment = services.update_approve(update=row.update, reviewer=reviewer, notify=False)
        assert commitment.status == row.status_new

    assert not StatusUpdate.objects.filter(state=UpdateState.SUBMITTED).exists()
