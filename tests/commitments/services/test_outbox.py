"""The outbox: what each workflow step owes, written in its own transaction, handed to
Celery only after the commit; refusals and rollbacks owe nothing."""

import datetime
import io
import json

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction

from accounts.roles import Role
from commitments.choices import (
    DeliveryState,
    NotificationChannel,
    NotificationKind,
    UpdateState,
)
from commitments.exceptions import SelfReviewForbidden, StaleUpdate
from commitments.models import Notification, WebhookDelivery
from commitments.services import (
    update_approve,
    update_create,
    update_reject,
    update_submit,
)
from tests.factories import (
    AgreementFactory,
    CommitmentFactory,
    GuaranteeFactory,
    ParticipantFactory,
    StatusUpdateFactory,
    SubscriptionFactory,
    UserFactory,
    WebhookEndpointFactory,
)

pytestmark = pytest.mark.django_db


def notified(kind: str, channel: str = NotificationChannel.IN_APP) -> set[str]:
    rows = Notification.objects.filter(kind=kind, channel=channel)
    return set(rows.values_list("recipient__username", flat=True))


def test_an_approval_writes_what_it_owes_and_queues_one_task_after_the_commit(
    reviewer, django_capture_on_commit_callbacks
):
    SubscriptionFactory(user__username="sub", channel=NotificationChannel.EMAIL)
    endpoints = WebhookEndpointFactory.create_batch(3)
    update = StatusUpdateFactory()

    with django_capture_on_commit_callbacks() as callbacks:
        update_approve(update=update, reviewer=reviewer)

    assert len(callbacks) == 1
    deliveries = WebhookDelivery.objects.filter(state=DeliveryState.PENDING)
    assert sorted(d.endpoint_id for d in deliveries) == sorted(e.pk for e in endpoints)
    assert len({d.webhook_id for d in deliveries}) == 3
    assert notified(NotificationKind.STATUS_CHANGED, NotificationChannel.EMAIL) == {"sub"}


def test_a_refused_approval_owes_nothing(reviewer, django_capture_on_commit_callbacks):
    WebhookEndpointFactory()
    SubscriptionFactory()
    update = StatusUpdateFactory(proposed_by=reviewer)

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(SelfReviewForbidden):
        update_approve(update=update, reviewer=reviewer)

    assert callbacks == []
    assert not WebhookDelivery.objects.exists()
    assert not Notification.objects.exists()


def test_a_rolled_back_approval_owes_nothing_and_queues_nothing(
    reviewer, django_capture_on_commit_callbacks
):
    WebhookEndpointFactory()
    update = StatusUpdateFactory()

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        update_approve(update=update, reviewer=reviewer)
        raise RuntimeError("the request failed later")

    assert callbacks == []
    assert not WebhookDelivery.objects.exists()
    assert not Notification.objects.exists()


def test_the_approval_tells_the_author_in_the_inbox_and_by_email(
    reviewer, django_capture_on_commit_callbacks, mailoutbox
):
    update = StatusUpdateFactory(proposed_by__username="author")

    with django_capture_on_commit_callbacks(execute=True):
        update_approve(update=update, reviewer=reviewer, comment="Well sourced.")

    assert notified(NotificationKind.UPDATE_APPROVED) == {"author"}
    [email] = mailoutbox
    assert email.to == ["author@example.org"]
    assert email.subject.startswith("[Commitment Tracker] Approved:")
    assert "Well sourced." in email.body
    assert email.alternatives[0].mimetype == "text/html"
    row = Notification.objects.get(channel=NotificationChannel.EMAIL)
    assert row.state == DeliveryState.DELIVERED and row.sent_at is not None


@pytest.mark.parametrize(
    ("filters", "follows"),
    [
        ({}, True),
        ({"participants": "own"}, True),
        ({"participants": "other"}, False),
        ({"guarantees": "own"}, True),
        ({"guarantees": "other"}, False),
        ({"agreements": "own"}, True),
        ({"agreements": "other"}, False),
        ({"participants": "both", "guarantees": "own"}, True),
        ({"participants": "own", "agreements": "other"}, False),
    ],
    ids=lambda v: str(v),
)
def test_a_subscription_hears_of_the_commitments_its_filters_take_in(reviewer, filters, follows):
    update = StatusUpdateFactory()
    commitment = update.commitment
    own = {
        "participants": [commitment.participant],
        "guarantees": [commitment.guarantee],
        "agreements": [commitment.guarantee.agreement],
    }
    other = {
        "participants": [ParticipantFactory()],
        "guarantees": [GuaranteeFactory()],
        "agreements": [AgreementFactory()],
    }
    chosen = {
        name: own[name]
        if which == "own"
        else other[name]
        if which == "other"
        else own[name] + other[name]
        for name, which in filters.items()
    }
    SubscriptionFactory(user__username="follower", **chosen)
    WebhookEndpointFactory(**chosen)

    update_approve(update=update, reviewer=reviewer)

    assert (notified(NotificationKind.STATUS_CHANGED) == {"follower"}) is follows
    assert WebhookDelivery.objects.exists() is follows


def test_two_matching_subscriptions_on_one_channel_tell_their_user_once(reviewer):
    update = StatusUpdateFactory()
    user = UserFactory(username="twice")
    SubscriptionFactory(user=user)
    SubscriptionFactory(user=user, participants=[update.commitment.participant])

    update_approve(update=update, reviewer=reviewer)

    assert Notification.objects.filter(kind=NotificationKind.STATUS_CHANGED).count() == 1


def test_a_digest_subscription_owes_a_line_to_the_next_digest(reviewer):
    SubscriptionFactory(user__username="daily", channel=NotificationChannel.DIGEST)
    update = StatusUpdateFactory()

    update_approve(update=update, reviewer=reviewer)

    row = Notification.objects.get(kind=NotificationKind.STATUS_CHANGED)
    assert (row.channel, row.state) == (NotificationChannel.DIGEST, DeliveryState.PENDING)


def test_an_inactive_endpoint_or_subscriber_is_not_told(reviewer):
    WebhookEndpointFactory(is_active=False)
    SubscriptionFactory(user__is_active=False)
    update = StatusUpdateFactory()

    update_approve(update=update, reviewer=reviewer)

    assert not WebhookDelivery.objects.exists()
    assert not Notification.objects.filter(kind=NotificationKind.STATUS_CHANGED).exists()


def test_the_webhook_body_carries_the_change_its_update_reviewer_and_sources(reviewer):
    WebhookEndpointFactory()
    update = StatusUpdateFactory()

    commitment = update_approve(update=update, reviewer=reviewer, comment="Checked.")

    body = json.loads(WebhookDelivery.objects.get().message.payload)
    data = body["data"]
    assert body["type"] == "commitment.status_changed"
    assert body["timestamp"]
    assert data["commitment"]["id"] == commitment.pk
    assert data["participant"]["code"] == commitment.participant.code
    assert data["guarantee"]["slug"] == commitment.guarantee.slug
    assert (data["before"], data["after"]) == ({"status": "signed"}, {"status": "in_parliament"})
    assert data["version"] == 2
    assert data["update"]["id"] == update.pk
    assert data["update"]["review_comment"] == "Checked."
    assert data["reviewer"] == reviewer.username
    assert [s["url"] for s in data["sources"]] == [s.url for s in update.sources.all()]


def test_a_submitted_update_tells_every_reviewer_but_its_author(analyst):
    UserFactory(username="rev1", roles=[Role.REVIEWER])
    UserFactory(username="rev2", roles=[Role.REVIEWER])
    UserFactory(username="boss", is_superuser=True)
    analyst.groups.add(Group.objects.get(name=Role.REVIEWER))  # an author who also reviews

    update_create(
        commitment=CommitmentFactory(),
        author=analyst,
        proposed_status="in_parliament",
        effective_date=datetime.date(2024, 5, 2),
        summary="Tabled.",
        sources=[{"url": "https://news.example.org/x"}],
    )

    expected = {"rev1", "rev2", "boss"}
    assert notified(NotificationKind.UPDATE_SUBMITTED) == expected
    assert notified(NotificationKind.UPDATE_SUBMITTED, NotificationChannel.EMAIL) == expected


def test_a_draft_tells_nobody_until_it_is_submitted(analyst, reviewer):
    update = StatusUpdateFactory(proposed_by=analyst, state=UpdateState.DRAFT, submitted_at=None)
    assert not Notification.objects.exists()

    update_submit(update=update, author=analyst)

    assert notified(NotificationKind.UPDATE_SUBMITTED) == {reviewer.username}


def test_a_rejection_tells_the_author_with_the_comment(reviewer):
    update = StatusUpdateFactory(proposed_by__username="author")

    update_reject(update=update, reviewer=reviewer, comment="The source is a blog.")

    row = Notification.objects.get(channel=NotificationChannel.IN_APP)
    assert (row.kind, row.recipient.username) == (NotificationKind.UPDATE_REJECTED, "author")
    assert row.data["update"]["review_comment"] == "The source is a blog."


def test_an_update_gone_stale_on_approval_tells_its_author(reviewer):
    commitment = CommitmentFactory()
    first = StatusUpdateFactory(commitment=commitment)
    late = StatusUpdateFactory(commitment=commitment, proposed_by__username="late")
    update_approve(update=first, reviewer=reviewer)

    with pytest.raises(StaleUpdate):
        update_approve(update=late, reviewer=reviewer)

    assert notified(NotificationKind.UPDATE_STALE) == {"late"}
    assert WebhookDelivery.objects.count() == 0  # no endpoint; and stale changes nothing


@pytest.mark.usefixtures("private_targets_allowed")
def test_in_process_tasks_deliver_an_approval_to_every_endpoint_after_the_commit(
    reviewer, receiver, django_capture_on_commit_callbacks
):
    WebhookEndpointFactory.create_batch(3, url=receiver.url)
    update = StatusUpdateFactory()

    with django_capture_on_commit_callbacks(execute=True):
        update_approve(update=update, reviewer=reviewer)

    deliveries = WebhookDelivery.objects.all()
    assert {d.state for d in deliveries} == {DeliveryState.DELIVERED}
    assert sorted(r.headers["webhook-id"] for r in receiver.received) == sorted(
        d.webhook_id for d in deliveries
    )


def test_loading_the_demo_scenario_notifies_nobody(mailoutbox):
    SubscriptionFactory()
    WebhookEndpointFactory()

    call_command("seed_demo", stdout=io.StringIO())

    assert not Notification.objects.exists()
    assert not WebhookDelivery.objects.exists()
    assert mailoutbox == []
