from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularSwaggerSplitView,
)

from tracker import health, metrics

urlpatterns = [
    path("api/v1/", include("commitments.api.urls")),  # first: most requests are for the API
    # Operations (tracker.health.PATHS): probes and the Prometheus scrape.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("accounts.urls")),  # the password change
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI's settings come from a script of their own (/api/docs/?script), and its
    # page's style from a file: the CSP refuses inline scripts and styles.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
    path("", include("commitments.urls")),
]

handler500 = "tracker.errors.server_error"
