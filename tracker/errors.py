"""Django's error views, answered in the API's error shape under /api/."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from tracker.middleware import request_id


def server_error(request: HttpRequest) -> HttpResponse:
    """An unhandled exception (DEBUG off): JSON under /api/, naming the request id the logs
    carry; Django's own page elsewhere. Builds nothing that could fail again."""
    if request.path_info.startswith("/api/"):
        body = {"detail": "Server error.", "code": "server_error"}
        if value := request_id.get():
            body["request_id"] = value
        return JsonResponse(body, status=500)
    return defaults.server_error(request)
