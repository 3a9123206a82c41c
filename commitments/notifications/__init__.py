"""Render e-mails; build, sign and send webhook payloads; record every attempt.

The tasks (commitments.tasks) call these with ids. Whatever sends first claims its rows with a
lease, so a message handed out twice, or queued again by the sweep while in flight, never
sends the same row twice at once. The rows, not the broker, say what is still owed.

Webhooks follow the Standard Webhooks specification: `webhook-id` (the delivery's, stable
across attempts), `webhook-timestamp` (this attempt's) and `webhook-signature`
(`v1,` + base64 HMAC-SHA256 of `id.timestamp.body`, keyed by the secret's decoded bytes).
"""

from commitments.notifications.email import (
    EMAIL_MAX_ATTEMPTS,
    daily_digests_send,
    emails_send,
    render_email,
    review_reminders_create,
)
from commitments.notifications.payloads import (
    STATUS_CHANGED_TYPE,
    event_data,
    notification_rows,
    step_data,
    title_for,
    update_data,
    webhook_body,
)
from commitments.notifications.schedules import (
    MAX_RETRY_AFTER,
    MAX_RETRY_DELAY,
    _retry_after,
    chunks,
    event_outbox,
    owed_deliveries,
    owed_emails,
    retry_delay,
)

__all__ = [
    "EMAIL_MAX_ATTEMPTS",
    "MAX_RETRY_AFTER",
    "MAX_RETRY_DELAY",
    "STATUS_CHANGED_TYPE",
    "_retry_after",
    "chunks",
    "daily_digests_send",
    "emails_send",
    "event_data",
    "event_outbox",
    "notification_rows",
    "owed_deliveries",
    "owed_emails",
    "render_email",
    "retry_delay",
    "review_reminders_create",
    "step_data",
    "title_for",
    "update_data",
    "webhook_body",
]
