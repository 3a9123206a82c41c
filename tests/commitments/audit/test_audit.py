"""The audit history: hash-chained, append-only, and checked by verify_audit."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from commitments import audit
from commitments.choices import CommitmentStatus
from commitments.exceptions import AuditedWriteForbidden
from commitments.models import AuditEvent, Commitment
from commitments.services import commitment_create, participant_save, update_approve
from tests.audit_table import triggers_off
from tests.factories import GuaranteeFactory, ParticipantFactory, StatusUpdateFactory

pytestmark = pytest.mark.django_db


def history(n=3):
    """n commitments created through the service, one of them approved to in_parliament."""
    guarantee = GuaranteeFactory()
    commitments = [
        commitment_create(participant=ParticipantFactory(), guarantee=guarantee, actor=None)
        for _ in range(n)
    ]
    return commitments


def verify() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out, stderr=out)
    return out.getvalue()


def verify_fails() -> str:
    err = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("verify_audit", stdout=io.StringIO(), stderr=err)
    return f"{failed.value} {err.getvalue()}"


def raw(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_each_event_hashes_the_previous_ones_hash():
    history(2)

    first, second = AuditEvent.objects.order_by("sequence")

    assert first.prev_hash == audit.GENESIS
    assert second.prev_hash == first.hash
    assert second.hash == audit.chain_hash(first.hash, audit.event_content(second))


def test_verify_audit_passes_on_an_intact_history_and_reports_its_work(reviewer):
    history(3)
    update = StatusUpdateFactory(
        commitment=Commitment.objects.first(), proposed_status=CommitmentStatus.SIGNED
    )
    update_approve(update=update, reviewer=reviewer)

    output = verify()

    assert "Audit chain intact. 4 events checked in" in output
    assert "/s)" in output


def test_an_audit_event_refuses_to_be_saved_again_or_deleted():
    history(1)
    event = AuditEvent.objects.get()
    event.reason = "rewritten"

    with pytest.raises(AuditedWriteForbidden):
        event.save()
    with pytest.raises(AuditedWriteForbidden):
        event.delete()
    with pytest.raises(AuditedWriteForbidden):
        AuditEvent.objects.update(reason="rewritten")
    with pytest.raises(AuditedWriteForbidden):
        AuditEvent.objects.all().delete()

    assert AuditEvent.objects.get().reason == ""


def test_an_actors_name_survives_the_actors_deletion(admin_user):
    participant_save(participant=ParticipantFactory.build(), actor=admin_user)
    username = admin_user.username

    admin_user.delete()

    event = AuditEvent.objects.get()
    assert event.actor_name == username
    assert "intact" in verify()


def test_a_status_change_behind_the_services_back_is_reported():
    commitment = history(1)[0]
    raw("UPDATE commitments_commitment SET status = 'in_force' WHERE id = %s", [commitment.pk])

    output = verify_fails()

    assert f"Commitment {commitment.pk}: live status is 'in_force'" in output
    assert "its events say 'pledged'" in output


def test_a_commitment_with_no_events_is_reported():
    commitment = Commitment.objects.create(
        participant=ParticipantFactory(), guarantee=GuaranteeFactory()
    )

    output = verify_fails()

    assert f"Commitment {commitment.pk}: live events" in output


# On PostgreSQL: the trigger, and tampering with the trigger disabled ----------------------


@pytest.mark.postgres
def test_the_database_rejects_an_update_of_an_audit_row():
    history(1)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw("UPDATE commitments_auditevent SET reason = 'edited'")

    assert AuditEvent.objects.get().reason == ""


@pytest.mark.postgres
def test_the_database_rejects_a_delete_of_an_audit_row():
    history(1)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw("DELETE FROM commitments_auditevent")

    assert AuditEvent.objects.count() == 1


@pytest.fixture
def trigger_disabled():
    # The test's transaction is rolled back anyway; switching it on again keeps the table
    # right if it is not.
    with triggers_off("audit_event_append_only"):
        yield


@pytest.mark.postgres
def test_an_edited_event_is_named_by_verify_audit(trigger_disabled):
    history(5)
    raw("UPDATE commitments_auditevent SET actor_name = 'mallory' WHERE sequence = 3")

    output = verify_fails()

    assert "broken at event #3" in output
    assert "altered" in output


@pytest.mark.postgres
def test_an_edited_json_payload_is_named_by_verify_audit(trigger_disabled):
    history(5)
    raw(
        "UPDATE commitments_auditevent SET after = jsonb_set(after, '{status}', '\"in_force\"') "
        "WHERE sequence = 4"
    )

    assert "broken at event #4" in verify_fails()


@pytest.mark.postgres
def test_a_deleted_event_is_named_by_verify_audit(trigger_disabled):
    history(5)
    raw("DELETE FROM commitments_auditevent WHERE sequence = 2")

    output = verify_fails()

    assert "broken at event #2" in output
    assert "missing" in output


@pytest.mark.postgres
def test_a_deleted_last_event_is_caught_by_the_replay(trigger_disabled):
    commitments = history(3)
    raw("DELETE FROM commitments_auditevent WHERE sequence = 3")

    output = verify_fails()

    assert f"Commitment {commitments[2].pk}: live events" in output


@pytest.mark.postgres
def test_reordered_events_are_named_by_verify_audit(trigger_disabled):
    history(5)
    # Swap the sequence numbers of events 2 and 3 (through a free number: they are unique).
    raw("UPDATE commitments_auditevent SET sequence = -1 WHERE sequence = 2")
    raw("UPDATE commitments_auditevent SET sequence = 2 WHERE sequence = 3")
    raw("UPDATE commitments_auditevent SET sequence = 3 WHERE sequence = -1")

    output = verify_fails()

    assert "broken at event #2" in output


def test_an_event_keeps_the_request_id_of_the_request_that_caused_it(client, admin_user):
    client.force_login(admin_user)

    client.post(
        "/admin/commitments/participant/add/",
        {
            "code": "FR",
            "name": "France",
            "kind": "country",
            "approval_body": "Parlement",
            "commitments-TOTAL_FORMS": "0",
            "commitments-INITIAL_FORMS": "0",
        },
        headers={"X-Request-ID": "req-42"},
    )

    event = AuditEvent.objects.get(action=audit.REFERENCE_CREATED)
    assert event.request_id == "req-42"
    assert event.actor_name == admin_user.username
