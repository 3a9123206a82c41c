"""subscription_check, subscription_create, subscription_update and subscription_delete: every
rule checked before the first write, every field's problem named at once."""

import pytest

from accounts.roles import Role
from commitments.choices import NotificationChannel
from commitments.exceptions import NotAllowed, ValidationFailed
from commitments.models import Subscription
from commitments.services import (
    subscription_check,
    subscription_create,
    subscription_delete,
    subscription_update,
)
from tests.factories import (
    AgreementFactory,
    GuaranteeFactory,
    ParticipantFactory,
    SubscriptionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_every_fields_problem_is_named_at_once():
    with pytest.raises(ValidationFailed) as refused:
        subscription_check(
            user=UserFactory(email=""),
            channel=NotificationChannel.EMAIL,
            participants=[4241],
            guarantees=[4242],
            agreements=[4243],
        )

    assert refused.value.fields == {
        "channel": ["E-mail needs an address on the account."],
        "participants": ["Unknown participant: 4241."],
        "guarantees": ["Unknown guarantee: 4242."],
        "agreements": ["Unknown agreement: 4243."],
    }


def test_the_check_resolves_the_filters_and_writes_nothing():
    france = ParticipantFactory()

    filters = subscription_check(
        user=UserFactory(), channel=NotificationChannel.IN_APP, participants=[france.pk]
    )

    assert filters == {"participants": [france], "guarantees": [], "agreements": []}
    assert not Subscription.objects.exists()


def test_the_same_subscription_twice_is_refused():
    user, france = UserFactory(), ParticipantFactory()
    subscription_create(user=user, channel=NotificationChannel.IN_APP, participants=[france])

    with pytest.raises(ValidationFailed, match="already follow exactly this"):
        subscription_create(user=user, channel=NotificationChannel.IN_APP, participants=[france])

    assert Subscription.objects.count() == 1


def test_following_everything_twice_is_refused_too():
    user = UserFactory()
    subscription_create(user=user, channel=NotificationChannel.DIGEST)

    with pytest.raises(ValidationFailed):
        subscription_create(user=user, channel=NotificationChannel.DIGEST)

    assert Subscription.objects.count() == 1


def test_a_subset_of_another_subscription_is_no_duplicate():
    user, france, norway = UserFactory(), ParticipantFactory(), ParticipantFactory()
    subscription_create(
        user=user, channel=NotificationChannel.IN_APP, participants=[france, norway]
    )

    subscription_create(user=user, channel=NotificationChannel.IN_APP, participants=[france])

    assert Subscription.objects.count() == 2


def test_another_users_identical_subscription_is_no_duplicate():
    france = ParticipantFactory()
    SubscriptionFactory(participants=[france])

    subscription_create(
        user=UserFactory(), channel=NotificationChannel.IN_APP, participants=[france]
    )

    assert Subscription.objects.count() == 2


def test_an_inactive_account_follows_nothing():
    with pytest.raises(ValidationFailed) as refused:
        subscription_create(user=UserFactory(is_active=False), channel=NotificationChannel.IN_APP)

    assert list(refused.value.fields) == ["user"]
    assert not Subscription.objects.exists()


def test_an_update_changes_the_channel_and_the_filters():
    subscription = SubscriptionFactory(participants=[ParticipantFactory()])
    air, paris = GuaranteeFactory(), AgreementFactory()

    subscription_update(
        subscription=subscription,
        actor=subscription.user,
        channel=NotificationChannel.DIGEST,
        guarantees=[air],
        agreements=[paris],
    )

    subscription.refresh_from_db()
    assert subscription.channel == NotificationChannel.DIGEST
    assert not subscription.participants.exists()
    assert list(subscription.guarantees.all()) == [air]
    assert list(subscription.agreements.all()) == [paris]


def test_an_update_to_email_for_an_account_without_an_address_is_refused():
    france = ParticipantFactory()
    subscription = SubscriptionFactory(user=UserFactory(email=""), participants=[france])

    with pytest.raises(ValidationFailed, match="address"):
        subscription_update(
            subscription=subscription,
            actor=subscription.user,
            channel=NotificationChannel.EMAIL,
            guarantees=[GuaranteeFactory()],
        )

    subscription.refresh_from_db()
    assert subscription.channel == NotificationChannel.IN_APP
    assert list(subscription.participants.all()) == [france]
    assert not subscription.guarantees.exists()


def test_an_update_that_leaves_it_as_it_was_is_no_duplicate_of_itself():
    france = ParticipantFactory()
    subscription = SubscriptionFactory(participants=[france])

    subscription_update(
        subscription=subscription,
        actor=subscription.user,
        channel=NotificationChannel.IN_APP,
        participants=[france],
    )

    assert Subscription.objects.count() == 1


def test_an_update_into_a_copy_of_another_subscription_is_refused():
    user, france = UserFactory(), ParticipantFactory()
    SubscriptionFactory(user=user, participants=[france])
    other = SubscriptionFactory(user=user)

    with pytest.raises(ValidationFailed):
        subscription_update(
            subscription=other,
            actor=user,
            channel=NotificationChannel.IN_APP,
            participants=[france],
        )

    assert not other.participants.exists()


def test_nobody_else_changes_a_subscription():
    subscription = SubscriptionFactory()

    with pytest.raises(NotAllowed):
        subscription_update(
            subscription=subscription, actor=UserFactory(), channel=NotificationChannel.DIGEST
        )

    subscription.refresh_from_db()
    assert subscription.channel == NotificationChannel.IN_APP


def test_an_admin_changes_anyones_subscription():
    subscription = SubscriptionFactory()

    subscription_update(
        subscription=subscription,
        actor=UserFactory(roles=[Role.ADMIN]),
        channel=NotificationChannel.DIGEST,
    )

    subscription.refresh_from_db()
    assert subscription.channel == NotificationChannel.DIGEST


def test_an_admin_ends_anyones_subscription():
    subscription = SubscriptionFactory()

    subscription_delete(subscription=subscription, user=UserFactory(roles=[Role.ADMIN]))

    assert not Subscription.objects.exists()
