"""The hourly verification: beat names the task with AUDIT_VERIFY_SECONDS, the task records a
verification, and /metrics shows its age and result."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from commitments.models import AuditEvent, AuditVerification, unaudited_bulk_create
from commitments.tasks import verify_audit_chain
from tests.commitments.audit.test_tamper import history
from tests.commitments.audit.test_tamper_forged_hash import forged_successor
from tests.tracker.test_metrics import scrape
from tracker.celery import app

ROOT = Path(__file__).resolve().parents[3]

SCHEDULE_OF = """
import django
django.setup()
from tracker.celery import app
entry = app.conf.beat_schedule["verify-audit-chain"]
print(entry["task"], entry["schedule"])
"""


def test_beat_runs_the_verification_every_audit_verify_seconds():
    entry = app.conf.beat_schedule["verify-audit-chain"]

    assert entry["task"] == "commitments.tasks.verify_audit_chain"
    assert entry["schedule"] == settings.AUDIT_VERIFY_SECONDS
    assert entry["task"] in app.tasks


def test_the_interval_comes_from_the_environment_and_defaults_to_an_hour(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AUDIT_VERIFY"))}
    env.update(DJANGO_SETTINGS_MODULE="tracker.settings", REDIS_URL="")

    def schedule(**extra) -> str:
        done = subprocess.run(
            [sys.executable, "-c", SCHEDULE_OF],
            cwd=ROOT,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.split()[-1]

    assert float(schedule()) == 3600
    assert float(schedule(AUDIT_VERIFY_SECONDS="900")) == 900


@pytest.mark.django_db
def test_the_task_records_a_verification_by_the_schedule():
    history(2)

    verify_audit_chain.delay()

    [verification] = AuditVerification.objects.all()
    assert (verification.trigger, verification.ok) == ("schedule", True)
    assert verification.events_checked == AuditEvent.objects.count()


@pytest.mark.django_db
def test_after_the_task_the_gauges_show_a_fresh_intact_verification(client):
    history(1)

    verify_audit_chain.delay()
    samples = scrape(client)

    assert 0 <= samples[("tracker_audit_verification_age_seconds", ())] < 30
    assert samples[("tracker_audit_verification_ok", ())] == 1


@pytest.mark.django_db
def test_after_the_task_finds_a_broken_chain_the_gauge_says_so(client):
    history(1)
    unaudited_bulk_create(AuditEvent, [forged_successor(AuditEvent.objects.get(sequence=1))])

    verify_audit_chain.delay()

    assert scrape(client)[("tracker_audit_verification_ok", ())] == 0
