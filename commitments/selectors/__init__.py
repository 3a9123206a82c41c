"""Shared reads: the pages, the API and the commands ask these, not the ORM directly."""

from commitments.selectors.audit_log import (
    AuditLogEntry,
    FieldChange,
    audit_events_for,
    audit_log,
    audit_log_entries,
    commitment_history,
)
from commitments.selectors.changes import change_rows, changes_for
from commitments.selectors.days import end_of_day
from commitments.selectors.matrix import (
    Matrix,
    RecordBounds,
    matrix_agreements,
    record_bounds,
    record_matrix,
)
from commitments.selectors.navigation import NavLink, nav_links_for, role_labels_for
from commitments.selectors.notifications import (
    admins,
    notification_inbox,
    notification_unread_count,
    reviewers,
)
from commitments.selectors.operations import (
    latest_audit_verification,
    latest_checkpoint_signed_at,
    outbox_counts,
    pending_review_count,
)
from commitments.selectors.pages import (
    PARTICIPANT_TIMELINE_LIMIT,
    agreement_guarantees,
    agreement_lookup,
    agreement_progress,
    agreement_totals,
    commitment_ladder,
    commitment_lookup,
    commitment_pending_count,
    commitment_timeline,
    guarantee_commitments,
    guarantee_lookup,
    guarantee_progress,
    participant_commitments,
    participant_lookup,
    participant_timeline,
    status_counts_over_time,
    status_label,
    totals_of,
)
from commitments.selectors.record import agreement_overview, commitment_list, sources_for
from commitments.selectors.record_changes import (
    RecordChange,
    record_changes,
    record_has_sample_data,
)
from commitments.selectors.review import review_queue_for, status_updates_for
from commitments.selectors.review_queue import (
    ReviewRow,
    RowNote,
    overtaking_changes,
    review_rows_for,
)
from commitments.selectors.timeline import (
    commitments_as_of,
    commitments_in_view,
    commitments_known_at,
    status_events_standing,
)
from commitments.selectors.webhooks import (
    RECENT_DELIVERIES,
    webhook_deliveries_owned,
    webhook_endpoints_for,
    webhook_endpoints_owned,
)

__all__ = [
    "PARTICIPANT_TIMELINE_LIMIT",
    "RECENT_DELIVERIES",
    "AuditLogEntry",
    "FieldChange",
    "Matrix",
    "NavLink",
    "RecordBounds",
    "RecordChange",
    "ReviewRow",
    "RowNote",
    "admins",
    "agreement_guarantees",
    "agreement_lookup",
    "agreement_overview",
    "agreement_progress",
    "agreement_totals",
    "audit_events_for",
    "audit_log",
    "audit_log_entries",
    "change_rows",
    "changes_for",
    "commitment_history",
    "commitment_ladder",
    "commitment_list",
    "commitment_lookup",
    "commitment_pending_count",
    "commitment_timeline",
    "commitments_as_of",
    "commitments_in_view",
    "commitments_known_at",
    "end_of_day",
    "guarantee_commitments",
    "guarantee_lookup",
    "guarantee_progress",
    "latest_audit_verification",
    "latest_checkpoint_signed_at",
    "matrix_agreements",
    "nav_links_for",
    "notification_inbox",
    "notification_unread_count",
    "outbox_counts",
    "overtaking_changes",
    "participant_commitments",
    "participant_lookup",
    "participant_timeline",
    "pending_review_count",
    "record_bounds",
    "record_changes",
    "record_has_sample_data",
    "record_matrix",
    "review_queue_for",
    "review_rows_for",
    "reviewers",
    "role_labels_for",
    "sources_for",
    "status_counts_over_time",
    "status_events_standing",
    "status_label",
    "status_updates_for",
    "totals_of",
    "webhook_deliveries_owned",
    "webhook_endpoints_for",
    "webhook_endpoints_owned",
]
