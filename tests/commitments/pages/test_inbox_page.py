"""The inbox page: a signed-in user's in-app notifications, newest first, unread ones
marked; mark one read (in place with htmx, or with a plain form) or all of them."""

import datetime

import pytest
from django.utils import timezone

from commitments.choices import NotificationChannel, NotificationKind
from commitments.models import Notification
from tests.factories import CommitmentFactory, NotificationFactory

pytestmark = pytest.mark.django_db

URL = "/inbox/"


def at(minutes: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=minutes)


@pytest.fixture
def signed_in(client, analyst):
    client.force_login(analyst)
    return client


def test_the_inbox_asks_a_visitor_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/inbox/")


def test_the_inbox_lists_the_user_s_notifications_newest_first(signed_in, analyst):
    NotificationFactory(recipient=analyst, title="Older", created_at=at(10))
    NotificationFactory(recipient=analyst, title="Newer", created_at=at(1))

    body = signed_in.get(URL).content.decode()

    assert body.index("Newer") < body.index("Older")


def test_the_inbox_shows_neither_someone_else_s_notifications_nor_e_mails(signed_in, analyst):
    NotificationFactory(title="Someone else's")
    NotificationFactory(recipient=analyst, channel=NotificationChannel.EMAIL, title="An e-mail")

    body = signed_in.get(URL).content.decode()

    assert "Someone else" not in body
    assert "An e-mail" not in body
    assert "No notifications yet." in body


def test_an_unread_notification_is_marked_with_a_word_and_a_button(signed_in, analyst):
    NotificationFactory(recipient=analyst, title="Fresh")
    NotificationFactory(recipient=analyst, title="Seen", read_at=at(1))

    response = signed_in.get(URL)

    items = {n.title: n for n in response.context["notifications"]}
    body = response.content.decode()
    assert body.count('<span class="badge unread">Unread</span>') == 1
    assert body.count(">Mark read</button>") == 1
    assert f'id="notification-{items["Fresh"].pk}" class="notification unread"' in body
    assert f'id="notification-{items["Seen"].pk}" class="notification"' in body


def test_each_notification_links_to_its_commitment(signed_in, analyst):
    commitment = CommitmentFactory()
    NotificationFactory(recipient=analyst, commitment=commitment)

    body = signed_in.get(URL).content.decode()

    assert f'href="/commitments/{commitment.pk}/"' in body


def test_a_rejection_shows_the_reviewer_s_comment(signed_in, analyst):
    NotificationFactory(
        recipient=analyst,
        kind=NotificationKind.UPDATE_REJECTED,
        data={"update": {"review_comment": "The source says tabled, not passed."}},
    )

    body = signed_in.get(URL).content.decode()

    assert "Reviewer's comment: The source says tabled, not passed." in body


def test_the_inbox_is_paginated(signed_in, analyst):
    NotificationFactory.create_batch(30, recipient=analyst)

    first = signed_in.get(URL)
    second = signed_in.get(URL + "?page=2")

    assert len(first.context["notifications"]) == 25
    assert len(second.context["notifications"]) == 5
    assert signed_in.get(URL + "?page=3").status_code == 404


def test_the_inbox_costs_the_same_queries_with_50_notifications_as_with_1(
    signed_in, analyst, django_assert_max_num_queries
):
    NotificationFactory(recipient=analyst, commitment=CommitmentFactory())
    # The session, the user, the sample-data banner, the header's roles and unread count, the
    # page's count and rows.
    with django_assert_max_num_queries(7):
        signed_in.get(URL)

    for _ in range(49):
        NotificationFactory(recipient=analyst, commitment=CommitmentFactory())

    with django_assert_max_num_queries(7):
        response = signed_in.get(URL + "?page=2")
    assert len(response.context["notifications"]) == 25


def test_mark_read_without_javascript_marks_it_and_goes_back(signed_in, analyst):
    notification = NotificationFactory(recipient=analyst)

    response = signed_in.post(f"/inbox/{notification.pk}/read/", {"next": "/inbox/?page=1"})

    assert (response.status_code, response["Location"]) == (302, "/inbox/?page=1")
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_mark_read_never_sends_the_user_to_another_site(signed_in, analyst):
    notification = NotificationFactory(recipient=analyst)

    response = signed_in.post(
        f"/inbox/{notification.pk}/read/", {"next": "https://evil.example.org/"}
    )

    assert response["Location"] == "/inbox/"


def test_mark_read_with_htmx_redraws_the_item_and_the_header_count(signed_in, analyst):
    notification = NotificationFactory(recipient=analyst, title="Done")
    NotificationFactory(recipient=analyst)

    response = signed_in.post(f"/inbox/{notification.pk}/read/", headers={"HX-Request": "true"})

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith(
        f'<li id="notification-{notification.pk}" class="notification">'
    )
    assert "Mark read" not in body
    assert 'id="inbox-link"' in body and 'hx-swap-oob="true"' in body
    assert 'aria-label="Inbox (1 unread)"' in body


def test_marking_someone_else_s_notification_is_a_404_and_changes_nothing(signed_in):
    other = NotificationFactory()

    response = signed_in.post(f"/inbox/{other.pk}/read/")

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_marking_read_takes_a_post_only(signed_in, analyst):
    notification = NotificationFactory(recipient=analyst)

    response = signed_in.get(f"/inbox/{notification.pk}/read/")

    assert response.status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_marks_only_the_user_s_and_says_how_many(signed_in, analyst):
    NotificationFactory.create_batch(3, recipient=analyst)
    other = NotificationFactory()

    response = signed_in.post("/inbox/read-all/", follow=True)

    body = response.content.decode()
    assert "Marked 3 notifications read." in body
    assert "Mark all read" not in body
    assert not Notification.objects.filter(recipient=analyst, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_mark_all_read_is_offered_only_when_something_is_unread(signed_in, analyst):
    NotificationFactory(recipient=analyst, read_at=at(1))

    body = signed_in.get(URL).content.decode()

    assert "Mark all read" not in body
    assert "0 unread notifications" in body


def test_a_visitor_cannot_mark_anything_read(client):
    notification = NotificationFactory()

    response = client.post("/inbox/read-all/")

    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is None
