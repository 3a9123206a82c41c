"""/api/v1/subscriptions/: a user lists, creates, reads and deletes their own subscriptions;
anyone else's is a 404; the services' refusals are 400s naming the field."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import TokenScope
from commitments.choices import NotificationChannel
from commitments.models import Subscription
from tests.factories import (
    AgreementFactory,
    GuaranteeFactory,
    ParticipantFactory,
    SubscriptionFactory,
    UserFactory,
)
from tests.helpers import bearer

pytestmark = pytest.mark.django_db

URL = "/api/v1/subscriptions/"


@pytest.fixture
def member():
    return UserFactory(username="mia")


@pytest.fixture
def api(member):
    return bearer(member)


def test_the_list_holds_the_users_own_subscriptions_only(api, member):
    mine = SubscriptionFactory(
        user=member,
        channel=NotificationChannel.DIGEST,
        participants=[ParticipantFactory(code="FR")],
        guarantees=[GuaranteeFactory(slug="air")],
        agreements=[AgreementFactory(slug="paris")],
    )
    SubscriptionFactory()

    body = api.get(URL).json()

    assert body["count"] == 1
    assert body["results"] == [
        {
            "id": mine.pk,
            "channel": "digest",
            "participants": ["FR"],
            "guarantees": ["air"],
            "agreements": ["paris"],
            "created_at": body["results"][0]["created_at"],
        }
    ]


def test_an_admin_lists_only_their_own_too(admin_user):
    SubscriptionFactory()

    assert bearer(admin_user).get(URL).json()["count"] == 0


def test_creating_follows_what_the_codes_and_slugs_name(api, member):
    ParticipantFactory(code="FR")
    GuaranteeFactory(slug="air")

    response = api.post(
        URL,
        {"channel": "email", "participants": ["FR"], "guarantees": ["air"]},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["participants"] == ["FR"]
    assert response.json()["guarantees"] == ["air"] and response.json()["agreements"] == []
    subscription = Subscription.objects.get(user=member)
    assert subscription.pk == response.json()["id"]
    assert subscription.channel == NotificationChannel.EMAIL


def test_the_channel_defaults_to_the_inbox_and_no_filter_follows_everything(api, member):
    response = api.post(URL, {}, format="json")

    assert response.status_code == 201
    assert response.json()["channel"] == "in_app"
    assert response.json()["participants"] == []


def test_email_without_an_address_is_a_400_on_the_channel(member):
    member.email = ""
    member.save(update_fields=["email"])

    response = bearer(member).post(URL, {"channel": "email"}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"] == {"channel": ["E-mail needs an address on the account."]}
    assert not Subscription.objects.exists()


def test_an_unknown_participant_is_a_400_naming_it(api):
    response = api.post(URL, {"participants": ["ZZ"]}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"] == {"participants": ["Unknown participants: ZZ."]}
    assert not Subscription.objects.exists()


def test_the_same_subscription_twice_is_a_400(api, member):
    ParticipantFactory(code="FR")
    api.post(URL, {"participants": ["FR"]}, format="json")

    response = api.post(URL, {"participants": ["FR"]}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "already follow exactly this" in response.json()["detail"]
    assert Subscription.objects.count() == 1


def test_an_unknown_field_is_refused(api):
    response = api.post(URL, {"channel": "in_app", "user": 1}, format="json")

    assert response.status_code == 400
    assert not Subscription.objects.exists()


def test_a_read_token_creates_nothing(member):
    response = bearer(member, TokenScope.READ).post(URL, {}, format="json")

    assert response.status_code == 403
    assert not Subscription.objects.exists()


def test_an_own_subscription_is_read_with_an_etag(api, member):
    subscription = SubscriptionFactory(user=member)

    first = api.get(f"{URL}{subscription.pk}/")
    again = api.get(f"{URL}{subscription.pk}/", HTTP_IF_NONE_MATCH=first.headers["ETag"])

    assert first.status_code == 200 and first.json()["id"] == subscription.pk
    assert again.status_code == 304


def test_someone_elses_subscription_is_a_404(api):
    assert api.get(f"{URL}{SubscriptionFactory().pk}/").status_code == 404


def test_deleting_an_own_subscription_ends_it(api, member):
    subscription = SubscriptionFactory(user=member)

    response = api.delete(f"{URL}{subscription.pk}/")

    assert response.status_code == 204
    assert not Subscription.objects.exists()


def test_deleting_someone_elses_subscription_is_a_404_and_it_stays(api):
    subscription = SubscriptionFactory()

    response = api.delete(f"{URL}{subscription.pk}/")

    assert response.status_code == 404
    assert Subscription.objects.filter(pk=subscription.pk).exists()


def test_the_lists_etag_answers_304_until_a_subscription_is_added(api, member):
    first = api.get(URL)
    unchanged = api.get(URL, HTTP_IF_NONE_MATCH=first.headers["ETag"])
    api.post(URL, {}, format="json")

    changed = api.get(URL, HTTP_IF_NONE_MATCH=first.headers["ETag"])

    assert unchanged.status_code == 304
    assert changed.status_code == 200 and changed.json()["count"] == 1


def test_an_idempotency_key_replays_the_creation_and_creates_nothing_more(api):
    first = api.post(URL, {}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = api.post(URL, {}, format="json", HTTP_IDEMPOTENCY_KEY="k1")

    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Subscription.objects.count() == 1


def _subscribe(user, count: int) -> None:
    participants = ParticipantFactory.create_batch(3)
    guarantees = GuaranteeFactory.create_batch(2)
    for n in range(count):
        SubscriptionFactory(
            user=user,
            participants=participants[: 1 + n % 3],
            guarantees=guarantees[: n % 3],
            agreements=[guarantees[0].agreement] if n % 2 else [],
        )


def test_a_page_of_30_costs_the_same_queries_as_a_page_of_1(api, member):
    _subscribe(member, 1)
    api.get(URL)  # the token's last_used_at is written once
    with CaptureQueriesContext(connection) as one:
        api.get(URL)
    _subscribe(member, 29)

    with CaptureQueriesContext(connection) as thirty:
        response = api.get(URL)

    assert response.json()["count"] == 30
    assert len(thirty) == len(one) <= 6
