import io

import pytest
from django.core.management import CommandError, call_command

from commitments import audit, demo
from commitments.choices import CommitmentStatus
from commitments.models import AuditEvent, Commitment, Participant

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_loads_the_paris_scenario_as_sample_data():
    output = seed()

    assert Participant.objects.count() >= 25
    assert set(Participant.objects.values_list("is_sample", flat=True)) == {True}
    for code in ("UA", "FR", "GB", "US", "CA", "DE", "IT", "PL", "NL", "EU", "NATO", "EE"):
        assert Participant.objects.filter(code=code).exists(), code
    statuses = set(Commitment.objects.values_list("status", flat=True))
    assert statuses == set(CommitmentStatus.values)
    assert "admin / admin-demo-pass" in output


def test_the_demo_history_verifies():
    seed()

    report = audit.verify()

    assert report.ok
    assert report.checked == AuditEvent.objects.count() > Commitment.objects.count()


def test_running_seed_demo_twice_changes_nothing():
    seed()
    counts = (Commitment.objects.count(), AuditEvent.objects.count())

    output = seed()

    assert "already loaded; nothing changed" in output
    assert (Commitment.objects.count(), AuditEvent.objects.count()) == counts


def test_seed_demo_refuses_a_half_filled_database_and_writes_nothing():
    Participant.objects.create(code="FR", name="France", kind="country")
    events = AuditEvent.objects.count()

    with pytest.raises(CommandError, match=r"part of the demo scenario.*participants 1 of"):
        seed()

    assert Participant.objects.count() == 1
    assert AuditEvent.objects.count() == events
    assert demo.demo_status().startswith("partial")
