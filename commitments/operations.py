"""What commitments tells operators: the gauges of /metrics and the readiness check of the
audit head watcher (/readyz). Registered with tracker (which knows no app) when the apps are
ready (commitments.apps)."""

from collections.abc import Iterator

from django.utils import timezone

from commitments import headwatch, selectors
from tracker import health, metrics


def gauges() -> Iterator[metrics.Sample]:
    """The gauges read at each scrape: five queries (two counts of the outbox, the review
    queue, the newest checkpoint, the newest verification)."""
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
    # Left out, not made up, before the first: an alert on absent() catches a tracker
    # that never verified.
    verification = selectors.latest_audit_verification()
    if verification is not None:
        yield (
            "tracker_audit_verification_age_seconds",
            "Seconds since the newest verification of the audit chain finished (beat runs one "
            "every AUDIT_VERIFY_SECONDS; verify_audit records one too).",
            {},
            (timezone.now() - verification.finished_at).total_seconds(),
        )
        yield (
            "tracker_audit_verification_ok",
            "1 if the newest verification found the audit chain intact, 0 if it found it broken.",
            {},
            1 if verification.ok else 0,
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
