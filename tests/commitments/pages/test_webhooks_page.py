"""The webhooks page (/webhooks/): a signed-in user's own endpoints; create one (its secret
shown once), rotate the secret, switch it on or off, delete it, see recent deliveries with
their attempts and resend one. Every write goes through the services; a refusal changes
nothing; another user's endpoint or delivery is a 404."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from commitments import audit
from commitments.choices import DeliveryState
from commitments.models import AuditEvent, WebhookDelivery, WebhookEndpoint
from commitments.views.webhooks import SECRET_SLOT
from tests.factories import (
    UserFactory,
    WebhookAttemptFactory,
    WebhookDeliveryFactory,
    WebhookEndpointFactory,
)

pytestmark = pytest.mark.django_db

URL = "/webhooks/"
HOOK = "http://127.0.0.1:9/hook"


@pytest.fixture
def loopback_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True


@pytest.fixture
def user(db):
    """Any signed-in user may own endpoints (the API's rule): no role needed."""
    return UserFactory(username="owner")


@pytest.fixture
def stranger(db):
    return UserFactory(username="stranger")


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def secret_on(response) -> str | None:
    shown = response.context["shown_secret"]
    return shown["secret"] if shown else None


def test_the_page_has_its_url(db):
    assert reverse("commitments:webhooks") == URL


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/webhooks/"


def test_an_anonymous_visitor_creates_nothing(client, loopback_allowed):
    response = client.post(URL, {"url": HOOK})

    assert response.status_code == 302
    assert not WebhookEndpoint.objects.exists()


def test_a_user_sees_their_own_endpoints_and_nobody_else_s(signed_in, user, stranger):
    mine = WebhookEndpointFactory(owner=user, description="Mine")
    WebhookEndpointFactory(owner=stranger, description="Theirs")

    response = signed_in.get(URL)

    assert response.status_code == 200
    assert [e.pk for e in response.context["endpoints"]] == [mine.pk]
    assert "Theirs" not in response.content.decode()


def test_an_admin_s_page_lists_their_own_endpoints_only(client, stranger):
    admin = UserFactory(username="boss", roles=[Role.ADMIN])
    WebhookEndpointFactory(owner=stranger, description="Theirs")
    client.force_login(admin)

    response = client.get(URL)

    assert response.context["endpoints"] == []
    assert "You have no endpoints yet." in response.content.decode()


def test_every_answer_of_the_page_says_no_store(signed_in):
    assert signed_in.get(URL)["Cache-Control"] == "no-store"


# Create --------------------------------------------------------------------------------


def test_creating_an_endpoint_redirects_to_the_page(signed_in, user, loopback_allowed):
    response = signed_in.post(
        URL,
        {"url": HOOK, "description": "Our receiver", "event_types": ["commitment.status_changed"]},
    )

    assert response.status_code == 302
    assert response["Location"] == URL
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.owner, endpoint.url, endpoint.description) == (user, HOOK, "Our receiver")
    assert endpoint.event_types == ["commitment.status_changed"]
    assert AuditEvent.objects.get().action == audit.WEBHOOK_CREATED


def test_an_endpoint_may_ask_for_the_signed_checkpoints_too(signed_in, loopback_allowed):
    signed_in.post(
        URL, {"url": HOOK, "event_types": ["commitment.status_changed", "audit.checkpoint"]}
    )

    assert WebhookEndpoint.objects.get().event_types == [
        "commitment.status_changed",
        "audit.checkpoint",
    ]


def test_the_secret_is_shown_once_after_creation_with_no_store(signed_in, loopback_allowed):
    signed_in.post(URL, {"url": HOOK, "event_types": ["commitment.status_changed"]})

    first = signed_in.get(URL)
    again = signed_in.get(URL)

    endpoint = WebhookEndpoint.objects.get()
    assert secret_on(first) == endpoint.secret
    assert endpoint.secret.startswith("whsec_")
    assert f'value="{endpoint.secret}"' in first.content.decode()
    assert first["Cache-Control"] == "no-store"
    assert secret_on(again) is None
    assert endpoint.secret not in again.content.decode()


def test_the_secret_waits_in_the_session_encrypted(signed_in, loopback_allowed):
    signed_in.post(URL, {"url": HOOK, "event_types": ["commitment.status_changed"]})

    slot = signed_in.session[SECRET_SLOT]

    assert WebhookEndpoint.objects.get().secret not in str(slot)


def create(client, **data):
    return client.post(URL, {"event_types": ["commitment.status_changed"], **data})


def assert_refused_beside(response, field: str, message: str, status: int = 400) -> None:
    assert response.status_code == status
    assert message in " ".join(response.context["form"].errors[field])
    body = response.content.decode()
    if field != "__all__":
        assert f'id="id_{field}_error"' in body
    assert not WebhookEndpoint.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_url_on_a_private_address_is_refused_beside_the_field(signed_in):
    response = create(signed_in, url="http://127.0.0.1/hook")

    assert_refused_beside(response, "url", "127.0.0.1 resolves to 127.0.0.1, a private or loopback")


def test_a_url_on_a_port_outside_the_allowed_ones_is_refused(signed_in):
    response = create(signed_in, url="http://93.184.215.14:8080/hook")

    assert_refused_beside(response, "url", "Port 8080 is not allowed: use 80, 443.")


def test_a_url_that_is_not_http_is_refused(signed_in):
    response = create(signed_in, url="ftp://93.184.215.14/hook")

    assert_refused_beside(response, "url", "Enter a valid http(s) URL.")


def test_a_url_longer_than_the_limit_is_refused(signed_in):
    response = create(signed_in, url="https://93.184.215.14/" + "a" * 2100)

    assert_refused_beside(response, "url", "The URL is longer than")


def test_a_missing_url_is_refused(signed_in):
    response = create(signed_in, url="")

    assert_refused_beside(response, "url", "This field is required.")


def test_a_description_over_300_characters_is_refused(signed_in, loopback_allowed):
    response = create(signed_in, url=HOOK, description="d" * 301)

    assert_refused_beside(response, "description", "At most 300 characters.")


def test_an_endpoint_with_no_event_type_is_refused(signed_in, loopback_allowed):
    response = signed_in.post(URL, {"url": HOOK})

    assert_refused_beside(response, "event_types", "Name at least one event type.")


def test_an_unknown_event_type_is_refused(signed_in, loopback_allowed):
    response = signed_in.post(URL, {"url": HOOK, "event_types": ["user.created"]})

    assert_refused_beside(response, "event_types", "Select a valid choice.")


def test_an_endpoint_beyond_the_quota_is_refused_with_409(
    signed_in, user, settings, loopback_allowed
):
    settings.WEBHOOK_MAX_ENDPOINTS_PER_OWNER = 1
    WebhookEndpointFactory(owner=user)

    response = create(signed_in, url=HOOK)

    assert response.status_code == 409
    assert response.context["form"].non_field_errors()
    assert WebhookEndpoint.objects.count() == 1


def test_a_refused_creation_keeps_what_was_typed(signed_in):
    response = create(signed_in, url="http://127.0.0.1/hook", description="Kept")

    body = response.content.decode()
    assert 'value="http://127.0.0.1/hook"' in body
    assert 'value="Kept"' in body


# Rotate, switch, delete ------------------------------------------------------------------


def test_rotating_shows_the_new_secret_once(signed_in, user):
    endpoint = WebhookEndpointFactory(owner=user)
    old = endpoint.secret

    response = signed_in.post(reverse("commitments:webhook_rotate", args=[endpoint.pk]))
    shown = signed_in.get(URL)
    again = signed_in.get(URL)

    endpoint.refresh_from_db()
    assert response.status_code == 302
    assert endpoint.secret != old and endpoint.previous_secret == old
    assert secret_on(shown) == endpoint.secret
    assert secret_on(again) is None


def test_switching_an_endpoint_off_and_on(signed_in, user):
    endpoint = WebhookEndpointFactory(owner=user)
    path = reverse("commitments:webhook_activity", args=[endpoint.pk])

    signed_in.post(path, {"is_active": "false"})
    endpoint.refresh_from_db()
    off = endpoint.is_active
    signed_in.post(path, {"is_active": "true"})
    endpoint.refresh_from_db()

    assert (off, endpoint.is_active) == (False, True)


def test_an_unclear_switch_is_refused_and_changes_nothing(signed_in, user):
    endpoint = WebhookEndpointFactory(owner=user)

    response = signed_in.post(
        reverse("commitments:webhook_activity", args=[endpoint.pk]), {"is_active": "maybe"}
    )

    assert response.status_code == 400
    assert "Say whether to turn it on or off." in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.is_active
    assert not AuditEvent.objects.exists()


def test_deleting_an_endpoint(signed_in, user):
    endpoint = WebhookEndpointFactory(owner=user)

    response = signed_in.post(reverse("commitments:webhook_delete", args=[endpoint.pk]))

    assert response.status_code == 302
    assert not WebhookEndpoint.objects.exists()
    assert AuditEvent.objects.get().action == audit.WEBHOOK_DELETED


@pytest.mark.parametrize("name", ["webhook_rotate", "webhook_activity", "webhook_delete"])
def test_another_user_s_endpoint_is_a_404_and_stays_as_it_was(signed_in, stranger, name):
    endpoint = WebhookEndpointFactory(owner=stranger)
    secret = endpoint.secret

    response = signed_in.post(
        reverse(f"commitments:{name}", args=[endpoint.pk]), {"is_active": "false"}
    )

    assert response.status_code == 404
    endpoint.refresh_from_db()
    assert (endpoint.secret, endpoint.is_active) == (secret, True)
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("name", ["webhook_rotate", "webhook_activity", "webhook_delete"])
def test_an_endpoint_action_is_a_post(signed_in, user, name):
    endpoint = WebhookEndpointFactory(owner=user)

    assert signed_in.get(reverse(f"commitments:{name}", args=[endpoint.pk])).status_code == 405


# Deliveries ------------------------------------------------------------------------------


def test_recent_deliveries_are_shown_with_their_attempts(signed_in, user):
    delivery = WebhookDeliveryFactory(endpoint__owner=user, state=DeliveryState.FAILED)
    WebhookAttemptFactory(delivery=delivery, number=1, status_code=503, error="HTTP 503")
    WebhookAttemptFactory(delivery=delivery, number=2, status_code=None, error="timed out")

    body = signed_in.get(URL).content.decode()

    assert delivery.webhook_id in body
    assert "HTTP 503" in body
    assert "no answer" in body and "timed out" in body
    assert '<span class="state state-failed">Failed</span>' in body


def test_only_the_newest_ten_deliveries_of_an_endpoint_are_listed(signed_in, user):
    endpoint = WebhookEndpointFactory(owner=user)
    deliveries = [WebhookDeliveryFactory(endpoint=endpoint) for _ in range(12)]

    listed = signed_in.get(URL).context["endpoints"][0].recent_deliveries

    assert [d.pk for d in listed] == [d.pk for d in reversed(deliveries)][:10]


def test_resending_a_failed_delivery_owes_it_again(signed_in, user):
    delivery = WebhookDeliveryFactory(endpoint__owner=user, state=DeliveryState.FAILED)

    response = signed_in.post(reverse("commitments:webhook_resend", args=[delivery.pk]))

    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING
    assert AuditEvent.objects.get().action == audit.WEBHOOK_RESENT


def test_a_delivery_still_pending_is_not_resent(signed_in, user):
    delivery = WebhookDeliveryFactory(endpoint__owner=user, state=DeliveryState.PENDING)

    response = signed_in.post(reverse("commitments:webhook_resend", args=[delivery.pk]))

    assert response.status_code == 400
    assert "This delivery is still being attempted." in response.content.decode()
    assert not AuditEvent.objects.exists()


def test_a_delivery_to_an_endpoint_turned_off_is_not_resent(signed_in, user):
    delivery = WebhookDeliveryFactory(
        endpoint__owner=user, endpoint__is_active=False, state=DeliveryState.FAILED
    )

    response = signed_in.post(reverse("commitments:webhook_resend", args=[delivery.pk]))

    assert response.status_code == 400
    assert "The endpoint is disabled: turn it on first." in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED


def test_another_user_s_delivery_is_a_404(signed_in, stranger):
    delivery = WebhookDeliveryFactory(endpoint__owner=stranger, state=DeliveryState.FAILED)

    response = signed_in.post(reverse("commitments:webhook_resend", args=[delivery.pk]))

    assert response.status_code == 404
    assert WebhookDelivery.objects.get().state == DeliveryState.FAILED


# Queries -----------------------------------------------------------------------------------


def endpoints_with_history(owner, count: int) -> None:
    for _ in range(count):
        endpoint = WebhookEndpointFactory(owner=owner)
        for _ in range(12):
            delivery = WebhookDeliveryFactory(endpoint=endpoint, state=DeliveryState.FAILED)
            WebhookAttemptFactory(delivery=delivery, number=1)
            WebhookAttemptFactory(delivery=delivery, number=2)


def queries_for(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_the_page_takes_a_fixed_number_of_queries(signed_in, user, django_assert_max_num_queries):
    endpoints_with_history(user, 1)
    few = queries_for(signed_in)
    endpoints_with_history(user, 5)

    with django_assert_max_num_queries(few):
        response = signed_in.get(URL)

    assert len(response.context["endpoints"]) == 6
    assert few <= 12
