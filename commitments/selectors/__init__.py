"""Shared reads: the pages, the API and the commands ask these, not the ORM directly."""

from commitments.selectors.audit_log import audit_events_for, commitment_history
from commitments.selectors.changes import change_rows, changes_for
from commitments.selectors.days import end_of_day
from commitments.selectors.matrix import (
    Matrix,
    RecordBounds,
    matrix_agreements,
    record_bounds,
    record_matrix,
)
from commitments.selectors.notifications import (
    notification_inbox,
    notification_unread_count,
    reviewers,
)
from commitments.selectors.record import agreement_overview, commitment_list, sources_for
from commitments.selectors.review import review_queue_for, status_updates_for
from commitments.selectors.timeline import (
    commitments_as_of,
    commitments_in_view,
    commitments_known_at,
    status_events_standing,
)
from commitments.selectors.webhooks import webhook_endpoints_for

__all__ = [
    "Matrix",
    "RecordBounds",
    "agreement_overview",
    "audit_events_for",
    "change_rows",
    "changes_for",
    "commitment_history",
    "commitment_list",
    "commitments_as_of",
    "commitments_in_view",
    "commitments_known_at",
    "end_of_day",
    "matrix_agreements",
    "notification_inbox",
    "notification_unread_count",
    "record_bounds",
    "record_matrix",
    "review_queue_for",
    "reviewers",
    "sources_for",
    "status_events_standing",
    "status_updates_for",
    "webhook_endpoints_for",
]
