"""Webhook endpoints: each user's own (admins see all); secrets are shown once."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from commitments import selectors, services
from commitments.api import serializers as s
from commitments.api.http import (
    ConditionalMixin,
    idempotent,
    shown_once,
)
from commitments.api.views._common import ETAG_HEADERS, IDEMPOTENCY_SHOWN_ONCE


class WebhookEndpointViewSet(
    ConditionalMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Receivers of signed status-change webhooks (Standard Webhooks): each user sees and
    manages their own; admins see all."""

    serializer_class = s.WebhookEndpointSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return (
            selectors.webhook_endpoints_for(viewer=self.request.user)
            .prefetch_related("participants", "guarantees", "agreements")
            .order_by("pk")
        )

    @extend_schema(parameters=ETAG_HEADERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(parameters=ETAG_HEADERS)
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        request=s.WebhookEndpointCreateSerializer,
        responses={201: s.WebhookEndpointCreatedSerializer},
        parameters=[IDEMPOTENCY_SHOWN_ONCE],
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        payload = s.WebhookEndpointCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        endpoint, secret = services.webhook_endpoint_create(
            owner=request.user, **payload.validated_data
        )
        endpoint = self.get_queryset().get(pk=endpoint.pk)
        data = s.WebhookEndpointSerializer(endpoint).data
        return shown_once(Response({**data, "secret": secret}, status=status.HTTP_201_CREATED))

    @extend_schema(
        request=s.WebhookEndpointUpdateSerializer, responses={200: s.WebhookEndpointSerializer}
    )
    def partial_update(self, request, pk=None):
        """Change an own endpoint: switch it off (`is_active: false`) or on again, or change
        its URL, description, event types or filters; the secret stays."""
        endpoint = get_object_or_404(self.get_queryset(), pk=pk)
        payload = s.WebhookEndpointUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        endpoint = services.webhook_endpoint_update(
            endpoint=endpoint, actor=request.user, **payload.validated_data
        )
        endpoint = self.get_queryset().get(pk=endpoint.pk)
        return Response(s.WebhookEndpointSerializer(endpoint).data)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request, pk=None):
        """Delete an own endpoint for good, with its deliveries."""
        endpoint = get_object_or_404(self.get_queryset(), pk=pk)
        services.webhook_endpoint_delete(endpoint=endpoint, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=s.EmptyInputSerializer,
        responses={200: s.WebhookSecretSerializer},
        parameters=[IDEMPOTENCY_SHOWN_ONCE],
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    @idempotent
    def rotate_secret(self, request, pk=None):
        """A new secret, shown only now; the old one still signs for a grace period."""
        s.EmptyInputSerializer(data=request.data).is_valid(raise_exception=True)
        endpoint = get_object_or_404(self.get_queryset(), pk=pk)
        secret = services.webhook_endpoint_rotate_secret(endpoint=endpoint, actor=request.user)
        return shown_once(Response({"secret": secret}))
