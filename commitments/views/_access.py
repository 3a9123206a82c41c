"""Who may open a page, at the page's door: a visitor is sent to the login page (and back
afterwards), a signed-in user whose roles the page's rule refuses gets the 403 page. The
rules themselves are selectors (selectors/navigation.py), the ones the header's links use."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def page_gate(may: Callable[..., bool], refusal: Any) -> Callable[[View], View]:
    """A view decorator: the view runs for a signed-in user `may(viewer=...)` admits;
    `refusal` (a lazy text) says why anyone else may not."""

    def decorate(view: View) -> View:
        @wraps(view)
        def gated(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not may(viewer=request.user):
                raise PermissionDenied(refusal)
            return view(request, *args, **kwargs)

        return gated

    return decorate
