"""Celery settings for at-least-once delivery, and a worker that starts on the embedded
defaults (no Redis: tasks in process)."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from tests.helpers import wait_until
from tracker.celery import app

ROOT = Path(__file__).resolve().parents[2]


def test_tasks_are_acknowledged_late_one_at_a_time_in_json():
    conf = app.conf

    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert (conf.task_serializer, conf.accept_content) == ("json", ["json"])


def test_every_task_ends_before_the_broker_hands_its_message_out_again():
    visibility = app.conf.broker_transport_options["visibility_timeout"]

    assert app.conf.task_soft_time_limit < app.conf.task_time_limit < visibility
    assert visibility > settings.NOTIFY_SWEEP_SECONDS


def test_beat_sweeps_owed_notifications_sends_digests_and_reminders_signs_and_verifies():
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}

    assert tasks == {
        "commitments.tasks.requeue_owed",
        "commitments.tasks.send_daily_digests",
        "commitments.tasks.remind_reviewers",
        "commitments.tasks.sign_audit_checkpoint",
        "commitments.tasks.verify_audit_chain",
        "commitments.tasks.purge_idempotency_records",
    }


def test_a_worker_starts_on_the_embedded_defaults(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CELERY_", "DJANGO_", "REDIS_", "DATABASE_"))
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    log = tmp_path / "worker.log"
    command = [str(Path(sys.executable).with_name("celery")), "-A", "tracker", "worker"]
    command += ["--pool=solo", "--without-gossip", "--without-mingle", "--loglevel=INFO"]
    with log.open("wb") as out:
        worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
        try:
            wait_until(
                lambda: b" ready." in log.read_bytes() or worker.poll() is not None,
                timeout=30,
                interval=0.1,
                message="the worker to be ready or to exit",
            )
            output = log.read_text()
            assert " ready." in output, output
            assert "memory://" in output
        finally:
            worker.terminate()
            worker.wait(timeout=20)
