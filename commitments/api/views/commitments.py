"""Commitments: the live record, the record as of a day, a commitment's history."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
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
    "as_of",
    OpenApiTypes.DATE,
    description="YYYY-MM-DD: adds status_on, the status on that date (effective dates). "
    "400 when malformed or before the first pledge on record.",
)
KNOWN_ON = OpenApiParameter(
    "known_on",
    OpenApiTypes.DATE,
    description="YYYY-MM-DD: status_on as the record described it at the end of that day "
    "(site time zone), by recorded time; with as_of, what the record said that day about "
    "as_of. 400 when malformed, in the future or before the first recorded event.",
)
HISTORY_AS_OF = OpenApiParameter(
    "as_of",
    OpenApiTypes.DATE,
    description="YYYY-MM-DD: only events effective on or before that day (an event with no "
    "effective date counts from when it was recorded). 400 when malformed or before the "
    "first pledge on record.",
)
HISTORY_KNOWN_ON = OpenApiParameter(
    "known_on",
    OpenApiTypes.DATE,
    description="YYYY-MM-DD: only events recorded by the end of that day (site time zone). "
    "400 when malformed, in the future or before the first recorded event.",
)


@extend_schema(parameters=[*ETAG_HEADERS, AS_OF, KNOWN_ON])
class CommitmentViewSet(ReadOnlyViewSet):
    serializer_class = s.CommitmentSerializer
    filterset_class = CommitmentFilter

    def _date(self, name: str) -> datetime.date | None:
        value = self.request.query_params.get(name)
        if value is None:
            return None
        field = serializers.DateField()
        try:
            if message := formats.refusal(field, value):
                raise serializers.ValidationError([message])
            return field.to_internal_value(value)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({name: error.detail}) from error

    def dates(self) -> tuple[datetime.date | None, datetime.date | None]:
        """as_of and known_on, checked once per request: well formed, not before the record
        began, known_on not in the future."""
        if not hasattr(self, "_dates"):
            as_of, known_on = self._date("as_of"), self._date("known_on")
            if known_on is not None and known_on > timezone.localdate():
                raise serializers.ValidationError(
                    {"known_on": [_("The date is in the future: the record cannot say yet.")]}
                )
            if as_of is not None or known_on is not None:
                bounds = selectors.record_bounds()
                if as_of is not None and (
                    bounds.first_effective is None or as_of < bounds.first_effective
                ):
                    raise serializers.ValidationError(
                        {"as_of": [_("The date is before the first pledge on record.")]}
                    )
                if known_on is not None and (
                    bounds.first_recorded is None
                    or selectors.end_of_day(known_on) < bounds.first_recorded
                ):
                    raise serializers.ValidationError(
                        {"known_on": [_("The date is before the first recorded event.")]}
                    )
            self._dates = (as_of, known_on)
        return self._dates

    def get_queryset(self):
        # The history filters its events by the dates, not the commitment.
        as_of, known_on = (None, None) if self.action == "history" else self.dates()
        if as_of is None and known_on is None:
            queryset = selectors.commitment_list()
        else:
            queryset = selectors.commitments_in_view(
                day=as_of,
                known_at=selectors.end_of_day(known_on) if known_on is not None else None,
            )
        return queryset.order_by("pk")

    def list_response(self, request, queryset):
        """The list's rows come straight from .values(): the same fields as
        CommitmentSerializer (COMMITMENT_FIELDS), without a serializer per row."""
        lookups = dict(s.COMMITMENT_FIELDS)
        as_of = any(day is not None for day in self.dates())
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
        parameters=[HISTORY_AS_OF, HISTORY_KNOWN_ON],
        responses={200: s.AuditEventSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        """The commitment's timeline, oldest first; with as_of and known_on, the events
        effective by as_of and recorded by the end of known_on."""
        as_of, known_on = self.dates()
        commitment = self.get_object()
        etag = list_etag(request)
        if matches(request, etag):
            return not_modified(etag)
        events = selectors.commitment_history(
            commitment=commitment,
            viewer=request.user,
            as_of=as_of,
            known_at=selectors.end_of_day(known_on) if known_on is not None else None,
        )
        return Response(s.AuditEventSerializer(events, many=True).data, headers={"ETag": etag})
