"""One batch of webhook deliveries against a local receiver, run in process: signatures,
every attempt recorded, retries kept in the rows, endpoints that keep failing turned off."""

import datetime
import json
import socket

import pytest
from django.utils import timezone
from standardwebhooks import Webhook

from accounts.roles import Role
from commitments import notifications
from commitments.choices import DeliveryState, NotificationChannel, NotificationKind
from commitments.exceptions import NotAllowed, ValidationFailed
from commitments.models import Notification, WebhookAttempt, WebhookDelivery
from commitments.services import webhook_delivery_resend, webhook_endpoint_rotate_secret
from commitments.tasks import requeue_owed
from commitments.webhooks.delivery import webhooks_deliver
from tests.factories import UserFactory, WebhookDeliveryFactory, WebhookEndpointFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_targets_allowed")]


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    settings.WEBHOOK_RETRY_BASE_SECONDS = 15


def delivery_to(receiver, **fields):
    return WebhookDeliveryFactory(endpoint=WebhookEndpointFactory(url=receiver.url), **fields)


def deliver(*deliveries):
    report = webhooks_deliver(delivery_ids=[d.pk for d in deliveries])
    for delivery in deliveries:
        delivery.refresh_from_db()
    return report


def test_a_delivery_is_signed_so_the_reference_library_verifies_it(receiver):
    delivery = delivery_to(receiver)

    deliver(delivery)

    [request] = receiver.received
    payload = Webhook(delivery.endpoint.secret).verify(request.body, request.headers)
    assert payload == json.loads(delivery.message.payload)
    assert request.headers["webhook-id"] == delivery.webhook_id
    assert delivery.state == DeliveryState.DELIVERED
    attempt = WebhookAttempt.objects.get(delivery=delivery)
    assert (attempt.number, attempt.status_code, attempt.error) == (1, 200, "")
    assert attempt.latency_ms > 0 and attempt.response_excerpt == "ok"


def test_a_500_is_recorded_and_retried_later_under_the_same_id(receiver):
    receiver.answers = [500]
    delivery = delivery_to(receiver)
    before = timezone.now()

    report = deliver(delivery)

    assert delivery.state == DeliveryState.PENDING
    assert (delivery.attempt_count, delivery.last_status_code) == (1, 500)
    wait = (delivery.next_attempt_at - before).total_seconds()
    assert 12 <= wait <= 19  # 15 s ± 20 %
    assert report.retry_in == pytest.approx(wait, abs=1)
    assert WebhookAttempt.objects.get().error == "HTTP 500"


@pytest.mark.parametrize("status", [400, 401, 404, 410, 422])
def test_a_4xx_fails_the_delivery_without_a_retry(receiver, status):
    receiver.answers = [status]
    delivery = delivery_to(receiver)

    deliver(delivery)

    assert (delivery.state, delivery.last_status_code) == (DeliveryState.FAILED, status)
    assert delivery.endpoint.is_active


@pytest.mark.parametrize("status", [408, 429, 502, 503])
def test_408_429_and_5xx_are_retried(receiver, status):
    receiver.answers = [status]
    delivery = delivery_to(receiver)

    deliver(delivery)

    assert delivery.state == DeliveryState.PENDING
    assert delivery.next_attempt_at > timezone.now()


def test_a_429_waits_at_least_as_long_as_its_retry_after(receiver):
    def slow_down(handler):
        handler.send_response(429)
        handler.send_header("retry-after", "3600")
        handler.send_header("content-length", "0")
        handler.end_headers()

    receiver.answers = [slow_down]
    delivery = delivery_to(receiver)

    deliver(delivery)

    assert delivery.next_attempt_at >= timezone.now() + datetime.timedelta(seconds=3590)


def test_a_redirect_is_not_followed_and_is_retried(receiver):
    def redirect(handler):
        handler.send_response(302)
        handler.send_header("location", "http://127.0.0.1:1/elsewhere")
        handler.send_header("content-length", "0")
        handler.end_headers()

    receiver.answers = [redirect]
    delivery = delivery_to(receiver)

    deliver(delivery)

    assert len(receiver.received) == 1
    assert delivery.state == DeliveryState.PENDING
    assert "Redirect to http://127.0.0.1:1/elsewhere not followed" in delivery.last_error


def test_a_receiver_that_never_answers_is_a_timed_out_attempt_retried(receiver):
    receiver.answers = [lambda handler: handler.rfile.read(1)]  # holds the connection open
    delivery = delivery_to(receiver)

    deliver(delivery)

    assert delivery.state == DeliveryState.PENDING
    assert "No answer within 0.5 s" in delivery.last_error
    assert WebhookAttempt.objects.get().status_code is None


def test_a_garbage_answer_is_a_failed_attempt_retried(receiver):
    def garbage(handler):
        handler.wfile.write(b"\x00\xffnot http at all\r\n\r\n")
        handler.close_connection = True

    receiver.answers = [garbage]
    delivery = delivery_to(receiver)

    deliver(delivery)

    assert delivery.state == DeliveryState.PENDING
    assert delivery.last_error
    assert delivery.attempt_count == 1


def test_a_receiver_that_is_not_there_is_a_failed_attempt_retried():
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    delivery = WebhookDeliveryFactory(endpoint__url=f"http://127.0.0.1:{port}/gone")

    deliver(delivery)

    assert delivery.state == DeliveryState.PENDING
    assert "ConnectionError" in delivery.last_error


def test_a_delivered_delivery_is_never_sent_again(receiver):
    delivery = delivery_to(receiver)
    deliver(delivery)

    deliver(delivery)

    assert len(receiver.received) == 1
    assert WebhookAttempt.objects.count() == 1


def test_a_delivery_in_flight_elsewhere_or_not_yet_due_is_left_alone(receiver):
    now = timezone.now()
    leased = delivery_to(receiver, leased_until=now + datetime.timedelta(seconds=30))
    later = delivery_to(receiver, next_attempt_at=now + datetime.timedelta(minutes=5))

    deliver(leased, later)

    assert receiver.received == []
    assert not WebhookAttempt.objects.exists()


def test_a_loopback_target_is_refused_at_delivery_unless_allowed(receiver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    delivery = delivery_to(receiver)

    deliver(delivery)

    assert receiver.received == []
    assert delivery.state == DeliveryState.FAILED
    assert "private or loopback" in delivery.last_error


def test_a_delivery_exhausting_its_retries_disables_the_endpoint_and_tells_its_owner(
    receiver, settings, mailoutbox
):
    receiver.answers = [503]
    delivery = delivery_to(receiver, attempt_count=settings.WEBHOOK_MAX_ATTEMPTS - 1)

    report = deliver(delivery)

    endpoint = delivery.endpoint
    endpoint.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED
    assert not endpoint.is_active and endpoint.disabled_at is not None
    told = Notification.objects.filter(
        recipient=endpoint.owner, kind=NotificationKind.ENDPOINT_DISABLED
    )
    assert set(told.values_list("channel", flat=True)) == {"in_app", "email"}
    assert report.email_ids == [told.get(channel=NotificationChannel.EMAIL).pk]


def test_an_endpoint_failing_for_a_day_is_disabled(receiver):
    receiver.answers = [500]
    since = timezone.now() - datetime.timedelta(hours=25)
    delivery = WebhookDeliveryFactory(
        endpoint=WebhookEndpointFactory(url=receiver.url, failing_since=since)
    )

    deliver(delivery)

    delivery.endpoint.refresh_from_db()
    assert not delivery.endpoint.is_active


def test_one_success_clears_the_endpoint_failure_record(receiver):
    since = timezone.now() - datetime.timedelta(hours=2)
    delivery = WebhookDeliveryFactory(
        endpoint=WebhookEndpointFactory(url=receiver.url, failing_since=since)
    )

    deliver(delivery)

    delivery.endpoint.refresh_from_db()
    assert delivery.endpoint.failing_since is None and delivery.endpoint.is_active


def test_a_disabled_endpoints_pending_delivery_fails_without_a_request(receiver):
    delivery = WebhookDeliveryFactory(
        endpoint=WebhookEndpointFactory(url=receiver.url, is_active=False)
    )

    deliver(delivery)

    assert receiver.received == []
    assert delivery.state == DeliveryState.FAILED
    assert not WebhookAttempt.objects.exists()


def test_retry_delays_grow_threefold_with_jitter_and_span_about_a_day():
    # The nine waits between ten attempts: 15 s tripled each time, capped at 8 hours.
    expected = [15, 45, 135, 405, 1215, 3645, 10935, 8 * 3600, 8 * 3600]

    delays = [notifications.retry_delay(n, base=15.0) for n in range(1, 10)]

    for delay, unjittered in zip(delays, expected, strict=True):
        assert 0.8 * unjittered <= delay <= 1.2 * unjittered
    assert 14 * 3600 < sum(delays) < 30 * 3600


def test_after_a_rotation_old_and_new_secrets_both_sign_until_the_grace_ends(receiver, settings):
    delivery = delivery_to(receiver)
    endpoint = delivery.endpoint
    old = endpoint.secret
    new = webhook_endpoint_rotate_secret(endpoint=endpoint, actor=endpoint.owner)

    deliver(delivery)

    [request] = receiver.received
    assert new != old and new.startswith("whsec_")
    Webhook(new).verify(request.body, request.headers)
    Webhook(old).verify(request.body, request.headers)
    assert len(request.headers["webhook-signature"].split(" ")) == 2


def test_only_the_owner_or_an_admin_rotates_a_secret():
    endpoint = WebhookEndpointFactory()
    secret = endpoint.secret

    with pytest.raises(NotAllowed):
        webhook_endpoint_rotate_secret(endpoint=endpoint, actor=UserFactory())

    endpoint.refresh_from_db()
    assert endpoint.secret == secret
    admin = UserFactory(roles=[Role.ADMIN])
    assert webhook_endpoint_rotate_secret(endpoint=endpoint, actor=admin) != secret


def test_resend_sends_a_failed_delivery_again_under_the_same_id_with_a_new_schedule(
    receiver, django_capture_on_commit_callbacks
):
    receiver.answers = [404, 200]
    delivery = delivery_to(receiver)
    deliver(delivery)
    assert delivery.state == DeliveryState.FAILED

    with django_capture_on_commit_callbacks(execute=True):
        webhook_delivery_resend(delivery=delivery, actor=delivery.endpoint.owner)

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED
    assert [r.headers["webhook-id"] for r in receiver.received] == [delivery.webhook_id] * 2
    assert delivery.attempt_count == 2 and delivery.schedule_offset == 1


def test_a_delivery_still_being_attempted_is_not_resent():
    delivery = WebhookDeliveryFactory()

    with pytest.raises(ValidationFailed, match="still being attempted"):
        webhook_delivery_resend(delivery=delivery, actor=delivery.endpoint.owner)

    delivery.refresh_from_db()
    assert delivery.schedule_offset == 0


def test_the_sweep_finds_overdue_deliveries_but_not_those_in_flight_or_done(settings):
    settings.NOTIFY_REQUEUE_AFTER_SECONDS = 30
    now = timezone.now()
    minutes_ago = now - datetime.timedelta(minutes=2)
    overdue = WebhookDeliveryFactory(next_attempt_at=minutes_ago)
    WebhookDeliveryFactory(next_attempt_at=now)  # just queued: its message is on its way
    WebhookDeliveryFactory(
        next_attempt_at=minutes_ago, leased_until=now + datetime.timedelta(seconds=20)
    )
    WebhookDeliveryFactory(next_attempt_at=minutes_ago, state=DeliveryState.DELIVERED)
    dead_worker = WebhookDeliveryFactory(
        next_attempt_at=minutes_ago, leased_until=now - datetime.timedelta(seconds=1)
    )

    owed = notifications.owed_deliveries(now=now)

    assert owed == [overdue.pk, dead_worker.pk]


def test_the_sweep_task_delivers_what_is_owed(receiver, settings):
    settings.NOTIFY_REQUEUE_AFTER_SECONDS = 0
    delivery = delivery_to(receiver, next_attempt_at=timezone.now() - datetime.timedelta(1))

    requeue_owed.delay()

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED
    assert WebhookDelivery.objects.filter(state=DeliveryState.PENDING).count() == 0


def test_a_host_that_rebinds_to_loopback_after_its_check_is_not_reached(
    receiver, settings, monkeypatch
):
    """DNS rebinding: the first answer (the check's) is public, the next ones (what the
    connection would use) are the receiver on loopback."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    real = socket.getaddrinfo
    asked = []

    def rebinding(host, port, *args, **kwargs):
        if host != "rebind.example":
            return real(host, port, *args, **kwargs)
        asked.append(host)
        address = "93.184.216.34" if len(asked) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    port = receiver.url.split(":")[2].split("/")[0]
    settings.WEBHOOK_ALLOWED_PORTS = [int(port)]  # the receiver's: only the address is wrong
    delivery = delivery_to(receiver)
    delivery.endpoint.url = f"http://rebind.example:{port}/hook"
    delivery.endpoint.save(update_fields=["url"])

    deliver(delivery)

    assert receiver.received == []
    assert len(asked) >= 2  # checked, then resolved again to connect
    assert "127.0.0.1" in WebhookAttempt.objects.get(delivery=delivery).error
    assert delivery.state == DeliveryState.FAILED
