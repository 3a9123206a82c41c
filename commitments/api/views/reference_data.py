"""Reference data: participants, agreements, guarantees, sources."""

from drf_spectacular.utils import extend_schema

from commitments import selectors
from commitments.api import serializers as s
from commitments.api.views._common import ETAG_HEADERS, ReadOnlyViewSet
from commitments.filters import GuaranteeFilter
from commitments.models import (
    Agreement,
    Guarantee,
)


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
