from django.urls import path, register_converter
from django.views.decorators.http import require_safe

from commitments import feeds
from commitments.views import audit_log, changes, inbox, matrix, record, review, webhooks


class ParticipantCodeConverter:
    """A participant's code in any case (fr, Fr, FR), upper-cased as the record stores it;
    anything else is no participant's code, so the URL does not match (a 404)."""

    regex = "[A-Za-z][A-Za-z0-9]{1,9}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value


register_converter(ParticipantCodeConverter, "participant_code")

app_name = "commitments"


urlpatterns = [
    path("", matrix.MatrixView.as_view(), name="home"),
    path("exports/matrix.<str:format>", matrix.MatrixExportView.as_view(), name="matrix_export"),
    path(
        "participants/<participant_code:code>/",
        record.ParticipantDetailView.as_view(),
        name="participant_detail",
    ),
    path("guarantees/<slug:slug>/", record.GuaranteeDetailView.as_view(), name="guarantee_detail"),
    path("agreements/<slug:slug>/", record.AgreementDetailView.as_view(), name="agreement_detail"),
    path("commitments/<int:pk>/", record.CommitmentDetailView.as_view(), name="commitment_detail"),
    path("changes/", changes.ChangesView.as_view(), name="changes"),
    path("changes/feed/", require_safe(feeds.RecordChangesFeed()), name="changes_feed"),
    path(
        "participants/<participant_code:code>/feed/",
        require_safe(feeds.ParticipantFeed()),
        name="participant_feed",
    ),
    path(
        "guarantees/<slug:slug>/feed/", require_safe(feeds.GuaranteeFeed()), name="guarantee_feed"
    ),
    path(
        "agreements/<slug:slug>/feed/", require_safe(feeds.AgreementFeed()), name="agreement_feed"
    ),
    # helper audit: the audit log and the webhooks page
    path("audit/", audit_log.AuditLogView.as_view(), name="audit_log"),
    path("webhooks/", webhooks.webhooks, name="webhooks"),
    path("webhooks/<int:pk>/activity/", webhooks.webhook_activity, name="webhook_activity"),
    path("webhooks/<int:pk>/rotate-secret/", webhooks.webhook_rotate, name="webhook_rotate"),
    path("webhooks/<int:pk>/delete/", webhooks.webhook_delete, name="webhook_delete"),
    path("webhooks/deliveries/<int:pk>/resend/", webhooks.webhook_resend, name="webhook_resend"),
    path("review/", review.ReviewQueueView.as_view(), name="review_queue"),
    path("review/approve-selected/", review.review_bulk_approve, name="review_bulk_approve"),
    path("review/<int:pk>/decide/", review.review_decide, name="review_decide"),
    path("inbox/", inbox.InboxView.as_view(), name="inbox"),
    path("inbox/<int:pk>/read/", inbox.inbox_mark_read, name="inbox_mark_read"),
    path("inbox/read-all/", inbox.inbox_mark_all_read, name="inbox_mark_all_read"),
]
