from django.http import Http404
from django.urls import path

from commitments.views import matrix

app_name = "commitments"


def _placeholder(request, **kwargs):
    raise Http404("This page comes with the detail pages.")


urlpatterns = [
    path("", matrix.MatrixView.as_view(), name="home"),
    path("exports/matrix.<str:format>", matrix.MatrixExportView.as_view(), name="matrix_export"),
    # placeholder: detail pages come from the "pages" branch
    path("participants/<str:code>/", _placeholder, name="participant_detail"),
    # placeholder: detail pages come from the "pages" branch
    path("guarantees/<slug:slug>/", _placeholder, name="guarantee_detail"),
    # placeholder: detail pages come from the "pages" branch
    path("commitments/<int:pk>/", _placeholder, name="commitment_detail"),
]
