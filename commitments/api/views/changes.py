"""The sync feed (/api/v1/changes/): applied changes after a signed cursor."""

from django.core import signing
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from commitments import selectors
from commitments.api import serializers as s
from commitments.api.http import (
    list_etag,
    matches,
    not_modified,
)
from commitments.api.views._common import ETAG_HEADERS

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
        events = selectors.change_rows(viewer=request.user, after=start, limit=limit + 1)
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
