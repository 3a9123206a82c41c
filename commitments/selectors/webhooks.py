"""Webhook endpoints as a user may see them."""

from django.db.models import F, Prefetch, QuerySet

from accounts.roles import Role, has_role
from commitments.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def webhook_endpoints_for(*, viewer) -> QuerySet[WebhookEndpoint]:
    """The webhook endpoints a user may see: admins all, others their own."""
    endpoints = WebhookEndpoint.objects.all()
    return endpoints if has_role(viewer, Role.ADMIN) else endpoints.filter(owner=viewer.pk)


# How many of an endpoint's deliveries its page lists, newest first.
RECENT_DELIVERIES = 10


def webhook_endpoints_owned(*, owner) -> list[WebhookEndpoint]:
    """`owner`'s own endpoints (the webhooks page; an admin's too: others' are managed in
    the admin), oldest first, each with its filters and `recent_deliveries`: its newest
    RECENT_DELIVERIES deliveries (with `event_type`) and their attempts. Five queries,
    however many endpoints, deliveries and attempts."""
    deliveries = (
        WebhookDelivery.objects.annotate(event_type=F("message__event_type"))
        .order_by("-created_at", "-pk")
        .prefetch_related(Prefetch("attempts", queryset=WebhookAttempt.objects.order_by("number")))
    )
    return list(
        webhook_endpoints_for(viewer=owner)
        .filter(owner=owner.pk)
        .order_by("pk")
        .prefetch_related(
            "participants",
            "guarantees",
            "agreements",
            Prefetch(
                "deliveries", queryset=deliveries[:RECENT_DELIVERIES], to_attr="recent_deliveries"
            ),
        )
    )


def webhook_deliveries_owned(*, owner) -> QuerySet[WebhookDelivery]:
    """The deliveries to `owner`'s own endpoints (those the webhooks page may resend)."""
    return WebhookDelivery.objects.filter(endpoint__owner=owner.pk)
