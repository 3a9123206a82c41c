"""Who is told, and each user's inbox."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Q,
    QuerySet,
)

from accounts.models import User
from accounts.roles import Role
from commitments.choices import NotificationChannel
from commitments.models import Notification

# Notifications --------------------------------------------------------------------------


def reviewers() -> QuerySet[User]:
    """Active users who may decide updates: the reviewer group's members and superusers."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=Role.REVIEWER))
        .distinct()
        .order_by("pk")
    )


def admins() -> QuerySet[User]:
    """Active users who run the tracker: the admin group's members and superusers."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=Role.ADMIN))
        .distinct()
        .order_by("pk")
    )


def notification_inbox(
    *, user: User | AnonymousUser, unread_only: bool = False
) -> QuerySet[Notification]:
    """The user's in-app notifications, newest first; none for a visitor."""
    if not user.is_authenticated:
        return Notification.objects.none()
    inbox = Notification.objects.filter(recipient=user, channel=NotificationChannel.IN_APP)
    if unread_only:
        inbox = inbox.filter(read_at__isnull=True)
    return inbox.select_related("commitment").order_by("-created_at", "-pk")


def notification_unread_count(*, user: User) -> int:
    return notification_inbox(user=user, unread_only=True).count()
