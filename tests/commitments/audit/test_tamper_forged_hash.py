"""A forged event that continues the chain in form but carries a made-up hash.

The INSERT trigger (migration 0006) checks an event's place only: the next sequence number
after the head, and a prev_hash equal to the head's hash. It does not recompute the hash,
which would mean hashing canonical JSON inside PostgreSQL exactly as Python's orjson writes
it. So such a row is accepted, and verify_audit, which recomputes every hash, finds it.
"""

import pytest

from commitments import audit
from commitments.models import AuditEvent, unaudited_bulk_create
from tests.commitments.audit.test_tamper import history

pytestmark = pytest.mark.django_db


def forged_successor(head: AuditEvent) -> AuditEvent:
    """The next event in number and prev_hash, with a hash that is not its content's."""
    return AuditEvent(
        sequence=head.sequence + 1,
        occurred_at=head.occurred_at,
        actor_name="mallory",
        action=audit.REFERENCE_DELETED,
        object_type="commitments.participant",
        object_id="1",
        prev_hash=head.hash,
        hash="c" * 64,
    )


@pytest.mark.postgres
def test_the_chain_trigger_accepts_a_well_placed_event_with_a_made_up_hash():
    history(2)

    unaudited_bulk_create(AuditEvent, [forged_successor(AuditEvent.objects.get(sequence=2))])

    assert AuditEvent.objects.filter(sequence=3, hash="c" * 64).exists()


def test_verify_reports_a_well_placed_event_with_a_made_up_hash_as_altered():
    history(2)
    unaudited_bulk_create(AuditEvent, [forged_successor(AuditEvent.objects.get(sequence=2))])

    report = audit.verify()

    assert report.broken_sequence == 3
    assert report.broken_reason == "event #3 was altered: its content no longer matches its hash"
