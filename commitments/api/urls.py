from django.urls import path, re_path
from rest_framework.routers import DefaultRouter

from commitments.api import views
from commitments.api.views.imports import StatusUpdateImportView

router = DefaultRouter()
# No `.json` suffix routes: ?format= does the same, and every request resolves through half
# as many patterns.
router.include_format_suffixes = False
router.register("participants", views.ParticipantViewSet, basename="participant")
router.register("agreements", views.AgreementViewSet, basename="agreement")
router.register("guarantees", views.GuaranteeViewSet, basename="guarantee")
router.register("sources", views.SourceViewSet, basename="source")
router.register("commitments", views.CommitmentViewSet, basename="commitment")
router.register("status-updates", views.StatusUpdateViewSet, basename="statusupdate")
router.register("audit-events", views.AuditEventViewSet, basename="auditevent")
router.register("audit/checkpoints", views.AuditCheckpointViewSet, basename="auditcheckpoint")
router.register("webhooks", views.WebhookEndpointViewSet, basename="webhookendpoint")
router.register("subscriptions", views.SubscriptionViewSet, basename="subscription")
router.register("notifications", views.NotificationViewSet, basename="notification")

app_name = "api"

urlpatterns = [
    path("changes/", views.ChangesView.as_view(), name="changes"),
    path("audit/public-key/", views.AuditPublicKeyView.as_view(), name="audit-public-key"),
    path(
        "status-updates/import/",
        StatusUpdateImportView.as_view(),
        name="statusupdate-import",
    ),
    *router.urls,
    re_path(r"", views.not_found),
]
