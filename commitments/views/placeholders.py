"""Placeholder: detail pages come from the "pages" branch. Each answers 404 until merged."""

from django.http import Http404, HttpRequest, HttpResponse


def not_yet(request: HttpRequest, **kwargs) -> HttpResponse:
    raise Http404("This page is not built yet.")
