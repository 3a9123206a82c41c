"""/subscriptions/: a signed-in user's subscriptions, a form to add one, a button to delete
each; every write through the services, their refusals beside the fields they name."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments.choices import NotificationChannel
from commitments.models import Subscription
from tests.factories import (
    AgreementFactory,
    GuaranteeFactory,
    ParticipantFactory,
    SubscriptionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = "/subscriptions/"


@pytest.fixture
def member(client):
    user = UserFactory(username="mia")
    client.force_login(user)
    return user


def field_errors(response, name: str) -> list[str]:
    return list(response.context["form"].errors.get(name, []))


def test_the_page_has_its_name_and_path():
    assert reverse("commitments:subscriptions") == URL


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login/?next=/subscriptions/")


def test_the_page_lists_the_users_own_subscriptions_only(client, member):
    france = ParticipantFactory(name="France")
    SubscriptionFactory(user=member, participants=[france], channel=NotificationChannel.DIGEST)
    SubscriptionFactory(participants=[ParticipantFactory(name="Norway")])

    html = client.get(URL).content.decode()

    assert "France" in html and "E-mail, daily digest" in html
    assert '<td><p><span class="filter">Participants:</span> France</p></td>' in html
    assert "Norway</p>" not in html  # offered in the form, not listed as followed


def test_a_subscription_without_filters_is_shown_as_following_everything(client, member):
    SubscriptionFactory(user=member)

    html = client.get(URL).content.decode()

    assert "<td><p>Everything</p></td>" in html


def test_a_user_without_subscriptions_is_told_so(client, member):
    assert "You follow nothing yet." in client.get(URL).content.decode()


def test_every_field_of_the_form_has_a_label(client, member):
    ParticipantFactory(name="France")

    html = client.get(URL).content.decode()

    for text in ("Channel", "Participants", "Guarantees", "Agreements"):
        assert f"<legend>{text}:</legend>" in html
    assert '<label for="id_channel_0">' in html and '<label for="id_participants_0">' in html
    assert '<button type="submit">Add subscription</button>' in html


def test_adding_a_subscription_follows_what_was_ticked_through_the_chosen_channel(client, member):
    france, air = ParticipantFactory(), GuaranteeFactory()

    response = client.post(
        URL,
        {"channel": NotificationChannel.EMAIL, "participants": [france.pk], "guarantees": [air.pk]},
    )

    assert response.status_code == 302 and response.headers["Location"] == URL
    subscription = Subscription.objects.get(user=member)
    assert subscription.channel == NotificationChannel.EMAIL
    assert list(subscription.participants.all()) == [france]
    assert list(subscription.guarantees.all()) == [air]
    assert not subscription.agreements.exists()
    assert "Subscription added." in client.get(URL).content.decode()


def test_ticking_nothing_follows_everything(client, member):
    client.post(URL, {"channel": NotificationChannel.IN_APP})

    subscription = Subscription.objects.get(user=member)
    assert not subscription.participants.exists() and not subscription.guarantees.exists()


def test_email_without_an_address_on_the_account_is_refused_beside_the_channel(client):
    client.force_login(UserFactory(email=""))

    response = client.post(URL, {"channel": NotificationChannel.EMAIL})

    assert response.status_code == 400
    assert field_errors(response, "channel") == ["E-mail needs an address on the account."]
    assert "E-mail needs an address on the account." in response.content.decode()
    assert not Subscription.objects.exists()


def test_a_daily_digest_without_an_address_is_refused_too(client):
    client.force_login(UserFactory(email=""))

    response = client.post(URL, {"channel": NotificationChannel.DIGEST})

    assert field_errors(response, "channel") == ["E-mail needs an address on the account."]
    assert not Subscription.objects.exists()


def test_a_participant_that_does_not_exist_is_refused_beside_its_field(client, member):
    response = client.post(URL, {"channel": NotificationChannel.IN_APP, "participants": [424242]})

    assert response.status_code == 400
    assert field_errors(response, "participants") == ["Unknown participant: 424242."]
    assert not Subscription.objects.exists()


def test_a_guarantee_and_an_agreement_that_do_not_exist_are_both_named(client, member):
    response = client.post(
        URL, {"channel": NotificationChannel.IN_APP, "guarantees": [9001], "agreements": [9002]}
    )

    assert field_errors(response, "guarantees") == ["Unknown guarantee: 9001."]
    assert field_errors(response, "agreements") == ["Unknown agreement: 9002."]
    assert not Subscription.objects.exists()


def test_an_id_that_is_no_number_is_refused_beside_its_field(client, member):
    response = client.post(URL, {"channel": NotificationChannel.IN_APP, "participants": ["x"]})

    assert response.status_code == 400
    assert field_errors(response, "participants")
    assert not Subscription.objects.exists()


def test_an_unknown_channel_is_refused_beside_the_channel(client, member):
    response = client.post(URL, {"channel": "pigeon"})

    assert response.status_code == 400
    assert field_errors(response, "channel")
    assert not Subscription.objects.exists()


def test_the_same_subscription_twice_is_refused_above_the_form(client, member):
    france = ParticipantFactory()
    SubscriptionFactory(user=member, participants=[france])

    response = client.post(
        URL, {"channel": NotificationChannel.IN_APP, "participants": [france.pk]}
    )

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "You already follow exactly this through this channel."
    ]
    assert Subscription.objects.count() == 1


def test_the_same_objects_through_another_channel_are_no_duplicate(client, member):
    france = ParticipantFactory()
    SubscriptionFactory(user=member, participants=[france])

    client.post(URL, {"channel": NotificationChannel.DIGEST, "participants": [france.pk]})

    assert Subscription.objects.filter(user=member).count() == 2


def test_the_form_is_ticked_from_the_query_string(client, member):
    france = ParticipantFactory()

    html = client.get(f"{URL}?participants={france.pk}").content.decode()

    assert f'value="{france.pk}" id="id_participants_0" checked' in html


def test_deleting_an_own_subscription_ends_it(client, member):
    subscription = SubscriptionFactory(user=member)

    response = client.post(reverse("commitments:subscription_delete", args=[subscription.pk]))

    assert response.status_code == 302 and response.headers["Location"] == URL
    assert not Subscription.objects.exists()
    assert "Subscription deleted." in client.get(URL).content.decode()


def test_someone_elses_subscription_is_a_404_and_stays(client, member):
    subscription = SubscriptionFactory()

    response = client.post(reverse("commitments:subscription_delete", args=[subscription.pk]))

    assert response.status_code == 404
    assert Subscription.objects.filter(pk=subscription.pk).exists()


def test_deleting_is_a_post_only(client, member):
    subscription = SubscriptionFactory(user=member)

    response = client.get(reverse("commitments:subscription_delete", args=[subscription.pk]))

    assert response.status_code == 405
    assert Subscription.objects.exists()


def test_a_post_without_the_csrf_token_is_refused_and_creates_nothing(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)

    response = client.post(URL, {"channel": NotificationChannel.IN_APP})

    assert response.status_code == 403
    assert not Subscription.objects.exists()


def test_a_delete_without_the_csrf_token_is_refused(member):
    subscription = SubscriptionFactory(user=member)
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)

    response = client.post(reverse("commitments:subscription_delete", args=[subscription.pk]))

    assert response.status_code == 403
    assert Subscription.objects.exists()


def test_each_delete_button_says_what_it_deletes(client, member):
    SubscriptionFactory(user=member, agreements=[AgreementFactory(title="Paris statement")])

    html = client.get(URL).content.decode()

    assert (
        'Delete<span class="visually-hidden">: Agreements: Paris statement (In-app inbox)</span>'
        in html
    )


def _subscribe_widely(user, count: int) -> None:
    participants = ParticipantFactory.create_batch(3)
    guarantees = GuaranteeFactory.create_batch(2)
    for n in range(count):
        SubscriptionFactory(
            user=user,
            participants=participants[: 1 + n % 3],
            guarantees=guarantees[: n % 3],
            agreements=[guarantees[0].agreement] if n % 2 else [],
        )


def test_the_page_costs_a_fixed_number_of_queries_however_many_subscriptions(
    client, member, django_assert_num_queries
):
    _subscribe_widely(member, 1)
    client.get(URL)  # warm: the first request of a session may read more
    with CaptureQueriesContext(connection) as one:
        assert client.get(URL).status_code == 200
    _subscribe_widely(member, 29)

    with django_assert_num_queries(len(one)):
        response = client.get(URL)

    assert len(response.context["rows"]) == 30
    assert len(one) <= 12  # 10 for the page, 2 for the header (the roles, the unread count)
