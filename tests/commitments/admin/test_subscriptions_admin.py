"""The admin writes subscriptions through the services, under their rules: an e-mail
subscription for a user without an address is a form error, and nothing is saved."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from commitments import services
from commitments.choices import NotificationChannel
from commitments.models import Subscription
from tests.factories import GuaranteeFactory, ParticipantFactory, SubscriptionFactory, UserFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:commitments_subscription_add")
CHANGELIST = reverse("admin:commitments_subscription_changelist")


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="ada", roles=[Role.ADMIN]))
    return client


@pytest.fixture
def calls(monkeypatch) -> list[str]:
    """The names of the subscription services called, each still doing its work."""
    called: list[str] = []
    for name in ("subscription_create", "subscription_update", "subscription_delete"):
        real = getattr(services, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            called.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(services, name, spy)
    return called


def change_url(subscription) -> str:
    return reverse("admin:commitments_subscription_change", args=[subscription.pk])


def form_errors(response) -> dict:
    return response.context["adminform"].form.errors


def test_adding_a_subscription_goes_through_the_service(admin_client, calls):
    user, france = UserFactory(), ParticipantFactory()

    response = admin_client.post(
        ADD, {"user": user.pk, "channel": NotificationChannel.EMAIL, "participants": [france.pk]}
    )

    assert response.status_code == 302
    assert calls == ["subscription_create"]
    subscription = Subscription.objects.get()
    assert subscription.user == user and subscription.channel == NotificationChannel.EMAIL
    assert list(subscription.participants.all()) == [france]


def test_an_email_subscription_for_a_user_without_an_address_is_a_form_error(admin_client, calls):
    user = UserFactory(email="")

    response = admin_client.post(ADD, {"user": user.pk, "channel": NotificationChannel.EMAIL})

    assert response.status_code == 200
    assert form_errors(response)["channel"] == ["E-mail needs an address on the account."]
    assert calls == []
    assert not Subscription.objects.exists()


def test_a_duplicate_is_a_form_error(admin_client):
    existing = SubscriptionFactory()

    response = admin_client.post(
        ADD, {"user": existing.user.pk, "channel": NotificationChannel.IN_APP}
    )

    assert form_errors(response)["__all__"] == [
        "You already follow exactly this through this channel."
    ]
    assert Subscription.objects.count() == 1


def test_changing_a_subscription_goes_through_the_service(admin_client, calls):
    subscription = SubscriptionFactory(participants=[ParticipantFactory()])
    air = GuaranteeFactory()

    response = admin_client.post(
        change_url(subscription), {"channel": NotificationChannel.DIGEST, "guarantees": [air.pk]}
    )

    assert response.status_code == 302
    assert calls == ["subscription_update"]
    subscription.refresh_from_db()
    assert subscription.channel == NotificationChannel.DIGEST
    assert not subscription.participants.exists()
    assert list(subscription.guarantees.all()) == [air]


def test_changing_to_email_for_a_user_without_an_address_is_a_form_error(admin_client, calls):
    subscription = SubscriptionFactory(user=UserFactory(email=""))

    response = admin_client.post(change_url(subscription), {"channel": NotificationChannel.EMAIL})

    assert form_errors(response)["channel"] == ["E-mail needs an address on the account."]
    assert calls == []
    subscription.refresh_from_db()
    assert subscription.channel == NotificationChannel.IN_APP


def test_the_subscriber_is_not_changed_in_the_admin(admin_client):
    subscription = SubscriptionFactory()
    owner = subscription.user

    admin_client.post(
        change_url(subscription),
        {"user": UserFactory().pk, "channel": NotificationChannel.IN_APP},
    )

    subscription.refresh_from_db()
    assert subscription.user == owner


def test_deleting_a_subscription_goes_through_the_service(admin_client, calls):
    subscription = SubscriptionFactory()

    response = admin_client.post(
        reverse("admin:commitments_subscription_delete", args=[subscription.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert calls == ["subscription_delete"]
    assert not Subscription.objects.exists()


def test_the_bulk_delete_goes_through_the_service_for_each(admin_client, calls):
    subscriptions = SubscriptionFactory.create_batch(2)

    admin_client.post(
        CHANGELIST,
        {
            "action": "delete_selected",
            "_selected_action": [s.pk for s in subscriptions],
            "post": "yes",
        },
    )

    assert calls == ["subscription_delete", "subscription_delete"]
    assert not Subscription.objects.exists()
