"""Status updates: drafts, submission, withdrawal, and the review (approve, reject)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from commitments import selectors, services
from commitments.api import serializers as s
from commitments.api.http import (
    ConditionalMixin,
    check_if_match,
    idempotent,
)
from commitments.api.views._common import (
    ETAG_HEADERS,
    IDEMPOTENCY,
    IF_MATCH,
    IF_MATCH_UPDATE,
    ReadOnlyViewSet,
)
from commitments.filters import (
    AuditEventFilter,
    StatusUpdateFilter,
)
from commitments.models import StatusUpdate


class StatusUpdateViewSet(
    ConditionalMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.StatusUpdateSerializer
    filterset_class = StatusUpdateFilter
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return (
            selectors.status_updates_for(viewer=self.request.user)
            .select_related("proposed_by", "reviewed_by")
            .prefetch_related("sources")
            .order_by("pk")
        )

    @extend_schema(parameters=ETAG_HEADERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(parameters=ETAG_HEADERS)
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    def respond(self, update: StatusUpdate, code: int = status.HTTP_200_OK) -> Response:
        update = self.get_queryset().get(pk=update.pk)
        return Response(s.StatusUpdateSerializer(update).data, status=code)

    @extend_schema(
        request=s.UpdateCreateSerializer,
        responses={201: s.StatusUpdateSerializer},
        parameters=[IDEMPOTENCY],
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        payload = s.UpdateCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        update = services.update_create(
            commitment=data.pop("commitment"), author=request.user, **data
        )
        return self.respond(update, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.UpdateEditSerializer,
        responses={200: s.StatusUpdateSerializer},
        parameters=[IF_MATCH_UPDATE],
    )
    def partial_update(self, request, pk=None):
        """Edit an own draft; it is rewritten against the commitment's current version."""
        update = self.pending(pk)
        payload = s.UpdateEditSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        check_if_match(request, lambda: s.StatusUpdateSerializer(update).data)
        update = services.update_edit(update=update, author=request.user, **payload.validated_data)
        return self.respond(update)

    @extend_schema(request=None, responses={204: None}, parameters=[IF_MATCH_UPDATE])
    def destroy(self, request, pk=None):
        """Delete an own draft (a submitted update is withdrawn instead, and kept)."""
        update = self.pending(pk)
        check_if_match(request, lambda: s.StatusUpdateSerializer(update).data)
        services.update_delete(update=update, author=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def commitment_shown(self, update: StatusUpdate) -> dict:
        """The update's commitment as GET /commitments/{id}/ shows it (for If-Match)."""
        commitment = selectors.commitment_list().get(pk=update.commitment_id)
        return s.CommitmentSerializer(commitment).data

    def pending(self, pk) -> StatusUpdate:
        return get_object_or_404(self.get_queryset(), pk=pk)

    def authors_step(self, request, pk, service) -> Response:
        """submit and withdraw: no input; the author moves their own update on."""
        s.EmptyInputSerializer(data=request.data).is_valid(raise_exception=True)
        return self.respond(service(update=self.pending(pk), author=request.user))

    def review_input(self, request, pk) -> tuple[StatusUpdate, dict]:
        """The update to decide and the reviewer's input, once If-Match has been checked."""
        update = self.pending(pk)
        payload = s.UpdateReviewSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        check_if_match(request, lambda: self.commitment_shown(update))
        return update, payload.validated_data

    @extend_schema(
        request=s.EmptyInputSerializer,
        responses={200: s.StatusUpdateSerializer},
        parameters=[IDEMPOTENCY],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def submit(self, request, pk=None):
        return self.authors_step(request, pk, services.update_submit)

    @extend_schema(
        request=s.EmptyInputSerializer,
        responses={200: s.StatusUpdateSerializer},
        parameters=[IDEMPOTENCY],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def withdraw(self, request, pk=None):
        return self.authors_step(request, pk, services.update_withdraw)

    @extend_schema(
        request=s.UpdateReviewSerializer,
        responses={200: s.CommitmentSerializer},
        parameters=[IDEMPOTENCY, IF_MATCH],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def approve(self, request, pk=None):
        update, review = self.review_input(request, pk)
        services.update_approve(update=update, reviewer=request.user, **review)
        return Response(self.commitment_shown(update))

    @extend_schema(
        request=s.UpdateReviewSerializer,
        responses={200: s.StatusUpdateSerializer},
        parameters=[IDEMPOTENCY, IF_MATCH],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def reject(self, request, pk=None):
        update, review = self.review_input(request, pk)
        update = services.update_reject(update=update, reviewer=request.user, **review)
        return self.respond(update)


@extend_schema(parameters=ETAG_HEADERS)
class AuditEventViewSet(ReadOnlyViewSet):
    """The audit history: admins read all of it; others all but accounts, tokens, webhook
    endpoints and other people's drafts."""

    serializer_class = s.AuditEventSerializer
    filterset_class = AuditEventFilter
    lookup_field = "sequence"

    def get_queryset(self):
        return selectors.audit_events_for(viewer=self.request.user).order_by("sequence")
