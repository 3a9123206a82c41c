"""The production URLconf plus two reference endpoints that exist only for the benchmark
(bench/api_throughput.py): they never ship in tracker/urls.py.

/bench/bare/   (a) a bare Django view returning a small JSON object (no DRF, no database).
/bench/stock/  (b) what most projects ship: a stock DRF ListAPIView, a plain ModelSerializer
               (one instance and one serializer pass per row) and select_related, with the same
               authentication, permission, throttle, renderer and filter backend as the real
               API (the project's REST_FRAMEWORK defaults), DRF's stock LimitOffsetPagination,
               and the same 21 output fields as GET /api/v1/commitments/, so (b) and (c)
               answer the same JSON.
"""

from django.http import JsonResponse
from django.urls import path
from rest_framework import generics, pagination, serializers

from commitments.models import Commitment
from tracker.urls import urlpatterns as tracker_urlpatterns


def bare(request):
    return JsonResponse({"ok": True, "service": "commitment-tracker", "version": 1})


class StockCommitmentSerializer(serializers.ModelSerializer):
    participant = serializers.CharField(source="participant.code")
    participant_name = serializers.CharField(source="participant.name")
    guarantee = serializers.CharField(source="guarantee.slug")
    agreement = serializers.CharField(source="guarantee.agreement.slug")
    domain = serializers.CharField(source="guarantee.domain")

    class Meta:
        model = Commitment
        fields = [
            "id",
            "participant",
            "participant_name",
            "guarantee",
            "agreement",
            "domain",
            "status",
            "status_date",
            "status_changed_at",
            "version",
            "subject_to_ratification",
            "pledged_on",
            "signed_on",
            "in_parliament_on",
            "ratified_on",
            "in_force_on",
            "rejected_on",
            "withdrawn_on",
            "notes",
            "is_sample",
            "updated_at",
        ]


class StockCommitmentList(generics.ListAPIView):
    queryset = Commitment.objects.select_related(
        "participant", "guarantee", "guarantee__agreement"
    ).order_by("pk")
    serializer_class = StockCommitmentSerializer
    pagination_class = pagination.LimitOffsetPagination


urlpatterns = [
    path("bench/bare/", bare, name="bench-bare"),
    path("bench/stock/", StockCommitmentList.as_view(), name="bench-stock"),
    *tracker_urlpatterns,
]
