"""Celery tasks: thin wrappers that take ids and call commitments.notifications.

Every task is idempotent: it acts only on rows still owed and not in flight (a lease), so a
message handed out twice, or queued again by the sweep, does no harm. Retries wait in the
rows (`next_attempt_at`); a task queues a follow-up with a countdown only when it is due
before the next sweep, far below the broker's visibility timeout.
"""

from celery import shared_task
from django.conf import settings

from accounts.services import idempotency_records_purge
from commitments import notifications
from commitments.choices import VerificationTrigger
from commitments.webhooks import delivery


def _queue_deliveries(delivery_ids: list[int], *, countdown: float | None = None) -> None:
    for batch in notifications.chunks(delivery_ids, settings.WEBHOOK_BATCH_SIZE):
        deliver_webhooks.apply_async((batch,), countdown=countdown)


def _queue_emails(notification_ids: list[int], *, countdown: float | None = None) -> None:
    for batch in notifications.chunks(notification_ids, 20):
        send_emails.apply_async((batch,), countdown=countdown)


def _soon(delay: float | None) -> bool:
    return delay is not None and delay < settings.NOTIFY_SWEEP_SECONDS


@shared_task
def dispatch_event(event_id: int) -> None:
    """Queue the e-mails and webhook deliveries one event owes (after its commit)."""
    email_ids, delivery_ids = notifications.event_outbox(event_id=event_id)
    _queue_deliveries(delivery_ids)
    _queue_emails(email_ids)


@shared_task
def deliver_webhooks(delivery_ids: list[int]) -> None:
    """POST each owed delivery once, signed; every attempt is recorded on its delivery."""
    report = delivery.webhooks_deliver(delivery_ids=delivery_ids)
    if _soon(report.retry_in):
        _queue_deliveries(delivery_ids, countdown=report.retry_in)
    if report.email_ids:
        _queue_emails(report.email_ids)


@shared_task
def send_emails(notification_ids: list[int]) -> None:
    """Send each owed e-mail once; a failure waits in its row for a retry."""
    retry_in = notifications.emails_send(notification_ids=notification_ids)
    if _soon(retry_in):
        _queue_emails(notification_ids, countdown=retry_in)


@shared_task
def requeue_owed() -> None:
    """Beat: queue again the deliveries and e-mails still owed (a message lost while the
    broker was down, a worker killed mid-delivery, a retry whose time has come)."""
    _queue_deliveries(notifications.owed_deliveries())
    _queue_emails(notifications.owed_emails())


@shared_task
def send_daily_digests() -> None:
    """Beat, once a day: one e-mail per digest subscriber."""
    notifications.daily_digests_send()


@shared_task
def sign_audit_checkpoint() -> None:
    """Beat, every AUDIT_CHECKPOINT_SECONDS: sign the audit chain's head and publish it,
    unless it has not moved since the latest checkpoint."""
    from commitments import services  # it queues deliver_webhooks: imported when run

    services.audit_checkpoint_scheduled()


@shared_task
def verify_audit_chain() -> None:
    """Beat, every AUDIT_VERIFY_SECONDS: verify the whole audit chain and record the outcome
    (a broken chain tells the admins)."""
    from commitments import services  # the services import this module: imported when run

    services.audit_verification_run(trigger=VerificationTrigger.SCHEDULE)


@shared_task
def remind_reviewers() -> None:
    """Beat, once a day: remind reviewers of updates waiting more than three days."""
    _queue_emails(notifications.review_reminders_create())


@shared_task
def purge_idempotency_records() -> None:
    """Beat, hourly: forget the Idempotency-Keys older than settings.IDEMPOTENCY_KEY_HOURS."""
    idempotency_records_purge()
