"""Subscriptions: each user's own, listed, created, read and deleted (anyone else's: 404)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from commitments import selectors, services
from commitments.api import serializers as s
from commitments.api.http import body_etag, idempotent, matches, not_modified
from commitments.api.views._common import ETAG_HEADERS, IDEMPOTENCY


class SubscriptionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The signed-in user's subscriptions: what each follows (participants, guarantees,
    agreements; none: every change) and how it is told (email at once, a daily digest, or
    the in-app inbox). Only one's own are listed or reachable, admins' included."""

    serializer_class = s.SubscriptionSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return selectors.subscriptions_of(user=self.request.user)

    @extend_schema(parameters=ETAG_HEADERS)
    def list(self, request, *args, **kwargs):
        # The ETag is the page's own content: subscriptions are not in the audit chain whose
        # head keys the record's lists (ConditionalMixin), so that key would not move.
        response = super().list(request, *args, **kwargs)
        etag = body_etag(response.data)
        if matches(request, etag):
            return not_modified(etag)
        response["ETag"] = etag
        return response

    @extend_schema(parameters=ETAG_HEADERS)
    def retrieve(self, request, *args, **kwargs):
        data = self.get_serializer(self.get_object()).data
        etag = body_etag(data)
        if matches(request, etag):
            return not_modified(etag)
        return Response(data, headers={"ETag": etag})

    @extend_schema(
        request=s.SubscriptionCreateSerializer,
        responses={201: s.SubscriptionSerializer},
        parameters=[IDEMPOTENCY],
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        """Follow: a refusal (e-mail without an address on the account, the same
        subscription twice) is a 400 naming the field."""
        payload = s.SubscriptionCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        subscription = services.subscription_create(user=request.user, **payload.validated_data)
        subscription = self.get_queryset().get(pk=subscription.pk)
        data = s.SubscriptionSerializer(subscription).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request, pk=None):
        """Stop following: delete one of one's own subscriptions."""
        subscription = get_object_or_404(self.get_queryset(), pk=pk)
        services.subscription_delete(subscription=subscription, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
