"""Commitments: the live record, the record as of a day, a commitment's history."""

import datetime

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from commitments import selectors
from commitments.api import serializers as s
from commitments.api.http import (
    list_etag,
    matches,
    not_modified,
)
from commitments.api.views._common import ETAG_HEADERS, ReadOnlyViewSet
from commitments.filters import CommitmentFilter
from tracker import formats

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
