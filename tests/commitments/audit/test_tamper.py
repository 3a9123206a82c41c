"""Tampering with the audit history: each attempt is refused, or detected by a kept checkpoint.

Where the attacker is the database owner (who can switch the triggers off), the chain alone
cannot tell a cut or consistently re-hashed history from an honest one: whoever kept a
signed checkpoint can.
"""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction

from commitments import audit, services
from commitments.exceptions import AuditedWriteForbidden
from commitments.models import AuditEvent, unaudited_bulk_create
from commitments.services import participant_save
from tests.commitments.conftest import raw
from tests.factories import ParticipantFactory, UserFactory
from tests.helpers import bearer

pytestmark = pytest.mark.django_db

LARGEST_SEQUENCE = 2**63 - 1


def history(n: int) -> None:
    """n reference events: none of them touches a commitment, so the status replay of
    verify_audit has nothing to compare, and only the chain (and a checkpoint) speak."""
    for _ in range(n):
        participant_save(participant=ParticipantFactory.build(), actor=None)


def kept_checkpoint(tmp_path) -> str:
    """A reader fetches the latest checkpoint and keeps the body exactly as served."""
    services.audit_checkpoint_create()
    response = bearer(UserFactory(roles=["api_client"])).get("/api/v1/audit/checkpoints/latest/")
    assert response.status_code == 200
    path = tmp_path / "checkpoint.json"
    path.write_bytes(response.content)
    return str(path)


def checkpoint_fails(path: str) -> CommandError:
    with pytest.raises(CommandError) as failed:
        call_command("verify_audit", checkpoint=path, stdout=io.StringIO())
    return failed.value


def rehash_from(sequence: int) -> None:
    """Recompute prev_hash and hash of every event from `sequence` on, as a forger would."""
    previous = AuditEvent.objects.get(sequence=sequence - 1).hash if sequence > 1 else audit.GENESIS
    for event in AuditEvent.objects.filter(sequence__gte=sequence).order_by("sequence"):
        new_hash = audit.chain_hash(previous, audit.event_content(event))
        raw(
            "UPDATE commitments_auditevent SET prev_hash = %s, hash = %s WHERE sequence = %s",
            [previous, new_hash, event.sequence],
        )
        previous = new_hash


# Detected by a kept checkpoint ------------------------------------------------------------


def test_deleting_the_newest_events_is_detected_by_a_kept_checkpoint(tmp_path, as_table_owner):
    history(4)
    path = kept_checkpoint(tmp_path)
    raw("DELETE FROM commitments_auditevent WHERE sequence >= 3")

    failed = checkpoint_fails(path)

    assert failed.returncode == 1
    assert "The history was cut: the checkpoint names event #4" in str(failed)
    assert "today's history ends at event #2" in str(failed)


def test_rewriting_an_old_event_and_rehashing_the_rest_is_detected_by_a_kept_checkpoint(
    tmp_path, as_table_owner
):
    history(4)
    path = kept_checkpoint(tmp_path)
    raw("UPDATE commitments_auditevent SET actor_name = 'mallory' WHERE sequence = 2")
    rehash_from(2)

    failed = checkpoint_fails(path)

    assert failed.returncode == 1
    assert "The history was rewritten: the checkpoint names event #4" in str(failed)


def test_a_rewritten_and_rehashed_history_still_passes_the_chain_walk_alone(as_table_owner):
    """Why checkpoints: a consistent forgery by the owner passes the chain walk."""
    history(4)
    raw("UPDATE commitments_auditevent SET actor_name = 'mallory' WHERE sequence = 2")
    rehash_from(2)

    walk = audit.chain_walk(through=4)

    assert (walk.broken_sequence, walk.sequence) == (None, 4)


# Refused ----------------------------------------------------------------------------------


@pytest.mark.postgres
def test_the_database_refuses_to_truncate_the_audit_table():
    history(2)
    raw("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE waits for no deferred checks

    with pytest.raises(DatabaseError, match="append-only: TRUNCATE"), transaction.atomic():
        raw("TRUNCATE commitments_auditevent CASCADE")

    assert AuditEvent.objects.count() == 2


def test_a_forged_bulk_create_of_audit_events_is_refused():
    history(1)
    head = AuditEvent.objects.get()
    forged = AuditEvent(
        sequence=2,
        occurred_at=head.occurred_at,
        actor_name="mallory",
        action=audit.REFERENCE_DELETED,
        object_type="commitments.participant",
        object_id="1",
        prev_hash=head.hash,
        hash="f" * 64,
    )

    with pytest.raises(AuditedWriteForbidden):
        AuditEvent.objects.bulk_create([forged])

    assert AuditEvent.objects.count() == 1


def forged_insert(sequence: int, prev_hash: str) -> None:
    raw(
        "INSERT INTO commitments_auditevent (sequence, occurred_at, actor_name, action, "
        "object_type, object_id, before, after, reason, request_id, prev_hash, hash) "
        "VALUES (%s, now(), 'mallory', 'reference.deleted', 'x', '1', '{}', '{}', '', '', %s, %s)",
        [sequence, prev_hash, "e" * 64],
    )


@pytest.mark.postgres
def test_the_database_refuses_an_event_numbered_past_the_next_sequence():
    history(1)
    head = AuditEvent.objects.get()

    refused = "event #9223372036854775807 refused, the next is #2"

    with pytest.raises(DatabaseError, match=refused), transaction.atomic():
        forged_insert(LARGEST_SEQUENCE, head.hash)

    assert AuditEvent.objects.count() == 1


@pytest.mark.postgres
def test_audited_writes_still_work_after_a_forged_largest_sequence_was_refused():
    history(1)
    head = AuditEvent.objects.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        forged_insert(LARGEST_SEQUENCE, head.hash)

    participant_save(participant=ParticipantFactory.build(), actor=None)

    assert list(AuditEvent.objects.values_list("sequence", flat=True)) == [1, 2]
    assert audit.verify().ok


@pytest.mark.postgres
def test_the_database_refuses_an_event_that_does_not_follow_the_heads_hash():
    history(1)

    with pytest.raises(DatabaseError, match="event #2 must follow hash"), transaction.atomic():
        forged_insert(2, "0" * 64)

    assert AuditEvent.objects.count() == 1


@pytest.mark.postgres
def test_the_bulk_escape_hatch_still_meets_the_chain_trigger():
    history(1)
    head = AuditEvent.objects.get()
    out_of_line = AuditEvent(
        sequence=3,
        occurred_at=head.occurred_at,
        action=audit.REFERENCE_CHANGED,
        object_type="x",
        object_id="1",
        prev_hash=head.hash,
        hash="d" * 64,
    )

    with pytest.raises(DatabaseError, match="the next is #2"), transaction.atomic():
        unaudited_bulk_create(AuditEvent, [out_of_line])

    assert AuditEvent.objects.count() == 1
