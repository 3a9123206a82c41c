"""The outbox: the notifications and webhook deliveries a change owes, in its transaction."""

from collections.abc import Iterable
from datetime import datetime
from functools import partial
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Value
from django.db.models.functions import Cast, Concat

from accounts.models import User
from commitments import notifications, selectors, tasks
from commitments.choices import (
    DeliveryState,
    NotificationChannel,
    NotificationKind,
)
from commitments.models import (
    AuditEvent,
    Commitment,
    Notification,
    StatusUpdate,
    Subscription,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
)
from commitments.webhooks import signing

# Notifications --------------------------------------------------------------------------
# The outbox: the workflow above writes Notification and WebhookDelivery rows in the
# transaction of the change, then hands one task per event to Celery after the commit. A
# service called with notify=False (replaying a history: the demo scenario) skips them.


def _schedule_dispatch(event: AuditEvent) -> None:
    # robust: a broker outage is logged, and the sweep queues the rows later.
    transaction.on_commit(partial(tasks.dispatch_event.delay, event.pk), robust=True)


def _notify_people(
    *,
    kind: str,
    event: AuditEvent,
    update: StatusUpdate,
    people: Iterable[User],
    data: dict[str, Any] | None = None,
) -> list[Notification]:
    """In-app and e-mail notifications of one workflow step to the people it concerns."""
    commitment = update.commitment
    if data is None:
        data = notifications.step_data(event=event, update=update)
    recipients = [
        (person.pk, channel, person.email)
        for person in people
        for channel in (NotificationChannel.IN_APP, NotificationChannel.EMAIL)
    ]
    return notifications.notification_rows(
        kind=kind,
        recipients=recipients,
        data=data,
        key=str(event.pk),
        event=event,
        commitment=commitment,
        now=event.occurred_at,
    )


def _outbox_status_changed(
    *, event: AuditEvent, commitment: Commitment, update: StatusUpdate
) -> None:
    """Tell the subscribers, the update's author and the webhook endpoints that follow
    the commitment."""
    commitment = Commitment.objects.select_related("participant", "guarantee__agreement").get(
        pk=commitment.pk
    )
    data = notifications.event_data(event=event, commitment=commitment, update=update)
    subscribers = (
        Subscription.objects.following(commitment)
        .filter(user__is_active=True)
        .order_by("pk")
        .values_list("user_id", "channel", "user__email")
    )
    rows = notifications.notification_rows(
        kind=NotificationKind.STATUS_CHANGED,
        recipients=subscribers,
        data=data,
        key=str(event.pk),
        event=event,
        commitment=commitment,
        now=event.occurred_at,
    )
    rows += _notify_people(
        kind=NotificationKind.UPDATE_APPROVED,
        event=event,
        update=update,
        people=[update.proposed_by],
        data=data,
    )
    Notification.objects.bulk_create(rows)
    endpoints = (
        WebhookEndpoint.objects.filter(is_active=True)
        .receiving(notifications.STATUS_CHANGED_TYPE)
        .following(commitment)
    )
    _webhook_message_publish(
        event_type=notifications.STATUS_CHANGED_TYPE,
        data=data,
        endpoints=endpoints,
        occurred_at=event.occurred_at,
        event=event,
    )
    _schedule_dispatch(event)


def _webhook_message_publish(
    *,
    event_type: str,
    data: dict[str, Any],
    endpoints: models.QuerySet,
    occurred_at: datetime,
    event: AuditEvent | None = None,
) -> WebhookMessage | None:
    """One webhook message of `event_type` carrying `data`, and one pending delivery of it
    per endpoint; none when no endpoint receives it. The body is written once; each
    endpoint's delivery has its own webhook id. Queuing the deliveries is the caller's."""
    if not endpoints.exists():
        return None
    message = WebhookMessage.objects.create(
        event=event,
        event_type=event_type,
        payload=notifications.webhook_body(
            event_type=event_type, occurred_at=occurred_at, data=data
        ),
        created_at=occurred_at,
    )
    _insert_deliveries(message=message, endpoints=endpoints)
    return message


def _insert_deliveries(*, message: WebhookMessage, endpoints: models.QuerySet) -> int:
    """One pending delivery of `message` per endpoint, due now, in one INSERT ... SELECT:
    the database makes the rows, so a thousand endpoints cost the approval milliseconds (a
    thousand-row bulk_create costs over 100 ms of Python). Returns how many were made."""
    prefix = signing.webhook_id_prefix()
    rows = endpoints.order_by().values_list(
        "pk",
        Value(message.pk),
        Concat(Value(prefix), Cast("pk", output_field=models.CharField())),
        Value(DeliveryState.PENDING),
        Value(0),
        Value(0),
        Value(message.created_at),
        Value(""),
        Value(message.created_at),
    )
    columns = (
        "endpoint_id",
        "message_id",
        "webhook_id",
        "state",
        "attempt_count",
        "schedule_offset",
        "next_attempt_at",
        "last_error",
        "created_at",
    )
    select, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    table = quote(WebhookDelivery._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({', '.join(map(quote, columns))}) {select}", params)
        return cursor.rowcount


def _outbox_update_submitted(*, event: AuditEvent, update: StatusUpdate) -> None:
    """Tell the reviewers who may decide the update (everyone but its author)."""
    people = selectors.reviewers().exclude(pk=update.proposed_by_id)
    Notification.objects.bulk_create(
        _notify_people(
            kind=NotificationKind.UPDATE_SUBMITTED, event=event, update=update, people=people
        )
    )
    _schedule_dispatch(event)


def _outbox_update_decided(*, kind: str, event: AuditEvent, update: StatusUpdate) -> None:
    """Tell the update's author that it was rejected or went stale."""
    Notification.objects.bulk_create(
        _notify_people(kind=kind, event=event, update=update, people=[update.proposed_by])
    )
    _schedule_dispatch(event)
