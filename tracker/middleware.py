"""Request id: taken from X-Request-ID when a proxy sets one, made up otherwise; the access
log line of each request (logger "tracker.access"); the login the record's pages need
when RECORD_PUBLIC is off; and htmx requests sent to the login page as a whole page."""

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.functional import LazyObject, empty
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

from tracker import health

request_id: ContextVar[str] = ContextVar("request_id", default="")
current_request: ContextVar[HttpRequest | None] = ContextVar("current_request", default=None)
_VALID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
access_logger = logging.getLogger("tracker.access")
# Probed every few seconds by load balancers: their lines only at DEBUG.
QUIET_PATHS = frozenset(health.PATHS)


def valid_request_id(value: str | None) -> bool:
    return bool(value) and _VALID.match(value) is not None


def user_id_of(request: HttpRequest) -> int | None:
    """The signed-in user's id, if something in the request already looked the user up
    (the session's user is looked up lazily: looking it up here would cost a query)."""
    user = request.__dict__.get("user")
    if user is None or (isinstance(user, LazyObject) and user._wrapped is empty):
        return None
    return user.pk if user.is_authenticated else None


def current_user_id() -> int | None:
    request = current_request.get()
    return user_id_of(request) if request is not None else None


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        value = incoming if valid_request_id(incoming) else uuid.uuid4().hex
        request.request_id = value  # for lines logged after this returns (django.request's)
        token = request_id.set(value)
        request_token = current_request.set(request)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            self.log(request, response, duration_ms)
        finally:
            current_request.reset(request_token)
            request_id.reset(token)
        response["X-Request-ID"] = value
        return response

    @staticmethod
    def log(request: HttpRequest, response: HttpResponse, duration_ms: float) -> None:
        level = logging.DEBUG if request.path in QUIET_PATHS else logging.INFO
        access_logger.log(
            level,
            "%s %s %s %.1f ms",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
            },
        )


# Paths that stay open when RECORD_PUBLIC is off: signing in and out, the admin (its own
# login), the API (its own authentication: bearer tokens, sessions) and its documentation,
# the static files, and the probes (load balancers and Prometheus do not sign in).
RECORD_PUBLIC_EXEMPT = ("/login/", "/logout/", "/admin/", "/api/", "/static/", *QUIET_PATHS)


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


class HtmxLoginRedirectMiddleware:
    """An htmx request answered with a redirect to the login page (a session that expired
    while the page was open) gets HX-Redirect instead: the browser goes to the login page,
    and back to the page it was on after it, rather than htmx swapping the login form into
    the row it meant to redraw. Other answers pass through unchanged."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.headers.get("HX-Request") == "true"
            and response.status_code in (301, 302, 303, 307, 308)
            and _is_login_url(response.get("Location", ""))
        ):
            from django.contrib.auth.views import redirect_to_login

            return HttpResponseClientRedirect(redirect_to_login(_page_of(request))["Location"])
        return response


def _is_login_url(location: str) -> bool:
    from django.shortcuts import resolve_url

    return urlsplit(location).path == urlsplit(resolve_url(settings.LOGIN_URL)).path


def _page_of(request: HttpRequest) -> str:
    """The page the htmx request came from (HX-Current-URL, on this site only), to come back
    to after signing in; else the requested path, if a GET (a POST endpoint has no page)."""
    current = request.headers.get("HX-Current-URL", "")
    if current and url_has_allowed_host_and_scheme(
        current, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(current)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.get_full_path() if request.method == "GET" else "/"
