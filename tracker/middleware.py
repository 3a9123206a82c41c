"""Request id: taken from X-Request-ID when a proxy sets one, made up otherwise; and the
login the record's pages need when RECORD_PUBLIC is off."""

import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse

request_id: ContextVar[str] = ContextVar("request_id", default="")
_VALID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        value = incoming if _VALID.match(incoming) else uuid.uuid4().hex
        token = request_id.set(value)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response["X-Request-ID"] = value
        return response


# Paths that stay open when RECORD_PUBLIC is off: signing in and out, the admin (its own
# login), the API (its own authentication: bearer tokens, sessions) and its documentation,
# and the static files.
RECORD_PUBLIC_EXEMPT = ("/login/", "/logout/", "/admin/", "/api/", "/static/")


class RecordPublicMiddleware:
    """With settings.RECORD_PUBLIC false, every page but the exempt ones (the record's pages,
    feeds, exports) redirects an anonymous visitor to the login page, and back after it.
    Read on each request, so a test or an override changes it without a restart."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            not settings.RECORD_PUBLIC
            and not request.user.is_authenticated
            and not request.path_info.startswith(RECORD_PUBLIC_EXEMPT)
        ):
            # Imported here: the audit chain imports this module for the request id, and
            # auth's views pull in forms and models it has no use for.
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        return self.get_response(request)
