"""What commitments tells operators: the gauges of /metrics and the readiness check of the
audit head watcher (/readyz). Registered with tracker (which knows no app) when the apps are
ready (commitments.apps)."""

from collections.abc import Iterator

from django.utils import timezone

from commitments import headwatch, selectors
from tracker import health, metrics


def gauges() -> Iterator[metrics.Sample]:
    """The gauges read at each scrape: four queries (two counts of the outbox, the review
    queue, the newest checkpoint)."""
    counts = selectors.outbox_counts()
    for (queue, state), n in counts.items():
        if state == "pending":
            yield (
                "tracker_outbox_pending",
                "Outbox rows owed and not yet delivered, by queue (email, digest, webhook).",
                {"queue": queue},
                n,
            )
    for (queue, state), n in counts.items():
        if state == "failed":
            yield (
                "tracker_outbox_failed",
                "Outbox rows given up on after their last attempt, by queue.",
                {"queue": queue},
                n,
            )
    yield (
        "tracker_reviews_pending",
        "Status updates submitted and waiting for a reviewer's decision.",
        {},
        selectors.pending_review_count(),
    )
    signed_at = selectors.latest_checkpoint_signed_at()
    if signed_at is not None:
        yield (
            "tracker_audit_checkpoint_age_seconds",
            "Seconds since the newest signed checkpoint of the audit chain (signed on the "
            "schedule only when the chain moved).",
            {},
            (timezone.now() - signed_at).total_seconds(),
        )


def register() -> None:
    metrics.register_gauges(gauges)
    health.register_check("audit_head_watcher", headwatch.readiness)
