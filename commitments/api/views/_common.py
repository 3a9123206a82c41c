"""What the API's views share: the documented headers and parameters, the read-only base."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets

from commitments.api import serializers as s
from commitments.api.http import ConditionalMixin
from commitments.filters import ParticipantFilter
from commitments.models import Participant

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
