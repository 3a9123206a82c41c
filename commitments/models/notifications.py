"""Notifications: who follows what, what each person was told, and every webhook attempt.

These rows are the outbox. The services write them in the transaction of the change they
announce, so they say what is still owed; Celery only carries them (commitments.tasks), and a
periodic task queues again whatever a lost message or a dead worker left behind.
"""

import functools

from django.conf import settings
from django.db import connection, connections, models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.choices import DeliveryState, NotificationChannel, NotificationKind
from commitments.crypto import EncryptedSecretField
from commitments.models.audit import AuditEvent
from commitments.models.record import (
    URL_MAX_LENGTH,
    Agreement,
    Commitment,
    Guarantee,
    Participant,
)

# The webhook event types an endpoint may receive.
STATUS_CHANGED_TYPE = "commitment.status_changed"
CHECKPOINT_TYPE = "audit.checkpoint"
EVENT_TYPES = (STATUS_CHANGED_TYPE, CHECKPOINT_TYPE)
# How many participants, guarantees or agreements one filter (of a subscription or an
# endpoint) may name: a longer list is refused, not resolved.
MAX_FILTER_VALUES = 100


def default_event_types() -> list[str]:
    """What an endpoint receives unless it asks otherwise (what every endpoint always did)."""
    return [STATUS_CHANGED_TYPE]


class FollowingQuerySet(models.QuerySet):
    def following(self, commitment: Commitment) -> "FollowingQuerySet":
        """Rows whose filters take in this commitment: an empty filter takes in everything,
        a filter with values any of them, and every filter must take it in."""
        params = [commitment.participant_id, commitment.guarantee_id]
        params.append(commitment.guarantee.agreement_id)
        return self.filter(pk__in=RawSQL(_following_sql(self.model), params))


@functools.cache
def _following_sql(model: type[models.Model]) -> str:
    """SELECT the ids of `model` rows taking in (participant, guarantee, agreement). Plain
    SQL, built once: the same filter through the ORM costs milliseconds to compile, and it
    runs inside every approval."""
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    conditions = []
    for name in ("participants", "guarantees", "agreements"):
        field = model._meta.get_field(name)
        through = field.remote_field.through._meta
        source = quote(through.get_field(field.m2m_field_name()).column)
        target = quote(through.get_field(field.m2m_reverse_field_name()).column)
        rows = f"SELECT 1 FROM {quote(through.db_table)} f WHERE f.{source} = o.{pk}"
        conditions.append(f"(NOT EXISTS ({rows}) OR EXISTS ({rows} AND f.{target} = %s))")
    return f"SELECT o.{pk} FROM {table} o WHERE {' AND '.join(conditions)}"


class WebhookEndpointQuerySet(FollowingQuerySet):
    def receiving(self, event_type: str) -> "WebhookEndpointQuerySet":
        """Endpoints whose `event_types` list names `event_type`."""
        if connections[self.db].vendor == "postgresql":
            return self.filter(event_types__contains=[event_type])
        # SQLite has no JSON containment lookup: its json_each() lists the array's members.
        table = connections[self.db].ops.quote_name(self.model._meta.db_table)
        members = f"SELECT o.id FROM {table} o, json_each(o.event_types) t WHERE t.value = %s"
        return self.filter(pk__in=RawSQL(members, [event_type]))


class Following(models.Model):
    """The filters shared by subscriptions and webhook endpoints; none means everything."""

    participants = models.ManyToManyField(
        Participant, blank=True, related_name="+", verbose_name=_("participants")
    )
    guarantees = models.ManyToManyField(
        Guarantee, blank=True, related_name="+", verbose_name=_("guarantees")
    )
    agreements = models.ManyToManyField(
        Agreement, blank=True, related_name="+", verbose_name=_("agreements")
    )

    objects = FollowingQuerySet.as_manager()

    class Meta:
        abstract = True


class Subscription(Following):
    """A person following commitments' status changes through one channel."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=NotificationChannel.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=NotificationChannel.values),
                name="subscription_channel_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_channel_display()}"


class Notification(models.Model):
    """One thing one person is told, through one channel: an in-app inbox entry, an e-mail
    owed or sent, or a line owed to the next daily digest."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=NotificationChannel.choices)
    # One notification per event, recipient and channel, however many subscriptions match.
    key = models.CharField(_("key"), max_length=200, unique=True)
    event = models.ForeignKey(
        AuditEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    commitment = models.ForeignKey(
        Commitment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("title"), max_length=300)
    data = models.JSONField(_("data"), default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempt_count = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    leased_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values), name="notification_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=NotificationChannel.values),
                name="notification_channel_valid",
            ),
            models.CheckConstraint(
                condition=Q(state__in=DeliveryState.values), name="notification_state_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "channel", "read_at"]),
            models.Index(
                fields=["channel", "next_attempt_at"],
                condition=Q(state=DeliveryState.PENDING),
                name="notification_owed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.title}"


class WebhookEndpoint(Following):
    """A receiver of signed webhooks (Standard Webhooks): status changes, and the audit
    chain's signed checkpoints when it asks for them (`event_types`)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="webhook_endpoints"
    )
    url = models.URLField(_("URL"), max_length=URL_MAX_LENGTH)
    description = models.CharField(_("description"), max_length=300, blank=True)
    # Signing needs it as given, so it is encrypted, not hashed (commitments.crypto). Shown
    # once, when created or rotated; masked elsewhere.
    secret = EncryptedSecretField(_("secret"))
    # Still signed with for a while after a rotation, so receivers can switch over.
    previous_secret = EncryptedSecretField(blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.TextField(_("why disabled"), blank=True)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    event_types = models.JSONField(
        _("event types"),
        default=default_event_types,
        help_text=_("The webhook event types it receives: %s.") % ", ".join(EVENT_TYPES),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WebhookEndpointQuerySet.as_manager()

    class Meta:
        ordering = ["owner", "pk"]
        indexes = [models.Index(fields=["is_active"])]

    def __str__(self) -> str:
        return self.description or self.url


class WebhookMessage(models.Model):
    """One event's webhook body, written once however many endpoints receive it."""

    event = models.ForeignKey(
        AuditEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    event_type = models.CharField(_("type"), max_length=64)
    payload = models.TextField(_("body"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.pk}"


class WebhookDelivery(models.Model):
    """One message owed to one endpoint; the same `webhook_id` and body at every attempt."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    message = models.ForeignKey(WebhookMessage, on_delete=models.CASCADE, related_name="deliveries")
    webhook_id = models.CharField(_("webhook id"), max_length=40, unique=True)
    state = models.CharField(
        _("state"), max_length=20, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempt_count = models.PositiveIntegerField(_("attempts"), default=0)
    # Attempts made before the current retry schedule began (a resend starts a new one).
    schedule_offset = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    leased_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "message"], name="webhook_delivery_once_per_endpoint"
            ),
            models.CheckConstraint(
                condition=Q(state__in=DeliveryState.values), name="webhook_delivery_state_valid"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state=DeliveryState.PENDING),
                name="webhook_delivery_owed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.webhook_id} → {self.endpoint}"


class WebhookAttempt(models.Model):
    """One POST of a delivery: when, how long, what came back."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started at"))
    latency_ms = models.FloatField(_("latency (ms)"), null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(_("status"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    response_excerpt = models.CharField(_("response"), max_length=500, blank=True)

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"{self.delivery.webhook_id} #{self.number}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
