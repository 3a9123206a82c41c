"""The inbox: each user's own in-app notifications, newest first; mark one or all read."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from commitments import selectors, services
from commitments.api import serializers as s
from commitments.filters import NotificationFilter


class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The signed-in user's in-app notifications, newest first: their updates approved,
    rejected or gone stale, updates waiting for their review, the commitments they follow.
    Another user's notification is a 404, whoever asks. No ETags: reading one changes it,
    and no audit event says so."""

    serializer_class = s.NotificationSerializer
    filterset_class = NotificationFilter
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return selectors.notification_inbox(user=self.request.user)

    @extend_schema(request=s.EmptyInputSerializer, responses={200: s.NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark the notification read (again: no change)."""
        s.EmptyInputSerializer(data=request.data).is_valid(raise_exception=True)
        notification = get_object_or_404(self.get_queryset(), pk=pk)
        notification = services.notification_mark_read(notification=notification, user=request.user)
        return Response(s.NotificationSerializer(notification).data)

    @extend_schema(request=s.EmptyInputSerializer, responses={200: s.NotificationsReadSerializer})
    @action(detail=False, methods=["post"], url_path="read-all", filterset_class=None)
    def read_all(self, request):
        """Mark every unread notification read; answers how many were."""
        s.EmptyInputSerializer(data=request.data).is_valid(raise_exception=True)
        count = services.notifications_mark_all_read(user=request.user)
        return Response({"count": count})
