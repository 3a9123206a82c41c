"""The e-mail channel: rendering, sending with retries, daily digests, review reminders."""

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from commitments.choices import DeliveryState, NotificationChannel, NotificationKind, UpdateState
from commitments.models import (
    Notification,
    StatusUpdate,
)
from commitments.notifications.payloads import notification_rows
from commitments.notifications.schedules import _claim, _next_due, retry_delay
from commitments.selectors import reviewers

# The name the log had before the split, so that log filters keep working.
logger = logging.getLogger("commitments.notifications")

EMAIL_MAX_ATTEMPTS = 8

# E-mail ---------------------------------------------------------------------------------


def render_email(notification: Notification) -> mail.EmailMultiAlternatives:
    """The subject, text and HTML of one notification's e-mail."""
    return _render(
        notification.kind,
        {"notification": notification, "data": notification.data},
        to=notification.recipient.email,
    )


def _render_text(name: str, context: dict) -> str:
    """A plain-text template, rendered with autoescape off: a subject or a text body is not
    HTML, so "Côte d'Ivoire" must not come out as "Côte d&#x27;Ivoire"."""
    return get_template(name).template.render(Context(context, autoescape=False))


def _render(template: str, context: dict, *, to: str) -> mail.EmailMultiAlternatives:
    """Subject and text body unescaped (the subject on one line), the HTML body escaped."""
    prefix = f"commitments/email/{template}"
    subject = " ".join(_render_text(f"{prefix}_subject.txt", context).split())
    message = mail.EmailMultiAlternatives(
        subject=subject[:250],
        body=_render_text(f"{prefix}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(render_to_string(f"{prefix}.html", context), "text/html")
    return message


def emails_send(*, notification_ids: Sequence[int]) -> float | None:
    """Send each owed, due e-mail among `notification_ids` once; failures retry later.
    Returns the soonest retry in seconds, if any."""
    now = timezone.now()
    emails = Notification.objects.filter(channel=NotificationChannel.EMAIL)
    claimed = _claim(emails, notification_ids, now=now, lease=120)
    if not claimed:
        return None
    rows = list(Notification.objects.filter(pk__in=claimed).select_related("recipient"))
    connection = mail.mailers.default
    try:
        connection.open()
        refused = None
    except Exception as error:
        refused = error
    for row in rows:
        row.leased_until = None
        row.attempt_count += 1
        try:
            if refused is not None:
                raise refused
            connection.send_messages([render_email(row)])
        except Exception as error:
            row.last_error = f"{type(error).__name__}: {error}"[:2000]
            if row.attempt_count >= EMAIL_MAX_ATTEMPTS:
                row.state = DeliveryState.FAILED
                continue
            delay = retry_delay(row.attempt_count, base=settings.WEBHOOK_RETRY_BASE_SECONDS * 4)
            row.next_attempt_at = now + timedelta(seconds=delay)
        else:
            row.state = DeliveryState.DELIVERED
            row.sent_at = timezone.now()
            row.last_error = ""
    if refused is None:
        connection.close()
    Notification.objects.bulk_update(
        rows,
        ["state", "sent_at", "attempt_count", "next_attempt_at", "leased_until", "last_error"],
    )
    return _next_due(emails, notification_ids, now=timezone.now())


def daily_digests_send(*, now: datetime | None = None) -> int:
    """One e-mail per subscriber listing the digest lines owed to them; returns the number
    sent. A recipient whose lines another run holds is skipped."""
    now = now or timezone.now()
    owed = Notification.objects.filter(
        channel=NotificationChannel.DIGEST, state=DeliveryState.PENDING, created_at__lte=now
    )
    recipients = list(owed.order_by().values_list("recipient_id", flat=True).distinct())
    sent = 0
    for recipient_id in recipients:
        with transaction.atomic():
            lines = list(
                owed.filter(recipient_id=recipient_id)
                .select_for_update(skip_locked=True)
                .select_related("recipient")
                .order_by("created_at", "pk")
            )
            if not lines:
                continue
            recipient = lines[0].recipient
            message = _render(
                "daily_digest",
                {"recipient": recipient, "lines": lines, "day": now.date()},
                to=recipient.email,
            )
            try:
                with mail.mailers.default as connection:
                    connection.send_messages([message])
            except Exception as error:
                logger.warning("Digest for user %s not sent: %s", recipient_id, error)
                continue
            Notification.objects.filter(pk__in=[line.pk for line in lines]).update(
                state=DeliveryState.DELIVERED, sent_at=timezone.now()
            )
            sent += 1
    return sent


def review_reminders_create(*, now: datetime | None = None) -> list[int]:
    """Remind every reviewer, once a day, of the updates submitted more than
    NOTIFY_REMINDER_AFTER_DAYS days ago that they may decide; return the e-mail ids owed."""
    now = now or timezone.now()
    days = settings.NOTIFY_REMINDER_AFTER_DAYS
    waiting = list(
        StatusUpdate.objects.filter(
            state=UpdateState.SUBMITTED, submitted_at__lt=now - timedelta(days=days)
        ).select_related("commitment__participant", "commitment__guarantee", "proposed_by")
    )
    if not waiting:
        return []
    rows = []
    for reviewer in reviewers():
        theirs = [u for u in waiting if u.proposed_by_id != reviewer.pk]
        if not theirs:
            continue
        data = {
            "days": days,
            "updates": [
                {
                    "id": u.pk,
                    "commitment": str(u.commitment),
                    "proposed_status": u.proposed_status,
                    "proposed_by": u.proposed_by.get_username(),
                    "submitted_at": u.submitted_at.isoformat(),
                }
                for u in theirs
            ],
        }
        rows += notification_rows(
            kind=NotificationKind.REVIEW_REMINDER,
            recipients=[
                (reviewer.pk, NotificationChannel.IN_APP, reviewer.email),
                (reviewer.pk, NotificationChannel.EMAIL, reviewer.email),
            ],
            data=data,
            key=now.date().isoformat(),
            now=now,
        )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    keys = [row.key for row in rows if row.channel == NotificationChannel.EMAIL]
    return list(
        Notification.objects.filter(key__in=keys, state=DeliveryState.PENDING).values_list(
            "pk", flat=True
        )
    )
