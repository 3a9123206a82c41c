"""Delivery against a real Redis and real `celery worker` processes, not eager mode: the
approval commits, the worker signs and POSTs, the rows record it. Every wait is bounded."""

import re
import signal
import threading
import time

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from standardwebhooks import Webhook

from accounts.roles import Role
from commitments.choices import DeliveryState
from commitments.models import WebhookAttempt, WebhookDelivery
from commitments.services import update_approve, webhook_endpoint_create
from tests.factories import StatusUpdateFactory, UserFactory
from tests.helpers import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _role_groups():
    """A transactional test empties every table, the migration's role groups included."""
    for role in Role.values:
        Group.objects.get_or_create(name=role)


def sweeps_done(workers) -> int:
    """How many sweeps for owed notifications the workers have finished, from their logs."""
    return len(re.findall(r"commitments\.tasks\.requeue_owed\[[^]]+\] succeeded", workers.logs()))


def endpoint_for(receiver):
    return webhook_endpoint_create(owner=UserFactory(), url=receiver.url)


def approve():
    update = StatusUpdateFactory()
    reviewer = UserFactory(roles=[Role.REVIEWER])
    started = time.monotonic()
    commitment = update_approve(update=update, reviewer=reviewer)
    return commitment, started


def delivered(delivery_filter=None):
    deliveries = WebhookDelivery.objects.filter(state=DeliveryState.DELIVERED)
    return deliveries.filter(**(delivery_filter or {})).first()


def test_an_approval_reaches_a_local_receiver_within_two_seconds_signed(workers, receiver):
    workers.start()
    _, secret = endpoint_for(receiver)

    commitment, approved_at = approve()

    [request] = receiver.wait_for(1, timeout=5)
    assert request.at - approved_at < 2.0
    payload = Webhook(secret).verify(request.body, request.headers)
    assert payload["type"] == "commitment.status_changed"
    assert payload["data"]["commitment"]["id"] == commitment.pk
    assert payload["data"]["after"] == {"status": commitment.status}
    delivery = wait_until(delivered, timeout=5, message="the delivery to be recorded")
    assert request.headers["webhook-id"] == delivery.webhook_id


def test_three_500s_then_a_200_is_one_delivery_of_four_attempts_under_one_id(workers, receiver):
    workers.start()
    receiver.answers = [500, 500, 500, 200]
    endpoint_for(receiver)

    approve()

    requests = receiver.wait_for(4, timeout=15)
    delivery = wait_until(delivered, timeout=5, message="the delivery to be recorded")
    assert len(requests) == 4
    assert {r.headers["webhook-id"] for r in requests} == {delivery.webhook_id}
    assert WebhookDelivery.objects.count() == 1
    attempts = list(WebhookAttempt.objects.filter(delivery=delivery).order_by("number"))
    assert [a.status_code for a in attempts] == [500, 500, 500, 200]
    assert [a.number for a in attempts] == [1, 2, 3, 4]
    assert all(a.latency_ms is not None for a in attempts)


def test_a_worker_killed_mid_delivery_leaves_it_to_the_next_worker_under_the_same_id(
    workers, receiver
):
    first = workers.start()
    in_flight, release = threading.Event(), threading.Event()

    def hold(handler):
        in_flight.set()
        release.wait(10)
        handler.close_connection = True

    receiver.answers = [hold]
    endpoint_for(receiver)

    approve()
    assert in_flight.wait(5), "the first attempt never arrived"
    workers.kill(first, signal.SIGKILL)
    release.set()
    workers.start()

    delivery = wait_until(delivered, timeout=30, message="the next worker to complete the delivery")
    requests = receiver.received
    assert len(requests) >= 2
    assert {r.headers["webhook-id"] for r in requests} == {delivery.webhook_id}
    assert WebhookDelivery.objects.count() == 1


def test_an_approval_while_redis_is_down_succeeds_and_is_delivered_once_redis_is_back(
    own_redis, receiver
):
    redis, workers = own_redis
    workers.start()
    _, secret = endpoint_for(receiver)
    redis.stop()

    commitment, started = approve()
    took = time.monotonic() - started

    assert took < 5, f"the approval waited {took:.1f} s for the broker"
    commitment.refresh_from_db()
    assert commitment.version == 2
    assert WebhookDelivery.objects.get().state == DeliveryState.PENDING
    wait_until(
        lambda: "beat: Connection error" in workers.logs(),
        # The beat notices at its next tick; on a loaded machine that can take a while.
        timeout=30,
        message="the worker's beat to find Redis down",
    )
    assert receiver.received == []
    redis.start()
    [request, *_] = receiver.wait_for(1, timeout=45)
    Webhook(secret).verify(request.body, request.headers)
    wait_until(delivered, timeout=5, message="the delivery to be recorded")


def test_a_rolled_back_approval_sends_nothing(workers, receiver):
    workers.start()
    endpoint_for(receiver)
    update = StatusUpdateFactory()
    reviewer = UserFactory(roles=[Role.REVIEWER])
    sweeps_before = sweeps_done(workers)

    with (
        pytest.raises(RuntimeError, match=r"^something later in the request failed$"),
        transaction.atomic(),
    ):
        update_approve(update=update, reviewer=reviewer)
        raise RuntimeError("something later in the request failed")

    wait_until(
        lambda: sweeps_done(workers) >= sweeps_before + 3,
        timeout=15,
        message="three sweeps of the test worker after the rollback",
    )
    assert receiver.received == []
    assert not WebhookDelivery.objects.exists()
    approve()  # the worker is alive: a committed approval does arrive
    assert len(receiver.wait_for(1, timeout=5)) == 1
