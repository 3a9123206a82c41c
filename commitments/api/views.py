"""The REST API: reads through selectors and filters, writes through the services."""

import datetime

from django.core import signing
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from commitments import checkpoints, selectors, services
from commitments.api import serializers as s
from commitments.api.http import (
    ConditionalMixin,
    check_if_match,
    idempotent,
    list_etag,
    matches,
    not_modified,
    shown_once,
)
from commitments.filters import (
    AuditEventFilter,
    CommitmentFilter,
    GuaranteeFilter,
    ParticipantFilter,
    StatusUpdateFilter,
)
from commitments.models import (
    Agreement,
    AuditCheckpoint,
    Guarantee,
    Participant,
    StatusUpdate,
)
from tracker import formats

ETAG_HEADERS = [
    OpenApiParameter(
        "If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, description="an ETag: 304"
    )
]
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="replays the first response for the same key and body; 422 for another body",
)
IDEMPOTENCY_SHOWN_ONCE = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="the response carries a secret, shown only once: the same key again answers "
    "409 (secret_shown_once), never the secret; 422 for another body",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="the commitment's ETag; 412 when it changed since",
)
IF_MATCH_UPDATE = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="the update's ETag (from its GET); 412 when it changed since",
)


class ReadOnlyViewSet(ConditionalMixin, viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = "[0-9]+"


@extend_schema(parameters=ETAG_HEADERS)
class ParticipantViewSet(ReadOnlyViewSet):
    queryset = Participant.objects.order_by("code", "pk")
    serializer_class = s.ParticipantSerializer
    filterset_class = ParticipantFilter


@extend_schema(parameters=ETAG_HEADERS)
class AgreementViewSet(ReadOnlyViewSet):
    queryset = Agreement.objects.prefetch_related("sources").order_by("-signed_on", "pk")
    serializer_class = s.AgreementSerializer


@extend_schema(parameters=ETAG_HEADERS)
class GuaranteeViewSet(ReadOnlyViewSet):
    queryset = Guarantee.objects.select_related("agreement").order_by("agreement", "position", "pk")
    serializer_class = s.GuaranteeSerializer
    filterset_class = GuaranteeFilter


@extend_schema(parameters=ETAG_HEADERS)
class SourceViewSet(ReadOnlyViewSet):
    serializer_class = s.SourceSerializer

    def get_queryset(self):
        return selectors.sources_for(viewer=self.request.user).order_by("pk")


AS_OF = OpenApiParameter(
    "as_of", OpenApiTypes.DATE, description="YYYY-MM-DD: adds status_on, the status on that date"
)


@extend_schema(parameters=[*ETAG_HEADERS, AS_OF])
class CommitmentViewSet(ReadOnlyViewSet):
    serializer_class = s.CommitmentSerializer
    filterset_class = CommitmentFilter

    def as_of(self) -> datetime.date | None:
        value = self.request.query_params.get("as_of")
        if value is None:
            return None
        field = serializers.DateField()
        try:
            if message := formats.refusal(field, value):
                raise serializers.ValidationError([message])
            return field.to_internal_value(value)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({"as_of": error.detail}) from error

    def get_queryset(self):
        # The history is the same whatever the day: it reads no as_of.
        day = None if self.action == "history" else self.as_of()
        if day is None:
            queryset = selectors.commitment_list()
        else:
            queryset = selectors.commitments_as_of(day=day)
        return queryset.order_by("pk")

    def list_response(self, request, queryset):
        """The list's rows come straight from .values(): the same fields as
        CommitmentSerializer (COMMITMENT_FIELDS), without a serializer per row."""
        lookups = dict(s.COMMITMENT_FIELDS)
        as_of = self.as_of() is not None
        if as_of:
            lookups["status_on"] = "status_on"
        page = self.paginate_queryset(queryset.values_list(*lookups.values()))
        names = list(lookups)
        rows = [dict(zip(names, row, strict=True)) for row in page]
        if not as_of:
            for row in rows:
                row["status_on"] = None
        return self.get_paginated_response(rows)

    @extend_schema(
        parameters=[OpenApiParameter("as_of", exclude=True)],
        responses={200: s.AuditEventSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        """The commitment's timeline, oldest first."""
        commitment = self.get_object()
        etag = list_etag(request)
        if matches(request, etag):
            return not_modified(etag)
        events = selectors.commitment_history(commitment=commitment, viewer=request.user)
        return Response(s.AuditEventSerializer(events, many=True).data, headers={"ETag": etag})


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


class AuditCheckpointViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Signed checkpoints of the audit chain's head, newest first: readable by whoever may
    read the audit events; admins sign one on demand (a schedule signs one every hour in
    which the chain moved)."""

    serializer_class = s.AuditCheckpointSerializer
    filterset_class = None

    def get_queryset(self):
        return AuditCheckpoint.objects.order_by("-signed_at", "-pk")

    @extend_schema(request=s.EmptyInputSerializer, responses={201: s.AuditCheckpointSerializer})
    def create(self, request, *args, **kwargs):
        """Sign the chain's head now (admins only) and publish it."""
        s.EmptyInputSerializer(data=request.data).is_valid(raise_exception=True)
        checkpoint = services.audit_checkpoint_create(actor=request.user)
        return Response(checkpoints.document(checkpoint), status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: s.AuditCheckpointSerializer})
    @action(detail=False, methods=["get"], pagination_class=None)
    def latest(self, request):
        """The newest checkpoint: keep its JSON exactly as served, and check it later with
        `manage.py verify_audit --checkpoint FILE`."""
        checkpoint = checkpoints.latest()
        if checkpoint is None:
            raise Http404
        return Response(checkpoints.document(checkpoint))


class AuditPublicKeyView(APIView):
    """The key that signs the audit checkpoints: public, so anyone can check one."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: s.AuditPublicKeySerializer})
    def get(self, request):
        return Response(checkpoints.public_key_document())


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


# The sync feed ---------------------------------------------------------------------------

_cursor_signer = signing.Signer(salt="commitments.changes")


def cursor_for(sequence: int) -> str:
    return _cursor_signer.sign(str(sequence))


def sequence_of(cursor: str) -> int:
    try:
        return int(_cursor_signer.unsign(cursor))
    except (signing.BadSignature, ValueError) as error:
        raise serializers.ValidationError(
            {"after": ["This cursor was never issued by this server."]}
        ) from error


class ChangesQuerySerializer(s.StrictInputSerializer):
    after = serializers.CharField(required=False, help_text="a cursor from a previous page")
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=100)


class ChangesView(APIView):
    """Every applied status change and reference-data change, in commit order.

    Audit events are numbered under a lock held until their transaction commits, so their
    sequence is the commit order: a client that stores `next_cursor` sees each change once,
    in order, and a page costs one index range scan however long the history is.
    """

    @extend_schema(
        parameters=[ChangesQuerySerializer, *ETAG_HEADERS],
        responses={200: s.ChangesPageSerializer},
    )
    def get(self, request):
        query = ChangesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        # Read before the events, as a list's (ConditionalMixin): never a wrong 304.
        etag = list_etag(request)
        if matches(request, etag):
            return not_modified(etag)
        after = query.validated_data.get("after")
        limit = query.validated_data["limit"]
        start = sequence_of(after) if after else 0
        events = list(
            selectors.changes_for(viewer=request.user)
            .filter(sequence__gt=start)
            .order_by("sequence")
            .values_list(
                "sequence", "action", "occurred_at", "object_type", "object_id", "after", "before"
            )[: limit + 1]
        )
        has_more = len(events) > limit
        events = events[:limit]
        results = [
            {
                "cursor": cursor_for(seq),
                "sequence": seq,
                "type": action_,
                "occurred_at": occurred_at,
                "object": {"type": object_type, "id": object_id},
                "data": after_,
                "before": before_,
            }
            for seq, action_, occurred_at, object_type, object_id, after_, before_ in events
        ]
        next_cursor = results[-1]["cursor"] if results else (after or cursor_for(0))
        return Response(
            {"results": results, "next_cursor": next_cursor, "has_more": has_more},
            headers={"ETag": etag},
        )


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Any other path under the API: a 404 in the API's error shape."""
    return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
