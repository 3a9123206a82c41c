"""An analyst is told in the inbox when their update is approved, rejected or goes stale,
whatever their subscriptions (none, by e-mail only, the digest, or on other commitments)."""

import pytest

from commitments import selectors
from commitments.choices import NotificationChannel, NotificationKind
from commitments.exceptions import StaleUpdate
from commitments.services import update_approve, update_reject
from tests.factories import (
    CommitmentFactory,
    ParticipantFactory,
    StatusUpdateFactory,
    SubscriptionFactory,
)

pytestmark = pytest.mark.django_db

SUBSCRIPTIONS = {
    "none": lambda user: None,
    "e-mail only": lambda user: SubscriptionFactory(user=user, channel=NotificationChannel.EMAIL),
    "digest only": lambda user: SubscriptionFactory(user=user, channel=NotificationChannel.DIGEST),
    "in-app, other participants": lambda user: SubscriptionFactory(
        user=user, channel=NotificationChannel.IN_APP, participants=[ParticipantFactory()]
    ),
}


def approve(update, reviewer):
    update_approve(update=update, reviewer=reviewer)


def reject(update, reviewer):
    update_reject(update=update, reviewer=reviewer, comment="Not what the source says.")


def go_stale(update, reviewer):
    update_approve(update=StatusUpdateFactory(commitment=update.commitment), reviewer=reviewer)
    with pytest.raises(StaleUpdate):
        update_approve(update=update, reviewer=reviewer)


DECISIONS = {
    NotificationKind.UPDATE_APPROVED: approve,
    NotificationKind.UPDATE_REJECTED: reject,
    NotificationKind.UPDATE_STALE: go_stale,
}


@pytest.mark.parametrize("subscription", SUBSCRIPTIONS)
@pytest.mark.parametrize("kind", DECISIONS)
def test_the_author_s_inbox_hears_of_the_decision(analyst, reviewer, kind, subscription):
    SUBSCRIPTIONS[subscription](analyst)
    update = StatusUpdateFactory(commitment=CommitmentFactory(), proposed_by=analyst)

    DECISIONS[kind](update, reviewer)

    inbox = list(selectors.notification_inbox(user=analyst))
    assert [n.kind for n in inbox if n.kind == kind] == [kind]
    told = next(n for n in inbox if n.kind == kind)
    assert told.commitment_id == update.commitment_id
    assert told.read_at is None
    assert selectors.notification_unread_count(user=analyst) >= 1


def test_the_reviewer_s_inbox_hears_nothing_of_their_own_decision(analyst, reviewer):
    update = StatusUpdateFactory(proposed_by=analyst)

    approve(update, reviewer)

    assert not selectors.notification_inbox(user=reviewer).exists()


def test_the_inbox_names_statuses_as_the_pages_do(analyst, reviewer):
    update = StatusUpdateFactory(proposed_by=analyst)

    reject(update, reviewer)

    told = selectors.notification_inbox(user=analyst).get()
    assert told.title.endswith("→ in parliament")
