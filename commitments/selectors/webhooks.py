"""Webhook endpoints as a user may see them."""

from django.db.models import QuerySet

from accounts.roles import Role, has_role
from commitments.models import WebhookEndpoint


def webhook_endpoints_for(*, viewer) -> QuerySet[WebhookEndpoint]:
    """The webhook endpoints a user may see: admins all, others their own."""
    endpoints = WebhookEndpoint.objects.all()
    return endpoints if has_role(viewer, Role.ADMIN) else endpoints.filter(owner=viewer.pk)
