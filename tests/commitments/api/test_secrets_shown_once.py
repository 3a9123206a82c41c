"""Responses that carry a webhook secret are never kept: not by caches (no-store), not by the
Idempotency-Key store (a repeat is refused), and keys are forgotten after their window."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import IdempotencyRecord
from commitments.models import WebhookEndpoint
from commitments.tasks import purge_idempotency_records
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("loopback_allowed")]

URL = "/api/v1/webhooks/"
HOOK = {"url": "http://127.0.0.1:9/hook"}


@pytest.fixture
def loopback_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True


def test_creating_a_webhook_with_an_idempotency_key_stores_no_secret(as_analyst):
    response = as_analyst.post(URL, HOOK, format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert response.status_code == 201
    record = IdempotencyRecord.objects.get()
    assert record.response is None
    assert response.json()["secret"] not in str(record.__dict__)


def test_repeating_a_webhook_creation_answers_409_secret_shown_once_and_creates_nothing(
    as_analyst,
):
    as_analyst.post(URL, HOOK, format="json", HTTP_IDEMPOTENCY_KEY="k")

    repeat = as_analyst.post(URL, HOOK, format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert repeat.status_code == 409
    assert repeat.json()["code"] == "secret_shown_once"
    assert "shown only once" in repeat.json()["detail"]
    assert "secret" not in repeat.json()
    assert WebhookEndpoint.objects.count() == 1


def test_repeating_a_secret_rotation_answers_409_and_keeps_the_rotated_secret(as_analyst):
    created = as_analyst.post(URL, HOOK, format="json").json()
    path = f"{URL}{created['id']}/rotate-secret/"
    rotated = as_analyst.post(path, {}, format="json", HTTP_IDEMPOTENCY_KEY="r")

    repeat = as_analyst.post(path, {}, format="json", HTTP_IDEMPOTENCY_KEY="r")

    assert (rotated.status_code, repeat.status_code) == (200, 409)
    assert repeat.json()["code"] == "secret_shown_once"
    assert WebhookEndpoint.objects.get().secret == rotated.json()["secret"]
    assert IdempotencyRecord.objects.get().response is None


def test_a_response_carrying_a_new_webhook_secret_says_no_store(as_analyst):
    response = as_analyst.post(URL, HOOK, format="json")

    assert response.status_code == 201
    assert "no-store" in response.headers["Cache-Control"]


def test_a_response_carrying_a_rotated_secret_says_no_store(as_analyst):
    created = as_analyst.post(URL, HOOK, format="json").json()

    response = as_analyst.post(f"{URL}{created['id']}/rotate-secret/", {}, format="json")

    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]


def test_the_beat_purges_idempotency_records_older_than_their_window(settings):
    settings.IDEMPOTENCY_KEY_HOURS = 24
    user = UserFactory()
    for key in ("old", "new"):
        IdempotencyRecord.objects.create(user=user, key=key, fingerprint="f", status_code=201)
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - datetime.timedelta(hours=25)
    )

    purge_idempotency_records.delay()

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


def test_the_purge_runs_on_the_beat_schedule(settings):
    from celery.beat import Scheduler

    from tracker.celery import app

    settings.IDEMPOTENCY_KEY_HOURS = 24
    user = UserFactory()
    for key in ("old", "new"):
        IdempotencyRecord.objects.create(user=user, key=key, fingerprint="f", status_code=201)
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - datetime.timedelta(hours=25)
    )
    beat = Scheduler(app, lazy=True)  # the worker's beat, without its schedule file
    beat.merge_inplace(app.conf.beat_schedule)
    [entry] = [e for e in beat.schedule.values() if "purge" in e.name]

    beat.apply_async(entry, advance=False)  # what beat does when the entry is due

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    assert entry.schedule.run_every == datetime.timedelta(hours=1)


def test_a_key_older_than_its_window_counts_as_new(as_analyst, settings):
    settings.IDEMPOTENCY_KEY_HOURS = 24
    as_analyst.post(URL, HOOK, format="json", HTTP_IDEMPOTENCY_KEY="k")
    IdempotencyRecord.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))

    again = as_analyst.post(URL, HOOK, format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert again.status_code == 201
    assert WebhookEndpoint.objects.count() == 2
