"""/api/v1/notifications/: each user's own in-app inbox, newest first; mark one or all read.
Another user's notification is a 404 to everyone."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import TokenScope
from commitments.choices import NotificationChannel, NotificationKind
from commitments.models import Notification
from tests.factories import CommitmentFactory, NotificationFactory
from tests.helpers import bearer

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/"


def at(minutes: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=minutes)


def test_the_list_holds_the_user_s_in_app_notifications_newest_first(as_analyst, analyst):
    older = NotificationFactory(recipient=analyst, created_at=at(10))
    newer = NotificationFactory(recipient=analyst, created_at=at(1))
    NotificationFactory()  # someone else's
    NotificationFactory(recipient=analyst, channel=NotificationChannel.EMAIL)

    body = as_analyst.get(URL).json()

    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [newer.pk, older.pk]


def test_a_notification_shows_its_kind_title_commitment_data_and_read_time(as_analyst, analyst):
    commitment = CommitmentFactory()
    notification = NotificationFactory(
        recipient=analyst,
        kind=NotificationKind.UPDATE_APPROVED,
        commitment=commitment,
        title="Approved: France · Air → ratified",
        data={"update": {"id": 7}},
    )

    body = as_analyst.get(f"{URL}{notification.pk}/").json()

    assert body == {
        "id": notification.pk,
        "kind": "update_approved",
        "title": "Approved: France · Air → ratified",
        "commitment": commitment.pk,
        "data": {"update": {"id": 7}},
        "created_at": body["created_at"],
        "read_at": None,
    }


def test_the_unread_filter_lists_unread_ones_only(as_analyst, analyst):
    unread = NotificationFactory(recipient=analyst)
    NotificationFactory(recipient=analyst, read_at=at(1))

    body = as_analyst.get(URL, {"unread": "true"}).json()

    assert [row["id"] for row in body["results"]] == [unread.pk]


def test_the_list_is_paginated_like_the_others(as_analyst, analyst):
    NotificationFactory.create_batch(3, recipient=analyst)

    body = as_analyst.get(URL, {"limit": 2}).json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert len(body["results"]) == 2
    assert body["next"]


def test_someone_else_s_notification_is_a_404_even_to_an_admin(admin_user):
    other = NotificationFactory()

    response = bearer(admin_user).get(f"{URL}{other.pk}/")

    assert response.status_code == 404


def test_marking_one_read_sets_its_read_time(as_analyst, analyst):
    notification = NotificationFactory(recipient=analyst)

    response = as_analyst.post(f"{URL}{notification.pk}/read/", {}, format="json")

    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_marking_one_read_again_keeps_its_first_read_time(as_analyst, analyst):
    first = at(5)
    notification = NotificationFactory(recipient=analyst, read_at=first)

    as_analyst.post(f"{URL}{notification.pk}/read/", {}, format="json")

    notification.refresh_from_db()
    assert notification.read_at == first


def test_marking_someone_else_s_read_is_a_404_and_changes_nothing(as_analyst):
    other = NotificationFactory()

    response = as_analyst.post(f"{URL}{other.pk}/read/", {}, format="json")

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_read_all_marks_the_user_s_unread_ones_and_answers_how_many(as_analyst, analyst):
    NotificationFactory.create_batch(3, recipient=analyst)
    NotificationFactory(recipient=analyst, read_at=at(1))
    other = NotificationFactory()

    response = as_analyst.post(f"{URL}read-all/", {}, format="json")

    assert (response.status_code, response.json()) == (200, {"count": 3})
    assert not Notification.objects.filter(recipient=analyst, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_a_read_only_token_may_list_but_not_mark_read(api_client_user):
    notification = NotificationFactory(recipient=api_client_user)
    reader = bearer(api_client_user, TokenScope.READ)

    listed = reader.get(URL)
    refused = reader.post(f"{URL}{notification.pk}/read/", {}, format="json")

    assert listed.status_code == 200
    assert refused.status_code == 403
    notification.refresh_from_db()
    assert notification.read_at is None


def test_a_body_with_unknown_fields_is_refused(as_analyst, analyst):
    notification = NotificationFactory(recipient=analyst)

    response = as_analyst.post(f"{URL}{notification.pk}/read/", {"all": True}, format="json")

    assert response.status_code == 400
    notification.refresh_from_db()
    assert notification.read_at is None


def test_the_list_costs_the_same_queries_with_50_notifications_as_with_1(
    as_analyst, analyst, django_assert_max_num_queries
):
    NotificationFactory(recipient=analyst, commitment=CommitmentFactory())
    with django_assert_max_num_queries(4):
        as_analyst.get(URL)

    for _ in range(49):
        NotificationFactory(recipient=analyst, commitment=CommitmentFactory())

    with django_assert_max_num_queries(4):
        body = as_analyst.get(URL).json()
    assert len(body["results"]) == 50
