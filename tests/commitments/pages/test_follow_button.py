"""The "Follow" button of a participant's, guarantee's and agreement's page: one click follows
it in the inbox; once followed, "Following" and an "Unfollow" button; nothing for visitors."""

import pytest
from django.test import Client
from django.urls import reverse

from commitments.choices import NotificationChannel
from commitments.models import Subscription
from commitments.selectors import subscriptions_following_only
from tests.factories import (
    AgreementFactory,
    GuaranteeFactory,
    ParticipantFactory,
    SubscriptionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

FOLLOW = '<button type="submit">Follow</button>'
UNFOLLOW = '<button type="submit">Unfollow</button>'


@pytest.fixture
def member(client):
    user = UserFactory(username="mia")
    client.force_login(user)
    return user


def participant_page(code: str) -> str:
    return reverse("commitments:participant_detail", kwargs={"code": code})


def html_of(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def follow(client, kind: str, obj, action: str = "follow"):
    return client.post(reverse(f"commitments:{action}"), {"kind": kind, "object": obj.pk})


def test_a_visitor_sees_no_follow_button(client):
    ParticipantFactory(code="FR")

    html = html_of(client, participant_page("FR"))

    assert FOLLOW not in html and "Following" not in html


def test_a_signed_in_user_sees_follow_on_a_participants_page(client, member):
    ParticipantFactory(code="FR")

    html = html_of(client, participant_page("FR"))

    assert FOLLOW in html and UNFOLLOW not in html


def test_follow_follows_the_participant_alone_in_the_inbox(client, member):
    france = ParticipantFactory(code="FR")

    response = follow(client, "participant", france)

    assert response.status_code == 302 and response.headers["Location"] == participant_page("FR")
    subscription = Subscription.objects.get(user=member)
    assert subscription.channel == NotificationChannel.IN_APP
    assert list(subscription.participants.all()) == [france]
    assert not subscription.guarantees.exists() and not subscription.agreements.exists()


def test_a_followed_participants_page_says_following_with_an_unfollow_button(client, member):
    france = ParticipantFactory(code="FR", name="France")
    follow(client, "participant", france)

    html = html_of(client, participant_page("FR"))

    assert "<strong>Following</strong>" in html and "(In-app inbox)" in html
    assert UNFOLLOW in html and FOLLOW not in html
    assert "You follow France: its changes come to your inbox." in html


def test_unfollow_ends_the_subscription_and_brings_the_follow_button_back(client, member):
    france = ParticipantFactory(code="FR")
    follow(client, "participant", france)

    response = follow(client, "participant", france, action="unfollow")

    assert response.status_code == 302
    assert not Subscription.objects.exists()
    assert FOLLOW in html_of(client, participant_page("FR"))


def test_unfollow_ends_an_email_subscription_to_it_alone_too(client, member):
    france = ParticipantFactory(code="FR")
    SubscriptionFactory(user=member, participants=[france], channel=NotificationChannel.EMAIL)

    assert "(E-mail, at once)" in html_of(client, participant_page("FR"))
    follow(client, "participant", france, action="unfollow")

    assert not Subscription.objects.exists()


def test_unfollow_leaves_broader_subscriptions_alone(client, member):
    france, norway = ParticipantFactory(code="FR"), ParticipantFactory(code="NO")
    broader = SubscriptionFactory(user=member, participants=[france, norway])
    everything = SubscriptionFactory(user=member)

    html = html_of(client, participant_page("FR"))
    follow(client, "participant", france, action="unfollow")

    assert FOLLOW in html  # followed only among others: managed on /subscriptions/
    assert set(Subscription.objects.all()) == {broader, everything}


def test_following_twice_is_refused_with_a_message_and_creates_nothing(client, member):
    france = ParticipantFactory(code="FR")
    follow(client, "participant", france)

    response = follow(client, "participant", france)

    assert response.status_code == 302
    assert Subscription.objects.count() == 1
    assert "You already follow exactly this" in html_of(client, participant_page("FR"))


def test_a_guarantees_page_follows_the_guarantee(client, member):
    air = GuaranteeFactory(slug="air-policing")
    page = reverse("commitments:guarantee_detail", kwargs={"slug": "air-policing"})
    assert FOLLOW in html_of(client, page)

    response = follow(client, "guarantee", air)

    assert response.headers["Location"] == page
    assert list(Subscription.objects.get().guarantees.all()) == [air]
    assert UNFOLLOW in html_of(client, page)


def test_an_agreements_page_follows_the_agreement(client, member):
    paris = AgreementFactory(slug="paris")
    page = reverse("commitments:agreement_detail", kwargs={"slug": "paris"})
    assert FOLLOW in html_of(client, page)

    response = follow(client, "agreement", paris)

    assert response.headers["Location"] == page
    assert list(Subscription.objects.get().agreements.all()) == [paris]
    assert UNFOLLOW in html_of(client, page)


def test_the_page_links_to_the_other_ways_to_follow_it(client, member):
    france = ParticipantFactory(code="FR")

    html = html_of(client, participant_page("FR"))

    assert f'href="/subscriptions/?participants={france.pk}">Other ways to follow</a>' in html


def test_following_something_that_does_not_exist_is_a_404(client, member):
    response = client.post(reverse("commitments:follow"), {"kind": "participant", "object": 4242})

    assert response.status_code == 404
    assert not Subscription.objects.exists()


@pytest.mark.parametrize(
    "data", [{}, {"kind": "commitment", "object": 1}, {"kind": "participant", "object": "x"}]
)
def test_a_follow_that_names_nothing_followable_is_a_404(client, member, data):
    assert client.post(reverse("commitments:follow"), data).status_code == 404
    assert not Subscription.objects.exists()


def test_a_visitor_who_posts_follow_is_sent_to_sign_in_and_nothing_is_created(client):
    france = ParticipantFactory(code="FR")

    response = follow(client, "participant", france)

    assert response.status_code == 302 and response.headers["Location"].startswith("/login/")
    assert not Subscription.objects.exists()


def test_follow_is_a_post_only(client, member):
    assert client.get(reverse("commitments:follow")).status_code == 405


def test_follow_without_the_csrf_token_is_refused(member):
    france = ParticipantFactory(code="FR")
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)

    response = follow(client, "participant", france)

    assert response.status_code == 403
    assert not Subscription.objects.exists()


def test_whether_a_user_follows_is_read_in_one_query(member, django_assert_num_queries):
    france = ParticipantFactory(code="FR")
    SubscriptionFactory(user=member, participants=[france])
    SubscriptionFactory(user=member, participants=[france], guarantees=[GuaranteeFactory()])

    with django_assert_num_queries(1):
        following = list(subscriptions_following_only(user=member, obj=france))

    assert len(following) == 1
