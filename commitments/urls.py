from django.urls import path, register_converter
from django.views.decorators.http import require_safe

from commitments import feeds
from commitments.views import (
    audit_log,
    changes,
    imports,
    inbox,
    matrix,
    record,
    review,
    subscriptions,
    updates,
    webhooks,
)


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
    # propose: an analyst's updates
    path(
        "commitments/<int:pk>/propose/",
        updates.UpdateProposeView.as_view(),
        name="update_propose",
    ),
    path("my/updates/", updates.MyUpdatesView.as_view(), name="my_updates"),
    path("my/updates/source-form/", updates.SourceFormView.as_view(), name="update_source_form"),
    path("my/updates/<int:pk>/edit/", updates.UpdateEditView.as_view(), name="update_edit"),
    path("my/updates/<int:pk>/submit/", updates.update_submit, name="update_submit"),
    path("my/updates/<int:pk>/delete/", updates.update_delete, name="update_delete"),
    path("my/updates/<int:pk>/withdraw/", updates.update_withdraw, name="update_withdraw"),
    # Following: the subscriptions page, and the Follow / Unfollow buttons of the record.
    path("subscriptions/", subscriptions.SubscriptionsView.as_view(), name="subscriptions"),
    path(
        "subscriptions/<int:pk>/delete/",
        subscriptions.SubscriptionDeleteView.as_view(),
        name="subscription_delete",
    ),
    path("subscriptions/follow/", subscriptions.FollowView.as_view(), name="follow"),
    path("subscriptions/unfollow/", subscriptions.UnfollowView.as_view(), name="unfollow"),
    path("import/", imports.import_page, name="import"),
    path("import/apply/", imports.import_apply, name="import_apply"),
    path("import/template.csv", imports.import_template, name="import_template"),
    path(
        "import/template.xlsx",
        imports.import_template,
        {"format": "xlsx"},
        name="import_template_xlsx",
    ),
    path("inbox/", inbox.InboxView.as_view(), name="inbox"),
    path("inbox/<int:pk>/read/", inbox.inbox_mark_read, name="inbox_mark_read"),
    path("inbox/read-all/", inbox.inbox_mark_all_read, name="inbox_mark_all_read"),
]
