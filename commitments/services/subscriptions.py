"""Subscriptions and the inbox: following commitments, marking notifications read."""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role, has_role
from commitments import selectors
from commitments.choices import NotificationChannel
from commitments.exceptions import (
    NotAllowed,
    ValidationFailed,
)
from commitments.models import (
    Agreement,
    Guarantee,
    Notification,
    Participant,
    Subscription,
)
from commitments.services._shared import _related, _set_filters

_FILTER_MODELS = (
    ("participants", Participant),
    ("guarantees", Guarantee),
    ("agreements", Agreement),
)
_FILTER_NAMES = tuple(name for name, _model in _FILTER_MODELS)


def subscription_check(
    *,
    user: User,
    channel: str,
    participants: Iterable[Any] = (),
    guarantees: Iterable[Any] = (),
    agreements: Iterable[Any] = (),
    instead_of: Subscription | None = None,
) -> dict[str, list]:
    """Every rule a subscription must meet, checked without writing: a known channel, an
    address for e-mail, filters naming things that exist, and no second subscription of the
    user following the same things through the same channel (`instead_of`, the one being
    changed, aside). Returns the filters resolved to instances; raises ValidationFailed with
    every field's messages at once."""
    errors: dict[str, list[str]] = {}
    if not user.is_active:
        errors["user"] = [_("An inactive account follows nothing.")]
    if channel not in NotificationChannel.values:
        errors["channel"] = [_("Choose one of: %s.") % ", ".join(NotificationChannel.values)]
    elif channel != NotificationChannel.IN_APP and not user.email:
        errors["channel"] = [_("E-mail needs an address on the account.")]
    filters: dict[str, list] = {}
    wanted = zip(_FILTER_MODELS, (participants, guarantees, agreements), strict=True)
    for (name, model), values in wanted:
        try:
            filters[name] = _related(model, values, name)
        except ValidationFailed as error:
            errors.update(error.fields)
    if errors:
        raise ValidationFailed(errors)
    if _duplicate_exists(user, channel, filters, instead_of):
        raise ValidationFailed(
            {"non_field_errors": [_("You already follow exactly this through this channel.")]}
        )
    return filters


def _duplicate_exists(
    user: User, channel: str, filters: dict[str, list], instead_of: Subscription | None
) -> bool:
    wanted = {name: {obj.pk for obj in filters[name]} for name in _FILTER_NAMES}
    others = Subscription.objects.filter(user=user, channel=channel).prefetch_related(
        *_FILTER_NAMES
    )
    if instead_of is not None and instead_of.pk is not None:
        others = others.exclude(pk=instead_of.pk)
    return any(
        all(
            {obj.pk for obj in getattr(other, name).all()} == wanted[name] for name in _FILTER_NAMES
        )
        for other in others
    )


def _lock_user(user: User) -> None:
    # Two concurrent requests of one user cannot both pass the duplicate check.
    User.objects.select_for_update().filter(pk=user.pk).exists()


def _may_manage(subscription: Subscription, actor: User) -> None:
    if subscription.user_id != actor.pk and not has_role(actor, Role.ADMIN):
        raise NotAllowed(_("Only the subscriber or an admin may change this subscription."))


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
    _lock_user(user)
    filters = subscription_check(
        user=user,
        channel=channel,
        participants=participants,
        guarantees=guarantees,
        agreements=agreements,
    )
    subscription = Subscription.objects.create(user=user, channel=channel)
    _set_filters(subscription, filters)
    return subscription


@transaction.atomic
def subscription_update(
    *,
    subscription: Subscription,
    actor: User,
    channel: str,
    participants: Iterable[Any] = (),
    guarantees: Iterable[Any] = (),
    agreements: Iterable[Any] = (),
) -> Subscription:
    """Change what a subscription follows and how, under the rules of subscription_create;
    the subscriber or an admin does. Its subscriber never changes."""
    _may_manage(subscription, actor)
    user = User.objects.get(pk=subscription.user_id)
    _lock_user(user)
    filters = subscription_check(
        user=user,
        channel=channel,
        participants=participants,
        guarantees=guarantees,
        agreements=agreements,
        instead_of=subscription,
    )
    subscription.channel = channel
    subscription.save(update_fields=["channel"])
    _set_filters(subscription, filters)
    return subscription


@transaction.atomic
def subscription_delete(*, subscription: Subscription, user: User) -> None:
    """Stop following; the subscriber does, or an admin (`user` is who acts)."""
    if subscription.user_id != user.pk and not has_role(user, Role.ADMIN):
        raise NotAllowed(_("Only the subscriber or an admin may end this subscription."))
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
