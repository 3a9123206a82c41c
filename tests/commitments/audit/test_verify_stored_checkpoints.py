"""Plain verify_audit checks the checkpoints the tracker itself stored: the table's owner,
triggers off, cannot cut or rewrite the history below one unseen, nor re-sign it."""

import io

import pytest
from django.core.management import CommandError, call_command

from commitments.models import AuditCheckpoint
from tests.commitments.audit.test_tamper import history, rehash_from
from tests.commitments.conftest import raw

pytestmark = pytest.mark.django_db


def stored_checkpoint() -> AuditCheckpoint:
    """The tracker signs and keeps a checkpoint of the head, as its schedule does."""
    call_command("audit_checkpoint", stdout=io.StringIO())
    return AuditCheckpoint.objects.get()


def verify_fails() -> str:
    with pytest.raises(CommandError) as failed:
        call_command("verify_audit", stdout=io.StringIO(), stderr=io.StringIO())
    return str(failed.value)


def test_verify_audit_reports_newest_events_deleted_below_a_stored_checkpoint(as_table_owner):
    history(4)
    checkpoint = stored_checkpoint()
    raw("DELETE FROM commitments_auditevent WHERE sequence >= 3")

    message = verify_fails()

    assert f"Checkpoint {checkpoint.pk} (event #4" in message
    assert "the history was cut: today's history ends at event #2" in message


def test_verify_audit_reports_an_old_event_rewritten_and_rehashed_below_a_stored_checkpoint(
    as_table_owner,
):
    history(4)
    checkpoint = stored_checkpoint()
    raw("UPDATE commitments_auditevent SET actor_name = 'mallory' WHERE sequence = 2")
    rehash_from(2)

    message = verify_fails()

    assert f"Checkpoint {checkpoint.pk} (event #4" in message
    assert "the history was rewritten: today event #4 hashes to" in message


def test_verify_audit_reports_a_stored_checkpoint_moved_to_a_rewritten_head(as_table_owner):
    history(4)
    checkpoint = stored_checkpoint()
    raw("UPDATE commitments_auditevent SET actor_name = 'mallory' WHERE sequence = 2")
    rehash_from(2)
    raw(
        "UPDATE commitments_auditcheckpoint SET hash = "
        "(SELECT hash FROM commitments_auditevent WHERE sequence = 4) WHERE id = %s",
        [checkpoint.pk],
    )

    message = verify_fails()

    assert f"Checkpoint {checkpoint.pk} (event #4" in message
    assert "has a signature that is not valid" in message
