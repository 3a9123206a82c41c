"""Every notification's payload and title, built once: the outbox and the channels read them."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import orjson
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments import audit
from commitments.choices import (
    CommitmentStatus,
    DeliveryState,
    NotificationChannel,
    NotificationKind,
)
from commitments.models import (
    AuditEvent,
    Commitment,
    Notification,
    StatusUpdate,
)
from commitments.models import notifications as models_notifications

STATUS_CHANGED_TYPE = models_notifications.STATUS_CHANGED_TYPE

# Payloads and titles --------------------------------------------------------------------


def _participant(commitment: Commitment) -> dict[str, Any]:
    participant = commitment.participant
    return {"id": participant.pk, "code": participant.code, "name": participant.name}


def _guarantee(commitment: Commitment) -> dict[str, Any]:
    guarantee = commitment.guarantee
    return {
        "id": guarantee.pk,
        "slug": guarantee.slug,
        "title": guarantee.title,
        "domain": guarantee.domain,
        "agreement": {"id": guarantee.agreement_id, "slug": guarantee.agreement.slug},
    }


def update_data(update: StatusUpdate) -> dict[str, Any]:
    return {
        "id": update.pk,
        "state": update.state,
        "proposed_status": update.proposed_status,
        "effective_date": update.effective_date,
        "summary": update.summary,
        "is_correction": update.is_correction,
        "correction_reason": update.correction_reason,
        "corrects": update.corrects_id,
        "base_version": update.base_version,
        "proposed_by": update.proposed_by.get_username(),
        "review_comment": update.review_comment,
    }


def event_data(*, event: AuditEvent, commitment: Commitment, update: StatusUpdate) -> dict:
    """What every notification of an event carries (JSON-ready): the commitment, its
    participant and guarantee, before and after, the update, its reviewer and sources."""
    sources = [
        {
            "url": s.url,
            "title": s.title,
            "publisher": s.publisher,
            "published_on": s.published_on,
        }
        for s in update.sources.all()
    ]
    data = {
        "event": {"id": event.pk, "sequence": event.sequence, "action": event.action},
        "commitment": {
            "id": commitment.pk,
            "status": commitment.status,
            "status_date": commitment.status_date,
            "version": commitment.version,
        },
        "participant": _participant(commitment),
        "guarantee": _guarantee(commitment),
        "before": {"status": event.before.get("status")},
        "after": {"status": event.after.get("status")},
        "version": commitment.version,
        "update": update_data(update),
        "reviewer": event.actor_name,
        "sources": sources,
    }
    return audit.jsonable(data)


def step_data(*, event: AuditEvent, update: StatusUpdate) -> dict:
    """What a notification of a workflow step carries (submitted, rejected, stale: JSON-ready):
    the event, the commitment's version, its participant and guarantee, the update, its
    reviewer."""
    commitment = update.commitment
    data = {
        "event": {"id": event.pk, "sequence": event.sequence, "action": event.action},
        "commitment": {"id": commitment.pk, "version": commitment.version},
        "participant": {
            "code": commitment.participant.code,
            "name": commitment.participant.name,
        },
        "guarantee": {
            "slug": commitment.guarantee.slug,
            "title": commitment.guarantee.title,
        },
        "update": update_data(update),
        "reviewer": update.reviewed_by.get_username() if update.reviewed_by else "",
    }
    return audit.jsonable(data)


def webhook_body(*, event_type: str, occurred_at: datetime, data: dict) -> str:
    """The exact text POSTed at every attempt: `type`, `timestamp` and `data`."""
    payload = {"type": event_type, "timestamp": occurred_at.isoformat(), "data": data}
    return orjson.dumps(payload).decode()


def _status_word(value: str | None) -> str | None:
    """A status as the pages say it ("in parliament", not "in_parliament")."""
    if value in CommitmentStatus.values:
        return str(CommitmentStatus(value).label).lower()
    return value


def title_for(kind: str, data: dict) -> str:
    """One line for the inbox and the e-mail subject."""
    participant = data.get("participant", {}).get("name", "")
    guarantee = data.get("guarantee", {}).get("title", "")
    after = _status_word(
        data.get("after", {}).get("status") or data.get("update", {}).get("proposed_status")
    )
    what = f"{participant} · {guarantee}"
    match kind:
        case NotificationKind.STATUS_CHANGED:
            before = _status_word(data.get("before", {}).get("status"))
            return _("%(what)s: %(before)s → %(after)s") % {
                "what": what,
                "before": before,
                "after": after,
            }
        case NotificationKind.UPDATE_SUBMITTED:
            return _("To review: %(what)s → %(after)s") % {"what": what, "after": after}
        case NotificationKind.UPDATE_APPROVED:
            return _("Approved: %(what)s → %(after)s") % {"what": what, "after": after}
        case NotificationKind.UPDATE_REJECTED:
            return _("Rejected: %(what)s → %(after)s") % {"what": what, "after": after}
        case NotificationKind.UPDATE_STALE:
            return _("Stale: %(what)s → %(after)s (the commitment changed)") % {
                "what": what,
                "after": after,
            }
        case NotificationKind.REVIEW_REMINDER:
            return _("%(n)d updates have waited more than %(days)d days for review") % {
                "n": len(data.get("updates", [])),
                "days": data.get("days", 0),
            }
        case NotificationKind.ENDPOINT_DISABLED:
            return _("Webhook endpoint disabled: %(url)s") % {"url": data.get("url", "")}
        case NotificationKind.AUDIT_CHAIN_BROKEN:
            return _("Audit history verification failed: %(problem)s") % {
                "problem": data.get("problem", "")
            }
        case NotificationKind.UPDATES_IMPORTED:
            return _("To review: %(n)d updates submitted by %(author)s (import of %(file)s)") % {
                "n": data.get("count", 0),
                "author": data.get("author", ""),
                "file": data.get("filename", ""),
            }
    return str(kind)


def notification_rows(
    *,
    kind: str,
    recipients: Iterable[tuple[int, str, str]],
    data: dict,
    key: str,
    event: AuditEvent | None = None,
    commitment: Commitment | None = None,
    now: datetime | None = None,
) -> list[Notification]:
    """Unsaved Notification rows, one per (user id, channel, e-mail address), once each.

    An e-mail channel without an address is skipped; in-app rows are delivered on creation.
    """
    now = now or timezone.now()
    title = title_for(kind, data)[:300]
    rows, seen = [], set()
    for user_id, channel, email in recipients:
        if (user_id, channel) in seen or (channel != NotificationChannel.IN_APP and not email):
            continue
        seen.add((user_id, channel))
        in_app = channel == NotificationChannel.IN_APP
        rows.append(
            Notification(
                recipient_id=user_id,
                kind=kind,
                channel=channel,
                key=f"{kind}:{key}:{user_id}:{channel}",
                event=event,
                commitment=commitment,
                title=title,
                data=data,
                state=DeliveryState.DELIVERED if in_app else DeliveryState.PENDING,
                sent_at=now if in_app else None,
                next_attempt_at=now,
                created_at=now,
            )
        )
    return rows
