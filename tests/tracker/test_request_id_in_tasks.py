"""The request id travels into the Celery tasks a request queues: in the message's headers,
then set around the task's run in the worker, so the task's log lines and the audit events it
records name the request that caused them."""

import json
import uuid

import pytest
from celery.app.task import Context
from django.utils import timezone

from commitments.models import AuditEvent
from commitments.services import webhook_endpoint_disable
from commitments.tasks import purge_idempotency_records
from tests.commitments.conftest import (  # noqa: F401  (fixtures: a real worker)
    live_settings,
    private_targets_allowed,
    workers,
)
from tests.factories import WebhookEndpointFactory
from tests.helpers import wait_until
from tracker.celery import (
    REQUEST_ID_HEADER,
    drop_request_id,
    send_request_id,
    take_request_id,
)
from tracker.middleware import request_id


class FakeTask:
    """What task_prerun is given: the task, with the message's headers in its request."""

    def __init__(self, headers: dict) -> None:
        self.request = Context(headers)


def published_headers(value: str) -> dict:
    """The headers a task gets when queued while serving the request `value`."""
    token = request_id.set(value)
    try:
        headers: dict = {}
        send_request_id(headers=headers)
    finally:
        request_id.reset(token)
    return headers


def test_a_task_queued_during_a_request_carries_its_id_in_the_headers():
    assert published_headers("req-1") == {REQUEST_ID_HEADER: "req-1"}


def test_a_task_queued_outside_a_request_carries_none():
    headers: dict = {}
    send_request_id(headers=headers)

    assert headers == {}


def test_the_worker_sets_the_id_for_the_tasks_run_and_clears_it_after():
    task = FakeTask(published_headers("req-2"))

    take_request_id(task_id="t-2", task=task)
    during = request_id.get()
    drop_request_id(task_id="t-2", task=task)

    assert during == "req-2"
    assert request_id.get() == ""


def test_a_malformed_id_in_the_headers_is_ignored():
    take_request_id(task_id="t-3", task=FakeTask({REQUEST_ID_HEADER: "two\nlines"}))

    assert request_id.get() == ""
    drop_request_id(task_id="t-3")


def test_an_eager_task_keeps_the_id_of_the_request_it_runs_in():
    """No message is published: the task runs inside the request, whose id stands."""
    token = request_id.set("req-eager")
    try:
        take_request_id(task_id="t-4", task=FakeTask({}))
        assert request_id.get() == "req-eager"
        drop_request_id(task_id="t-4")
        assert request_id.get() == "req-eager"
    finally:
        request_id.reset(token)


def test_an_audit_event_recorded_by_a_task_names_the_request_that_queued_it(db):
    endpoint = WebhookEndpointFactory()
    task = FakeTask(published_headers("req-approve-7"))

    take_request_id(task_id="t-5", task=task)
    try:
        webhook_endpoint_disable(endpoint=endpoint, now=timezone.now())
    finally:
        drop_request_id(task_id="t-5")

    event = AuditEvent.objects.get(action="webhook.disabled")
    assert event.request_id == "req-approve-7"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_workers_log_lines_for_the_task_carry_the_request_id(request):
    started = request.getfixturevalue("workers")  # tests/commitments/conftest.py's
    started.start(concurrency=1, DJANGO_LOG_FORMAT="json")
    value = f"req-{uuid.uuid4().hex[:12]}"

    token = request_id.set(value)
    try:
        purge_idempotency_records.delay()
    finally:
        request_id.reset(token)

    def succeeded():
        for line in started.logs().splitlines():
            if line.startswith("{") and "purge_idempotency_records" in line:
                parsed = json.loads(line)
                if "succeeded" in parsed["message"]:
                    return parsed
        return None

    line = wait_until(succeeded, timeout=20, message="the task's 'succeeded' line")
    assert line["request_id"] == value
    assert line["task_name"] == "commitments.tasks.purge_idempotency_records"
    assert line["task_id"]
