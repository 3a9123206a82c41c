"""record_changes selects status events by action alone: it must give every viewer exactly
the status events the sync feed's rule (changes_for) gives them."""

import pytest
from django.contrib.auth.models import AnonymousUser

from commitments import audit
from commitments.selectors import changes_for, record_changes
from tests.commitments.change_history import build_history

pytestmark = pytest.mark.django_db


def test_no_status_action_is_a_draft_s_or_a_private_one():
    hidden = {*audit.DRAFT_ACTIONS, audit.UPDATE_WITHDRAWN, *audit.PRIVATE_ACTIONS}

    assert hidden.isdisjoint(audit.STATUS_ACTIONS)


@pytest.mark.parametrize("who", ["anonymous", "analyst", "reviewer", "admin_user"])
def test_every_viewer_reads_the_status_events_the_sync_feed_gives_them(request, who):
    build_history(
        analyst=request.getfixturevalue("analyst"), reviewer=request.getfixturevalue("reviewer")
    )
    viewer = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)

    listed = [change.sequence for change in record_changes(viewer=viewer)[:1000]]

    expected = (
        changes_for(viewer=viewer)
        .filter(action__in=audit.STATUS_ACTIONS)
        .order_by("-sequence")
        .values_list("sequence", flat=True)
    )
    assert listed == list(expected)
    assert len(listed) == 6
