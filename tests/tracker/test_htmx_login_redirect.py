"""An htmx request from a page whose session expired: the browser is sent to the login page
(HX-Redirect, back to the page after it) instead of htmx swapping the login form into the
row it meant to redraw. Nothing is written on the way."""

import pytest

from commitments.choices import UpdateState
from commitments.models import Notification, StatusUpdate
from tests.factories import NotificationFactory, StatusUpdateFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def test_an_expired_reviewer_approving_in_place_is_sent_to_log_in_and_back_to_the_queue(client):
    update = StatusUpdateFactory()

    response = client.post(
        f"/review/{update.pk}/decide/",
        {"approve": "1"},
        headers={**HTMX, "HX-Current-URL": "http://testserver/review/?sort=age"},
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == "/login/?next=/review/%3Fsort%3Dage"
    assert response.content == b""
    assert StatusUpdate.objects.get(pk=update.pk).state == UpdateState.SUBMITTED


def test_an_expired_mark_read_in_the_inbox_is_sent_to_log_in_and_back_to_the_inbox(client):
    notification = NotificationFactory()

    response = client.post(
        f"/inbox/{notification.pk}/read/",
        headers={**HTMX, "HX-Current-URL": "http://testserver/inbox/"},
    )

    assert response["HX-Redirect"] == "/login/?next=/inbox/"
    assert Notification.objects.get(pk=notification.pk).read_at is None


def test_a_page_on_another_site_is_not_where_the_login_leads_back(client):
    notification = NotificationFactory()

    response = client.post(
        f"/inbox/{notification.pk}/read/",
        headers={**HTMX, "HX-Current-URL": "https://evil.example.com/inbox/"},
    )

    assert response["HX-Redirect"] == "/login/?next=/"


def test_an_expired_htmx_get_leads_back_to_what_it_asked_for(client):
    response = client.get("/my/updates/source-form/?sources-TOTAL_FORMS=1", headers=HTMX)

    assert response["HX-Redirect"] == (
        "/login/?next=/my/updates/source-form/%3Fsources-TOTAL_FORMS%3D1"
    )


def test_a_plain_post_without_htmx_still_gets_the_ordinary_redirect(client):
    notification = NotificationFactory()

    response = client.post(f"/inbox/{notification.pk}/read/")

    assert response.status_code == 302
    assert response.url == f"/login/?next=/inbox/{notification.pk}/read/"
    assert "HX-Redirect" not in response


def test_a_signed_in_htmx_request_is_answered_as_before(client, reviewer):
    client.force_login(reviewer)
    update = StatusUpdateFactory()

    response = client.post(
        f"/review/{update.pk}/decide/",
        {"approve": "1"},
        headers={**HTMX, "HX-Current-URL": "http://testserver/review/"},
    )

    assert response.status_code == 200
    assert "HX-Redirect" not in response
    assert StatusUpdate.objects.get(pk=update.pk).state == UpdateState.APPROVED
