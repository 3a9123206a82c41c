"""Registering webhook endpoints, subscribing, and the in-app inbox: clear refusals that
change nothing."""

import base64

import pytest

from accounts.roles import Role
from commitments import audit
from commitments.choices import NotificationChannel
from commitments.exceptions import NotAllowed, ValidationFailed
from commitments.models import AuditEvent, Subscription, WebhookEndpoint
from commitments.selectors import notification_inbox, notification_unread_count
from commitments.services import (
    notification_mark_read,
    notifications_mark_all_read,
    subscription_create,
    subscription_delete,
    webhook_endpoint_create,
    webhook_endpoint_update,
)
from tests.factories import (
    NotificationFactory,
    ParticipantFactory,
    SubscriptionFactory,
    UserFactory,
    WebhookEndpointFactory,
)

pytestmark = pytest.mark.django_db

PUBLIC_URL = "https://93.184.215.14/hooks"  # an address literal: no DNS needed


def test_a_new_endpoint_comes_with_its_secret_in_the_standard_form():
    owner, participant = UserFactory(), ParticipantFactory()

    endpoint, secret = webhook_endpoint_create(
        owner=owner, url=PUBLIC_URL, description="Sync", participants=[participant.pk]
    )

    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24
    assert endpoint.secret == secret and endpoint.is_active
    assert list(endpoint.participants.all()) == [participant]
    event = AuditEvent.objects.get()
    assert event.action == audit.WEBHOOK_CREATED
    assert secret not in str(event.after)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://93.184.215.14/hooks", r"valid http\(s\) URL"),
        ("javascript:alert(1)", r"valid http\(s\) URL"),
        ("https://93.184.215.14/" + "a" * 2000, "longer than 2000"),
        ("http://127.0.0.1:8000/hooks", "private or loopback"),
        ("http://localhost/hooks", "private or loopback"),
        ("http://10.1.2.3/hooks", "private or loopback"),
        ("http://192.168.0.10/hooks", "private or loopback"),
        ("http://169.254.169.254/latest/meta-data", "private or loopback"),
        ("http://[::1]/hooks", "private or loopback"),
        ("http://[::ffff:127.0.0.1]/hooks", "private or loopback"),
        ("https://receiver.invalid/hooks", "does not resolve"),
    ],
)
def test_a_bad_url_is_refused_at_registration_and_nothing_is_created(url, message):
    with pytest.raises(ValidationFailed, match=message) as refused:
        webhook_endpoint_create(owner=UserFactory(), url=url)

    assert list(refused.value.fields) == ["url"]
    assert not WebhookEndpoint.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_loopback_url_is_accepted_when_private_targets_are_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True

    endpoint, _ = webhook_endpoint_create(owner=UserFactory(), url="http://127.0.0.1:9/hooks")

    assert endpoint.url == "http://127.0.0.1:9/hooks"


def test_an_unknown_participant_in_the_filters_is_refused_and_nothing_is_created():
    with pytest.raises(ValidationFailed) as refused:
        webhook_endpoint_create(owner=UserFactory(), url=PUBLIC_URL, participants=[987654])

    assert refused.value.fields == {"participants": ["Unknown participant: 987654."]}
    assert not WebhookEndpoint.objects.exists()


def test_an_endpoint_turned_on_again_forgets_its_failures():
    endpoint = WebhookEndpointFactory(is_active=False, disabled_reason="Failing.")

    webhook_endpoint_update(endpoint=endpoint, actor=endpoint.owner, is_active=True)

    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.disabled_at is None and endpoint.failing_since is None
    assert AuditEvent.objects.get().action == audit.WEBHOOK_CHANGED


def test_nobody_but_the_owner_or_an_admin_changes_an_endpoint():
    endpoint = WebhookEndpointFactory(url=PUBLIC_URL)

    with pytest.raises(NotAllowed):
        webhook_endpoint_update(endpoint=endpoint, actor=UserFactory(), description="mine")

    endpoint.refresh_from_db()
    assert endpoint.description != "mine"
    admin = UserFactory(roles=[Role.ADMIN])
    webhook_endpoint_update(endpoint=endpoint, actor=admin, description="mine")


def test_a_subscription_to_an_unknown_participant_is_refused_and_nothing_is_created():
    with pytest.raises(ValidationFailed) as refused:
        subscription_create(
            user=UserFactory(), channel=NotificationChannel.IN_APP, participants=[424242]
        )

    assert list(refused.value.fields) == ["participants"]
    assert not Subscription.objects.exists()


def test_an_email_subscription_needs_an_address():
    with pytest.raises(ValidationFailed, match="address"):
        subscription_create(user=UserFactory(email=""), channel=NotificationChannel.EMAIL)

    assert not Subscription.objects.exists()


def test_only_the_subscriber_ends_a_subscription():
    subscription = SubscriptionFactory()

    with pytest.raises(NotAllowed):
        subscription_delete(subscription=subscription, user=UserFactory())

    assert Subscription.objects.exists()
    subscription_delete(subscription=subscription, user=subscription.user)
    assert not Subscription.objects.exists()


def test_marking_a_notification_read_takes_it_off_the_unread_count():
    user = UserFactory()
    first, _ = NotificationFactory(recipient=user), NotificationFactory(recipient=user)

    notification_mark_read(notification=first, user=user)

    assert notification_unread_count(user=user) == 1
    assert list(notification_inbox(user=user, unread_only=True)) != [first]


def test_nobody_marks_someone_elses_notification_read():
    notification = NotificationFactory()

    with pytest.raises(NotAllowed):
        notification_mark_read(notification=notification, user=UserFactory())

    notification.refresh_from_db()
    assert notification.read_at is None


def test_marking_all_read_empties_the_unread_inbox_of_that_user_only():
    user, other = UserFactory(), UserFactory()
    NotificationFactory.create_batch(3, recipient=user)
    NotificationFactory(recipient=other)

    assert notifications_mark_all_read(user=user) == 3

    assert notification_unread_count(user=user) == 0
    assert notification_unread_count(user=other) == 1
