"""Subscriptions and the inbox: following commitments, marking notifications read."""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from commitments import selectors
from commitments.choices import NotificationChannel
from commitments.exceptions import (
    NotAllowed,
    ValidationFailed,
)
from commitments.models import (
    Notification,
    Subscription,
)
from commitments.services._shared import _filters, _set_filters


@transaction.atomic
def subscription_create(
    *,
    user: User,
    channel: str,
    participants: Iterable[Any] = (),
    guarantees: Iterable[Any] = (),
    agreements: Iterable[Any] = (),
) -> Subscription:
    """Follow the status changes of the commitments the filters take in (none: all)."""
    errors: dict[str, list[str]] = {}
    if channel not in NotificationChannel.values:
        errors["channel"] = [_("Choose one of: %s.") % ", ".join(NotificationChannel.values)]
    elif channel != NotificationChannel.IN_APP and not user.email:
        errors["channel"] = [_("E-mail needs an address on the account.")]
    if errors:
        raise ValidationFailed(errors)
    filters = _filters(participants, guarantees, agreements)
    subscription = Subscription.objects.create(user=user, channel=channel)
    _set_filters(subscription, filters)
    return subscription


@transaction.atomic
def subscription_delete(*, subscription: Subscription, user: User) -> None:
    """Stop following; only the subscriber does."""
    if subscription.user_id != user.pk:
        raise NotAllowed(_("Only the subscriber may end this subscription."))
    subscription.delete()


@transaction.atomic
def notification_mark_read(*, notification: Notification, user: User) -> Notification:
    """Mark one of the user's in-app notifications read (again: no change)."""
    if notification.recipient_id != user.pk:
        raise NotAllowed(_("This notification is someone else's."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread in-app notification of the user read; returns how many."""
    return selectors.notification_inbox(user=user, unread_only=True).update(read_at=timezone.now())
