"""Each verification of the audit chain is recorded; a broken chain is logged and tells every
active admin in their inbox, once while it stays broken the same way."""

import io
import logging

import orjson
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError
from django.utils import timezone

from accounts.roles import Role
from commitments import selectors, services
from commitments.audit import Mismatch, VerifyReport, checkpoints
from commitments.choices import NotificationChannel, NotificationKind
from commitments.models import AuditEvent, AuditVerification, Notification, unaudited_bulk_create
from commitments.services.audit_verifications import (
    PROBLEM_MISMATCHES_NAMED,
    _admins_notify,
    problem_of,
)
from tests.commitments.audit.test_tamper import history
from tests.commitments.audit.test_tamper_forged_hash import forged_successor
from tests.commitments.conftest import raw
from tests.commitments.records import pledge
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ALTERED = (
    "The chain is broken at event #{n}: event #{n} was altered: its content no longer matches "
    "its hash."
)


@pytest.fixture
def people():
    """Two admins (one by role, one superuser), and those who must not be told: a reviewer,
    an analyst, and an admin whose account is switched off."""
    return {
        "admin": UserFactory(username="adm", roles=[Role.ADMIN]),
        "root": UserFactory(username="root", is_superuser=True, is_staff=True),
        "reviewer": UserFactory(username="rev", roles=[Role.REVIEWER]),
        "analyst": UserFactory(username="ana", roles=[Role.ANALYST]),
        "former": UserFactory(username="gone", roles=[Role.ADMIN], is_active=False),
    }


def forge_event() -> int:
    """Append an event that continues the chain in form with a made-up hash (accepted by
    PostgreSQL's trigger, as by SQLite): returns its sequence number."""
    head = AuditEvent.objects.order_by("-sequence").first()
    unaudited_bulk_create(AuditEvent, [forged_successor(head)])
    return head.sequence + 1


def recorded(*, ok: bool, problem: str = "") -> AuditVerification:
    """A verification as an earlier run would have recorded it."""
    now = timezone.now()
    return AuditVerification.objects.create(
        started_at=now,
        finished_at=now,
        events_checked=1,
        seconds=0.1,
        ok=ok,
        problem=problem,
        trigger="schedule",
    )


def told(user) -> list[Notification]:
    return [
        n
        for n in selectors.notification_inbox(user=user)
        if n.kind == NotificationKind.AUDIT_CHAIN_BROKEN
    ]


# An intact chain ---------------------------------------------------------------------------


def test_a_run_on_an_intact_chain_records_it_intact_with_the_events_it_checked(people):
    history(3)

    verification = services.audit_verification_run(trigger="schedule")

    verification.refresh_from_db()
    assert verification.ok
    assert verification.problem == ""
    assert verification.events_checked == AuditEvent.objects.count() >= 3
    assert verification.trigger == "schedule"
    assert verification.started_at <= verification.finished_at
    assert verification.seconds >= 0


def test_an_intact_chain_tells_nobody(people):
    history(2)

    services.audit_verification_run(trigger="schedule")

    assert not Notification.objects.filter(kind=NotificationKind.AUDIT_CHAIN_BROKEN).exists()


def test_an_empty_chain_is_recorded_intact_with_no_events():
    verification = services.audit_verification_run(trigger="command")

    assert (verification.ok, verification.events_checked) == (True, 0)


def test_an_unknown_trigger_is_refused_and_nothing_is_recorded():
    with pytest.raises(ValueError, match="Unknown verification trigger"):
        services.audit_verification_run(trigger="cron")

    assert not AuditVerification.objects.exists()


# A broken chain ----------------------------------------------------------------------------


def test_a_run_on_a_chain_with_a_forged_event_records_it_broken_naming_the_event(people):
    history(2)
    forged = forge_event()

    verification = services.audit_verification_run(trigger="schedule")

    verification.refresh_from_db()
    assert not verification.ok
    assert verification.problem == ALTERED.format(n=forged)
    assert verification.events_checked == forged


@pytest.mark.postgres
def test_a_run_on_a_chain_whose_old_event_was_edited_records_it_broken(people, as_table_owner):
    history(3)
    raw("UPDATE commitments_auditevent SET actor_name = 'mallory' WHERE sequence = 2")

    verification = services.audit_verification_run(trigger="schedule")

    assert not verification.ok
    assert verification.problem == ALTERED.format(n=2)


def test_a_broken_chain_puts_one_notification_in_each_active_admins_inbox(people):
    history(1)
    forge_event()

    verification = services.audit_verification_run(trigger="schedule")

    for name in ("admin", "root"):
        [notification] = told(people[name])
        assert notification.channel == NotificationChannel.IN_APP
        assert notification.read_at is None
        assert notification.data["verification"] == verification.pk
        assert notification.data["problem"] == verification.problem
        assert notification.title.startswith("Audit history verification failed: The chain is")


def test_a_broken_chain_tells_neither_other_roles_nor_switched_off_admins(people):
    history(1)
    forge_event()

    services.audit_verification_run(trigger="schedule")

    recipients = set(
        Notification.objects.filter(kind=NotificationKind.AUDIT_CHAIN_BROKEN).values_list(
            "recipient__username", flat=True
        )
    )
    assert recipients == {"adm", "root"}


def test_a_broken_chain_is_told_in_the_inbox_only_not_by_e_mail(people):
    history(1)
    forge_event()

    services.audit_verification_run(trigger="schedule")

    channels = Notification.objects.filter(kind=NotificationKind.AUDIT_CHAIN_BROKEN)
    assert set(channels.values_list("channel", flat=True)) == {NotificationChannel.IN_APP}


def test_a_broken_chain_is_logged_as_an_error(people, caplog):
    history(1)
    forged = forge_event()

    with caplog.at_level(logging.ERROR, logger="commitments.audit"):
        verification = services.audit_verification_run(trigger="schedule")

    [record] = [r for r in caplog.records if r.name == "commitments.audit"]
    assert record.levelno == logging.ERROR
    assert f"event #{forged} was altered" in record.getMessage()
    assert record.verification_id == verification.pk


def test_a_chain_that_stays_broken_the_same_way_tells_the_admins_once(people):
    history(1)
    forge_event()

    services.audit_verification_run(trigger="schedule")
    services.audit_verification_run(trigger="schedule")

    assert AuditVerification.objects.filter(ok=False).count() == 2
    assert len(told(people["admin"])) == 1


def test_a_chain_found_broken_again_after_an_intact_run_tells_the_admins_again(people):
    history(1)
    forge_event()
    services.audit_verification_run(trigger="schedule")
    recorded(ok=True)  # say, the database was restored from a backup meanwhile

    services.audit_verification_run(trigger="schedule")

    assert len(told(people["admin"])) == 2


def test_a_chain_broken_in_a_new_way_tells_the_admins_again(people):
    history(1)
    recorded(ok=False, problem="The chain is broken at event #1: something else.")
    forge_event()

    services.audit_verification_run(trigger="schedule")

    assert len(told(people["admin"])) == 1


def test_the_notification_is_keyed_by_the_verification_so_it_is_made_once(people):
    history(1)
    forge_event()
    verification = services.audit_verification_run(trigger="schedule")

    _admins_notify(verification)

    assert len(told(people["admin"])) == 1


def test_a_commitment_changed_behind_the_services_back_is_recorded_as_a_disagreement(people):
    commitment = pledge()
    raw("UPDATE commitments_commitment SET status = 'in_force' WHERE id = %s", [commitment.pk])

    verification = services.audit_verification_run(trigger="schedule")

    assert not verification.ok
    assert verification.problem == (
        "1 disagreement(s) between the record and its history. "
        f"Commitment {commitment.pk}: live status is 'in_force', its events say 'pledged'."
    )
    assert len(told(people["admin"])) == 1


def test_the_problem_names_a_bounded_number_of_disagreements_and_counts_the_rest():
    count = PROBLEM_MISMATCHES_NAMED + 5
    report = VerifyReport(mismatches=[Mismatch(n, "status", "a", "b") for n in range(count)])

    problem = problem_of(report)

    assert problem.startswith(f"{count} disagreement(s)")
    assert problem.count("Commitment ") == PROBLEM_MISMATCHES_NAMED
    assert problem.endswith("… and 5 more.")


def test_a_stored_checkpoint_the_history_contradicts_is_recorded_as_the_problem(
    people, as_table_owner
):
    history(3)
    services.audit_checkpoint_create()
    raw("DELETE FROM commitments_auditevent WHERE sequence = 3")

    verification = services.audit_verification_run(trigger="schedule")

    assert not verification.ok
    assert "the history was cut: today's history ends at event #2." in verification.problem


# verify_audit records its run --------------------------------------------------------------


def test_verify_audit_records_its_run_as_the_command(people):
    history(2)

    call_command("verify_audit", stdout=io.StringIO())

    [verification] = AuditVerification.objects.all()
    assert (verification.trigger, verification.ok) == ("command", True)
    assert verification.events_checked == AuditEvent.objects.count()


def test_verify_audit_with_no_record_records_nothing(people):
    history(2)

    call_command("verify_audit", "--no-record", stdout=io.StringIO())

    assert not AuditVerification.objects.exists()


def test_verify_audit_on_a_broken_chain_still_fails_and_records_and_tells(people):
    history(1)
    forged = forge_event()

    with pytest.raises(CommandError, match=f"Audit chain broken at event #{forged}"):
        call_command("verify_audit", stdout=io.StringIO())

    [verification] = AuditVerification.objects.all()
    assert (verification.trigger, verification.ok) == ("command", False)
    assert len(told(people["root"])) == 1


def test_verify_audit_checking_a_kept_checkpoint_records_no_verification(tmp_path):
    history(1)
    checkpoint = services.audit_checkpoint_create()
    path = tmp_path / "checkpoint.json"
    path.write_bytes(orjson.dumps(checkpoints.document(checkpoint)))

    call_command("verify_audit", checkpoint=str(path), stdout=io.StringIO())

    assert not AuditVerification.objects.exists()


def test_verify_audit_that_cannot_record_says_so_and_keeps_the_chains_exit_status(
    people, monkeypatch
):
    history(1)

    def refused(**kwargs):
        raise DatabaseError("permission denied for table commitments_auditverification")

    monkeypatch.setattr(services, "audit_verification_record", refused)
    out, err = io.StringIO(), io.StringIO()

    call_command("verify_audit", stdout=out, stderr=err)

    assert "Audit chain intact." in out.getvalue()
    assert "This verification was not recorded: permission denied" in err.getvalue()
