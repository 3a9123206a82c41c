"""Django's error views, answered in the API's error shape under /api/, and as pages in the
site's layout elsewhere."""

from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.csrf import csrf_failure as django_csrf_failure

from tracker.middleware import request_id


def server_error(request: HttpRequest) -> HttpResponse:
    """An unhandled exception (DEBUG off): JSON under /api/, naming the request id the logs
    carry; elsewhere templates/500.html, which needs no request, context processor or
    database (whatever failed may fail again), naming the request id too. Builds nothing
    that could fail again: a 500 page that cannot render becomes a plain one."""
    value = request_id.get()
    if request.path_info.startswith("/api/"):
        body = {"detail": "Server error.", "code": "server_error"}
        if value:
            body["request_id"] = value
        return JsonResponse(body, status=500)
    try:
        body = loader.get_template("500.html").render({"request_id": value})
    except Exception:
        body = "<!doctype html><title>Server error</title><h1>Server error (500)</h1>"
    return HttpResponseServerError(body)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form refused for its CSRF token (settings.CSRF_FAILURE_VIEW): a 403 page in the
    site's layout saying why it happens and what to do. Under /api/ the API's error shape
    (DRF checks the token of session requests itself; this answers what gets past it)."""
    if request.path_info.startswith("/api/"):
        body = {"detail": f"CSRF check failed: {reason}", "code": "csrf_failed"}
        return JsonResponse(body, status=403)
    try:
        return render(request, "403_csrf.html", {"reason": reason}, status=403)
    except Exception:
        return django_csrf_failure(request, reason=reason)
