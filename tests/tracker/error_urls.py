"""The site's URLs plus three views that fail on purpose, for the error page tests."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_protect

from tracker.urls import urlpatterns as site_urlpatterns


def boom(request):
    raise RuntimeError("A bug, on purpose.")


def forbidden(request):
    raise PermissionDenied


@csrf_protect
def form(request):
    return HttpResponse("sent")


urlpatterns = [
    path("boom/", boom),
    path("api/v1/boom/", boom),
    path("forbidden/", forbidden),
    path("form/", form),
    *site_urlpatterns,
]

handler500 = "tracker.errors.server_error"
