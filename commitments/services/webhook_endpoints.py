"""Webhook endpoints: create, change, delete, rotate the secret, resend, disable."""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role, has_role
from commitments import audit, notifications, tasks
from commitments.choices import DeliveryState, NotificationChannel, NotificationKind
from commitments.exceptions import (
    NotAllowed,
    ValidationFailed,
    WebhookQuotaExceeded,
)
from commitments.models import (
    EVENT_TYPES,
    STATUS_CHANGED_TYPE,
    Agreement,
    Guarantee,
    Notification,
    Participant,
    WebhookDelivery,
    WebhookEndpoint,
)
from commitments.notifications.payloads import notification_rows
from commitments.services._shared import _diff, _filter_snapshot, _filters, _related, _set_filters
from commitments.webhooks import signing, targets

# The name the log had before the split, so that log filters keep working.
logger = logging.getLogger("commitments.notifications")


def _check_endpoint(url: str, description: str) -> str:
    url = (url or "").strip()
    errors: dict[str, list[str]] = {}
    try:
        targets.check_target(url)
    except targets.UnsafeTarget as error:
        errors["url"] = [str(error)]
    if len(description) > 300:
        errors["description"] = [_("At most 300 characters.")]
    if errors:
        raise ValidationFailed(errors)
    return url


def _event_types(values: Iterable[str]) -> list[str]:
    """The event types an endpoint asks for, known ones only, at least one, in EVENT_TYPES'
    order."""
    wanted = set(values)
    unknown = sorted(wanted - set(EVENT_TYPES))
    if unknown:
        raise ValidationFailed(
            {"event_types": [_("Unknown event types: %s.") % ", ".join(unknown)]}
        )
    if not wanted:
        raise ValidationFailed({"event_types": [_("Name at least one event type.")]})
    return [name for name in EVENT_TYPES if name in wanted]


def _may_manage(endpoint: WebhookEndpoint, actor: User) -> None:
    if endpoint.owner_id != actor.pk and not has_role(actor, Role.ADMIN):
        raise NotAllowed(_("Only the endpoint's owner or an admin may change it."))


@transaction.atomic
def webhook_endpoint_create(
    *,
    owner: User,
    url: str,
    description: str = "",
    participants: Iterable[Any] = (),
    guarantees: Iterable[Any] = (),
    agreements: Iterable[Any] = (),
    event_types: Iterable[str] = (STATUS_CHANGED_TYPE,),
) -> tuple[WebhookEndpoint, str]:
    """Register a receiver of webhooks (status changes unless `event_types` says otherwise);
    returns it and its secret, which is shown only now (`whsec_` + base64 of 32 random
    bytes)."""
    if not owner.is_active:
        raise NotAllowed(_("An inactive user owns no webhook endpoint."))
    # The owner's row is locked so that two concurrent registrations cannot both take the
    # last place.
    User.objects.select_for_update().filter(pk=owner.pk).exists()
    limit = settings.WEBHOOK_MAX_ENDPOINTS_PER_OWNER
    if WebhookEndpoint.objects.filter(owner=owner).count() >= limit:
        raise WebhookQuotaExceeded(limit)
    url = _check_endpoint(url, description)
    filters = _filters(participants, guarantees, agreements)
    types = _event_types(event_types)
    secret = signing.new_secret()
    endpoint = WebhookEndpoint.objects.create(
        owner=owner, url=url, description=description.strip(), secret=secret, event_types=types
    )
    _set_filters(endpoint, filters)
    after = {"url": url, "description": endpoint.description, **_filter_snapshot(endpoint)}
    if types != [STATUS_CHANGED_TYPE]:
        after["event_types"] = types
    audit.record(action=audit.WEBHOOK_CREATED, actor=owner, obj=endpoint, after=after)
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    actor: User,
    url: str | None = None,
    description: str | None = None,
    is_active: bool | None = None,
    participants: Iterable[Any] | None = None,
    guarantees: Iterable[Any] | None = None,
    agreements: Iterable[Any] | None = None,
    event_types: Iterable[str] | None = None,
) -> WebhookEndpoint:
    """Change an endpoint's URL, description, filters, event types or activity; turning it
    on again clears its failure record."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    _may_manage(endpoint, actor)
    new_url = endpoint.url if url is None else url
    new_description = endpoint.description if description is None else description.strip()
    if url is not None or description is not None:
        new_url = _check_endpoint(new_url, new_description)
    given = {"participants": participants, "guarantees": guarantees, "agreements": agreements}
    filters = {
        name: _related(model, values, name)
        for (name, values), model in zip(
            given.items(), (Participant, Guarantee, Agreement), strict=True
        )
        if values is not None
    }
    types = endpoint.event_types if event_types is None else _event_types(event_types)
    before = {
        "url": endpoint.url,
        "description": endpoint.description,
        "is_active": endpoint.is_active,
        "event_types": endpoint.event_types,
        **_filter_snapshot(endpoint),
    }
    endpoint.url, endpoint.description, endpoint.event_types = new_url, new_description, types
    if is_active is not None and is_active != endpoint.is_active:
        endpoint.is_active = is_active
        if is_active:
            endpoint.disabled_at, endpoint.disabled_reason = None, ""
            endpoint.failing_since = None
        else:
            endpoint.disabled_at = timezone.now()
            endpoint.disabled_reason = _("Turned off by %s.") % actor.get_username()
    endpoint.save()
    _set_filters(endpoint, filters)
    after = {
        "url": endpoint.url,
        "description": endpoint.description,
        "is_active": endpoint.is_active,
        "event_types": endpoint.event_types,
        **_filter_snapshot(endpoint),
    }
    old, changed = _diff(before, after)
    if changed:
        audit.record(
            action=audit.WEBHOOK_CHANGED, actor=actor, obj=endpoint, before=old, after=changed
        )
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, actor: User) -> None:
    """Remove an endpoint for good, with its deliveries (its owner or an admin); what it
    was stays in the audit history."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    _may_manage(endpoint, actor)
    before = {
        "url": endpoint.url,
        "description": endpoint.description,
        "owner": endpoint.owner_id,
        **_filter_snapshot(endpoint),
    }
    audit.record(action=audit.WEBHOOK_DELETED, actor=actor, obj=endpoint, before=before)
    endpoint.delete()


@transaction.atomic
def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint, actor: User) -> str:
    """Give the endpoint a new secret, shown only now. The old one still signs (a second
    signature) for WEBHOOK_SECRET_GRACE_HOURS, so the receiver can switch over."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    _may_manage(endpoint, actor)
    secret = signing.new_secret()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = timezone.now() + timedelta(
        hours=settings.WEBHOOK_SECRET_GRACE_HOURS
    )
    endpoint.secret = secret
    endpoint.save(
        update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"]
    )
    audit.record(
        action=audit.WEBHOOK_SECRET_ROTATED,
        actor=actor,
        obj=endpoint,
        after={"previous_secret_expires_at": endpoint.previous_secret_expires_at},
    )
    return secret


@transaction.atomic
def webhook_delivery_resend(*, delivery: WebhookDelivery, actor: User) -> WebhookDelivery:
    """Send a delivered or failed delivery again, same `webhook-id` and body, with a new
    retry schedule; queued after the commit."""
    delivery = (
        WebhookDelivery.objects.select_for_update(of=("self",))
        .select_related("endpoint")
        .get(pk=delivery.pk)
    )
    _may_manage(delivery.endpoint, actor)
    if delivery.state == DeliveryState.PENDING:
        raise ValidationFailed(_("This delivery is still being attempted."))
    if not delivery.endpoint.is_active:
        raise ValidationFailed(_("The endpoint is disabled: turn it on first."))
    before = {"state": delivery.state, "attempt_count": delivery.attempt_count}
    delivery.state = DeliveryState.PENDING
    delivery.schedule_offset = delivery.attempt_count
    delivery.next_attempt_at = timezone.now()
    delivery.leased_until = None
    delivery.save(update_fields=["state", "schedule_offset", "next_attempt_at", "leased_until"])
    audit.record(
        action=audit.WEBHOOK_RESENT,
        actor=actor,
        obj=delivery,
        before=before,
        after={"state": delivery.state},
    )
    transaction.on_commit(partial(tasks.deliver_webhooks.delay, [delivery.pk]), robust=True)
    return delivery


def webhook_secrets_reencrypt(*, batch_size: int = 500) -> int:
    """Encrypt every endpoint's secrets again under the newest key of WEBHOOK_SECRET_KEYS
    (any configured key still decrypts them); returns how many endpoints. Run after putting a
    new key first, before dropping the old one."""
    count = 0
    pks = list(WebhookEndpoint.objects.order_by("pk").values_list("pk", flat=True))
    for batch in notifications.chunks(pks, batch_size):
        with transaction.atomic():
            for endpoint in WebhookEndpoint.objects.select_for_update().filter(pk__in=batch):
                # The fields decrypt when read and encrypt under the newest key when written.
                WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
                    secret=endpoint.secret, previous_secret=endpoint.previous_secret
                )
                count += 1
    return count


def webhook_endpoint_disable(*, endpoint: WebhookEndpoint, now: datetime) -> list[int]:
    """Turn off an endpoint that keeps failing and tell its owner (in-app and by e-mail);
    return the ids of the e-mails owed. The delivery calls it inside its own transaction."""
    since = endpoint.failing_since or now
    reason = _("Every attempt has failed since %(since)s.") % {"since": since.isoformat()}
    endpoint.is_active = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = reason
    endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason", "updated_at"])
    owner = endpoint.owner
    data = {"endpoint": endpoint.pk, "url": endpoint.url, "reason": reason}
    rows = notification_rows(
        kind=NotificationKind.ENDPOINT_DISABLED,
        recipients=[
            (owner.pk, NotificationChannel.IN_APP, owner.email),
            (owner.pk, NotificationChannel.EMAIL, owner.email),
        ],
        data=data,
        key=f"{endpoint.pk}:{now.isoformat()}",
        now=now,
    )
    Notification.objects.bulk_create(rows)
    audit.record(
        action=audit.WEBHOOK_DISABLED,
        actor=None,
        obj=endpoint,
        before={"is_active": True},
        after={"is_active": False},
        reason=reason,
    )
    logger.warning("Webhook endpoint %s disabled: %s", endpoint.pk, reason)
    return [n.pk for n in rows if n.channel == NotificationChannel.EMAIL]
