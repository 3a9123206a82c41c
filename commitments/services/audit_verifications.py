"""Verifications of the audit chain: run on the schedule (hourly) or by `manage.py
verify_audit`, each outcome recorded; a broken chain tells every admin in their inbox and the
error log."""

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from commitments import audit, selectors
from commitments.choices import NotificationChannel, NotificationKind, VerificationTrigger
from commitments.models import AuditVerification, Notification
from commitments.notifications import notification_rows

logger = logging.getLogger("commitments.audit")

# How many disagreeing commitments the recorded problem names one by one (the count is
# always given): a table rewritten behind the services' back would otherwise make it huge.
PROBLEM_MISMATCHES_NAMED = 20


def audit_verification_run(*, trigger: str) -> AuditVerification:
    """Verify the whole audit chain now (audit.verify(): every hash, the status replay, the
    stored checkpoints) and record the outcome (audit_verification_record()).

    The walk reads in its own snapshot and writes nothing, so it runs outside any
    transaction of ours: the outcome is written afterwards in a short one. A walk that fails
    (the database gone) raises and records nothing: the age of the newest verification
    (/metrics) then keeps growing, which is what to alert on."""
    if trigger not in VerificationTrigger.values:
        raise ValueError(f"Unknown verification trigger {trigger!r}.")
    started_at = timezone.now()
    report = audit.verify()
    return audit_verification_record(report=report, started_at=started_at, trigger=trigger)


@transaction.atomic
def audit_verification_record(
    *, report: audit.VerifyReport, started_at: datetime, trigger: str
) -> AuditVerification:
    """Keep the outcome of a verification that began at `started_at`. When the chain is
    not intact, log an error and tell every active admin in their inbox, unless the newest
    verification before this one already found the same problem (a chain that stays broken
    is announced once, not every hour)."""
    if trigger not in VerificationTrigger.values:
        raise ValueError(f"Unknown verification trigger {trigger!r}.")
    previous = selectors.latest_audit_verification()
    problem = problem_of(report)
    verification = AuditVerification.objects.create(
        started_at=started_at,
        finished_at=timezone.now(),
        events_checked=report.checked,
        checkpoints_checked=report.checkpoints_checked,
        seconds=report.seconds,
        ok=report.ok,
        problem=problem,
        trigger=trigger,
    )
    if verification.ok:
        return verification
    logger.error(
        "Audit chain verification failed (%s events checked): %s",
        verification.events_checked,
        problem,
        extra={"verification_id": verification.pk, "trigger": trigger},
    )
    if previous is None or previous.ok or previous.problem != problem:
        _admins_notify(verification)
    return verification


def problem_of(report: audit.VerifyReport) -> str:
    """What is wrong with the chain, in sentences (as verify_audit says it); empty if
    nothing is."""
    sentences = []
    if report.broken_sequence is not None:
        sentences.append(
            f"The chain is broken at event #{report.broken_sequence}: {report.broken_reason}."
        )
    if report.mismatches:
        sentences.append(
            f"{len(report.mismatches)} disagreement(s) between the record and its history."
        )
        sentences += [
            f"Commitment {m.commitment_id}: live {m.field} is {m.live!r}, its events say "
            f"{m.replayed!r}."
            for m in report.mismatches[:PROBLEM_MISMATCHES_NAMED]
        ]
        if len(report.mismatches) > PROBLEM_MISMATCHES_NAMED:
            sentences.append(f"… and {len(report.mismatches) - PROBLEM_MISMATCHES_NAMED} more.")
    sentences += report.checkpoint_problems
    return " ".join(sentences)


def _admins_notify(verification: AuditVerification) -> None:
    """An inbox entry for each active admin, keyed by the verification: recording it again
    adds none."""
    data = {
        "verification": verification.pk,
        "finished_at": verification.finished_at.isoformat(),
        "events_checked": verification.events_checked,
        "trigger": verification.trigger,
        "problem": verification.problem,
    }
    recipients = [
        (admin.pk, NotificationChannel.IN_APP, admin.email) for admin in selectors.admins()
    ]
    rows = notification_rows(
        kind=NotificationKind.AUDIT_CHAIN_BROKEN,
        recipients=recipients,
        data=data,
        key=str(verification.pk),
        now=verification.finished_at,
    )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
