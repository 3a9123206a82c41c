"""audit.record_many(): a batch of events appended to the chain as record() would append
them one by one, and models.bulk_insert_rows() beneath it."""

import datetime

import pytest

from commitments import audit
from commitments.models import AuditEvent, Source, bulk_insert_rows
from tests.factories import CommitmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def entries(commitment, n):
    return [
        {
            "action": audit.UPDATE_SUBMITTED,
            "object_type": "commitments.statusupdate",
            "object_id": 1000 + i,
            "commitment_id": commitment.pk,
            "effective_date": datetime.date(2024, 5, i + 1),
            "after": {"state": "submitted", "n": i},
        }
        for i in range(n)
    ]


def test_a_batch_continues_the_chain_and_verifies():
    actor = UserFactory()
    first = audit.record(action=audit.REFERENCE_CREATED, actor=actor, object_type="x", object_id=1)

    recorded = audit.record_many(actor=actor, entries=entries(CommitmentFactory(), 3))

    assert [r.sequence for r in recorded] == [
        first.sequence + 1,
        first.sequence + 2,
        first.sequence + 3,
    ]
    events = list(AuditEvent.objects.filter(sequence__gt=first.sequence))
    assert [e.pk for e in events] == [r.id for r in recorded]
    assert events[0].prev_hash == first.hash
    assert [e.hash for e in events] == [r.hash for r in recorded]
    assert (events[1].actor_id, events[1].object_id, events[1].after) == (
        actor.pk,
        "1001",
        {"state": "submitted", "n": 1},
    )
    assert audit.verify().broken_sequence is None


def test_each_event_hashes_as_the_stored_row_rehashes():
    recorded = audit.record_many(actor=None, entries=entries(CommitmentFactory(), 2))

    for row, event in zip(recorded, AuditEvent.objects.order_by("sequence"), strict=True):
        assert audit.chain_hash(event.prev_hash, audit.event_content(event)) == row.hash
        assert event.actor_name == "system"


def test_a_record_after_a_batch_follows_it():
    recorded = audit.record_many(actor=None, entries=entries(CommitmentFactory(), 2))

    event = audit.record(action=audit.REFERENCE_CREATED, actor=None, object_type="x", object_id=1)

    assert (event.sequence, event.prev_hash) == (recorded[-1].sequence + 1, recorded[-1].hash)


def test_an_empty_batch_records_nothing():
    assert audit.record_many(actor=None, entries=[]) == []
    assert not AuditEvent.objects.exists()


def test_bulk_insert_rows_returns_the_ids_in_order_and_fills_the_defaults():
    ids = bulk_insert_rows(Source, [{"url": f"https://example.org/{n}"} for n in range(3)])

    sources = list(Source.objects.filter(pk__in=ids).order_by("pk"))
    assert [s.pk for s in sources] == ids
    assert [s.url for s in sources] == [f"https://example.org/{n}" for n in range(3)]
    assert all(s.title == "" and s.published_on is None and s.created_at for s in sources)
