"""/metrics: Prometheus text for the addresses METRICS_ALLOWED_IPS lists (404 for others),
requests counted by view name rather than path, the outbox, review, verification and
checkpoint gauges read at scrape time, and several processes added up through
PROMETHEUS_MULTIPROC_DIR."""

import datetime
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from commitments.choices import DeliveryState, NotificationChannel, UpdateState
from commitments.models import AuditCheckpoint, AuditVerification
from tests.factories import NotificationFactory, StatusUpdateFactory, WebhookDeliveryFactory
from tracker import gunicorn_conf, metrics

ROOT = Path(__file__).resolve().parents[2]


def scrape(client, **extra) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain; version=")
    return parse(response.content.decode())


def parse(text: str) -> dict[tuple[str, tuple], float]:
    """Every sample by (name, sorted labels)."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def requests_of(samples, view: str, status: str = "200", method: str = "GET") -> float:
    labels = (("method", method), ("status", status), ("view", view))
    return samples.get(("http_requests_total", labels), 0.0)


def test_an_address_not_listed_gets_the_404_of_an_unknown_path(db, client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 404
    assert b"http_requests_total" not in response.content


def test_a_listed_network_lets_its_addresses_in(db, client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]

    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


def test_behind_a_proxy_the_forwarded_client_address_is_the_one_checked(db, client, settings):
    """The proxy connects from 127.0.0.1: the client it forwards must not inherit that."""
    settings.NUM_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert response.status_code == 404


def test_a_request_is_counted_by_method_view_name_and_status(db, client):
    before = requests_of(scrape(client), "healthz")

    client.get("/healthz")
    client.get("/healthz")
    samples = scrape(client)

    assert requests_of(samples, "healthz") == before + 2
    latency = (("method", "GET"), ("view", "healthz"))
    assert samples[("http_request_duration_seconds_count", latency)] >= 2


def test_unknown_paths_are_one_series_not_one_per_path(db, client):
    before = requests_of(scrape(client), "unresolved", status="404")

    client.get("/no-such-page-4711/")
    response = client.get("/metrics")

    assert requests_of(parse(response.content.decode()), "unresolved", "404") == before + 1
    # The path, not the number: a counter's value may well read 4711.
    assert b"no-such-page" not in response.content


def test_an_odd_method_is_counted_as_other(db, client):
    client.generic("BREW", "/healthz")

    assert requests_of(scrape(client), "healthz", status="405", method="other") >= 1


def test_the_domain_gauges_count_the_outbox_the_review_queue_and_the_audit_ages(db, client):
    StatusUpdateFactory.create_batch(2)
    StatusUpdateFactory(state=UpdateState.DRAFT)
    NotificationFactory.create_batch(
        2, channel=NotificationChannel.EMAIL, state=DeliveryState.PENDING
    )
    NotificationFactory(channel=NotificationChannel.EMAIL, state=DeliveryState.FAILED)
    NotificationFactory(channel=NotificationChannel.DIGEST, state=DeliveryState.PENDING)
    NotificationFactory(channel=NotificationChannel.IN_APP, state=DeliveryState.PENDING)
    WebhookDeliveryFactory()
    WebhookDeliveryFactory.create_batch(2, state=DeliveryState.FAILED)
    WebhookDeliveryFactory(state=DeliveryState.DELIVERED)
    AuditCheckpoint.objects.create(
        sequence=1,
        hash="0" * 64,
        signed_at=timezone.now() - datetime.timedelta(seconds=90),
        key_id="k",
        signature="s",
    )
    now = timezone.now()
    AuditVerification.objects.create(
        started_at=now - datetime.timedelta(seconds=62),
        finished_at=now - datetime.timedelta(seconds=60),
        events_checked=1,
        seconds=2.0,
        ok=True,
        trigger="schedule",
    )

    samples = scrape(client)

    def gauge(name, **labels):
        return samples[(name, tuple(sorted(labels.items())))]

    assert gauge("tracker_outbox_pending", queue="email") == 2
    assert gauge("tracker_outbox_pending", queue="digest") == 1
    assert gauge("tracker_outbox_pending", queue="webhook") == 1
    assert gauge("tracker_outbox_failed", queue="email") == 1
    assert gauge("tracker_outbox_failed", queue="digest") == 0
    assert gauge("tracker_outbox_failed", queue="webhook") == 2
    assert gauge("tracker_reviews_pending") == 2
    assert 60 <= gauge("tracker_audit_verification_age_seconds") < 90
    assert gauge("tracker_audit_verification_ok") == 1
    assert 90 <= gauge("tracker_audit_checkpoint_age_seconds") < 120


def test_the_newest_verification_is_the_one_the_gauges_show(db, client):
    now = timezone.now()
    for minutes_ago, ok in ((120, True), (5, False)):
        AuditVerification.objects.create(
            started_at=now - datetime.timedelta(minutes=minutes_ago, seconds=1),
            finished_at=now - datetime.timedelta(minutes=minutes_ago),
            events_checked=3,
            seconds=1.0,
            ok=ok,
            problem="" if ok else "The chain is broken at event #2.",
            trigger="schedule",
        )

    samples = scrape(client)

    assert samples[("tracker_audit_verification_ok", ())] == 0
    assert 300 <= samples[("tracker_audit_verification_age_seconds", ())] < 330


def test_without_any_verification_or_checkpoint_the_ages_are_left_out_not_made_up(db, client):
    samples = scrape(client)

    names = {name for name, _ in samples}
    assert not names & {
        "tracker_audit_verification_age_seconds",
        "tracker_audit_verification_ok",
        "tracker_audit_checkpoint_age_seconds",
    }
    assert samples[("tracker_reviews_pending", ())] == 0


def test_a_reading_that_fails_is_left_out_and_the_rest_still_answers(db, client, monkeypatch):
    def broken():
        raise RuntimeError("database gone")

    monkeypatch.setattr(metrics, "_readings", [broken, *metrics._readings])

    samples = scrape(client)

    assert ("tracker_reviews_pending", ()) in samples


def test_the_scrape_reads_the_gauges_in_a_few_queries(db, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        scrape(client)


SCRIPT = """
import sys
import django
django.setup()
from django.test import Client
client = Client()
for _ in range(int(sys.argv[1])):
    assert client.get("/healthz", HTTP_HOST="localhost").status_code == 200
if sys.argv[2] == "scrape":
    sys.stdout.write(client.get("/metrics", HTTP_HOST="localhost").content.decode())
"""


def test_several_processes_are_added_up_in_multiprocess_mode(tmp_path):
    directory = tmp_path / "metrics"
    directory.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PROMETHEUS"))}
    env.update(
        PROMETHEUS_MULTIPROC_DIR=str(directory),
        DJANGO_SETTINGS_MODULE="tracker.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}",  # the gauges fail: left out
        REDIS_URL="",
        DJANGO_LOG_LEVEL="ERROR",
    )

    def run(count: int, then: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(count), then],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    run(2, "exit")
    samples = parse(run(3, "scrape"))

    assert requests_of(samples, "healthz") == 5
    assert len(list(directory.glob("counter_*.db"))) == 2


def test_gunicorn_drops_a_dead_workers_live_files_and_a_new_run_starts_empty(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    worker = mock.Mock(pid=4242)
    with mock.patch.object(gunicorn_conf.multiprocess, "mark_process_dead") as dead:
        gunicorn_conf.child_exit(None, worker)
    dead.assert_called_once_with(4242)

    (tmp_path / "counter_4242.db").write_bytes(b"x")
    (tmp_path / "keep.txt").write_text("not ours")
    gunicorn_conf.on_starting(None)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]
