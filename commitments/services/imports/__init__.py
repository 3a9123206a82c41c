"""Status updates in bulk, from a CSV or XLSX file: a dry run, then the import.

Every row is checked with the propose form's rules (update_checks._check_update_content,
_shared._clean_sources), against participants, guarantees and commitments read in one query
each. The import checks the file again inside its transaction and creates every row as a
submitted update with its source, or nothing: the updates, sources and audit events in bulk
(audit.record_many), and one notification per reviewer for the whole file.

Reading the file: files.py; checking its rows: rows.py; what both report: report.py.
"""

import csv
import io
import secrets
from datetime import timedelta
from functools import partial
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from commitments import audit, notifications, selectors, tasks
from commitments.choices import NotificationChannel, NotificationKind, UpdateState
from commitments.exceptions import NotAllowed
from commitments.models import (
    Commitment,
    ImportUpload,
    Notification,
    Source,
    StatusUpdate,
    bulk_insert_rows,
)
from commitments.services._shared import _require_analyst
from commitments.services.imports import files
from commitments.services.imports.files import COLUMNS, MAX_BYTES, MAX_ROWS
from commitments.services.imports.report import ImportReport, ImportRow, RowError
from commitments.services.imports.rows import check_rows
from commitments.services.update_checks import _update_snapshot

__all__ = [
    "COLUMNS",
    "MAX_BYTES",
    "MAX_ROWS",
    "UPLOAD_TTL",
    "ImportReport",
    "ImportRow",
    "RowError",
    "import_apply",
    "import_check",
    "import_template_csv",
    "import_template_xlsx",
    "import_upload_apply",
    "import_upload_keep",
]

UPLOAD_TTL = timedelta(hours=1)
TEMPLATE_ROWS = [
    list(COLUMNS),
    [
        "FR",
        "air-support",
        "in_parliament",
        "2024-05-02",
        "The bill was tabled in the National Assembly.",
        "https://www.example.org/news/tabled",
        "Bill tabled",
        "no",
        "",
    ],
]
NOTIFIED_ROWS = 20  # the reviewers' notification lists this many updates, then counts


def _checked(
    *, file: IO[bytes] | bytes, filename: str, dry_run: bool
) -> tuple[ImportReport, dict[int, tuple[Commitment, dict[str, Any]]]]:
    report = ImportReport(filename=filename, dry_run=dry_run)
    try:
        files.parse(report, files.read(file))
    except files.FileError as error:
        report.file_errors.append(str(error))
        report.rows = []
        return report, {}
    return report, check_rows(report)


# The use cases -------------------------------------------------------------------------


def import_check(*, file: IO[bytes] | bytes, filename: str, author: User) -> ImportReport:
    """The dry run: every row's outcome (the commitment, old → new status) or its errors,
    or the file's errors. Writes nothing."""
    _require_import(author)
    report, _good = _checked(file=file, filename=filename, dry_run=True)
    return report


@transaction.atomic
def import_apply(
    *, file: IO[bytes] | bytes, filename: str, author: User, notify: bool = True
) -> ImportReport:
    """Check the file again and create every row as a submitted update with its source, in
    one transaction; nothing when any row fails (the report says which). The reviewers are
    told once, in one notification for the whole file."""
    _require_import(author)
    report, good = _checked(file=file, filename=filename, dry_run=False)
    if not report.ok:
        return report
    # As update_create: each update is written against the version just read; one approved
    # meanwhile makes it stale at its review, as it would one proposed in the form.
    now = timezone.now()
    rows = [(row, *good[row.number]) for row in report.rows]
    urls = [fields["sources"][0]["url"].strip() for _row, _c, fields in rows]
    source_ids = bulk_insert_rows(
        Source,
        [
            {"url": url, "title": fields["sources"][0].get("title", "")}
            for url, (_row, _c, fields) in zip(urls, rows, strict=True)
        ],
    )
    # StatusUpdate's manager refuses bulk inserts (they would skip the audit history): the
    # events of these are recorded below, in the same transaction.
    values = [
        {
            "commitment_id": commitment.pk,
            "proposed_status": fields["proposed_status"],
            "effective_date": fields["effective_date"],
            "summary": fields["summary"].strip(),
            "is_correction": fields["is_correction"],
            "correction_reason": fields["correction_reason"].strip(),
            "corrects_id": None,
            "base_version": commitment.version,
            "proposed_by_id": author.pk,
            "state": UpdateState.SUBMITTED,
            "submitted_at": now,
        }
        for _row, commitment, fields in rows
    ]
    update_ids = bulk_insert_rows(StatusUpdate, values)
    bulk_insert_rows(
        StatusUpdate.sources.through,
        [
            {"statusupdate_id": update_id, "source_id": source_id}
            for update_id, source_id in zip(update_ids, source_ids, strict=True)
        ],
    )
    events = audit.record_many(
        actor=author,
        entries=[
            {
                "action": audit.UPDATE_SUBMITTED,
                "object_type": StatusUpdate._meta.label_lower,
                "object_id": update_id,
                "commitment_id": update["commitment_id"],
                "update_id": update_id,
                "effective_date": update["effective_date"],
                "after": _update_snapshot(update, [url]),
            }
            for update_id, update, url in zip(update_ids, values, urls, strict=True)
        ],
    )
    for row, update_id in zip(report.rows, update_ids, strict=True):
        row.update_id = update_id
    if notify:
        _outbox_imported(report=report, event_id=events[-1].id, author=author)
    return report


def _require_import(author: User) -> None:
    try:
        _require_analyst(author)
    except NotAllowed:
        raise NotAllowed(_("Only analysts may import status updates.")) from None


def _outbox_imported(*, report: ImportReport, event_id: int, author: User) -> None:
    """One notification per reviewer (in the inbox, and by e-mail) for the whole file."""
    event = audit.AuditEvent.objects.get(pk=event_id)
    data = audit.jsonable(
        {
            "count": len(report.rows),
            "author": author.get_username(),
            "filename": report.filename,
            "event": {"id": event.pk, "sequence": event.sequence, "action": event.action},
            "updates": [
                {
                    "id": row.update_id,
                    "participant": row.participant,
                    "guarantee": row.guarantee,
                    "proposed_status": row.proposed_status,
                    "effective_date": row.effective_date,
                }
                for row in report.rows[:NOTIFIED_ROWS]
            ],
            "more": max(len(report.rows) - NOTIFIED_ROWS, 0),
        }
    )
    people = selectors.reviewers().exclude(pk=author.pk).values_list("pk", "email")
    recipients = [
        (pk, channel, email)
        for pk, email in people
        for channel in (NotificationChannel.IN_APP, NotificationChannel.EMAIL)
    ]
    Notification.objects.bulk_create(
        notifications.notification_rows(
            kind=NotificationKind.UPDATES_IMPORTED,
            recipients=recipients,
            data=data,
            key=str(event.pk),
            event=event,
            now=event.occurred_at,
        )
    )
    transaction.on_commit(partial(tasks.dispatch_event.delay, event.pk), robust=True)


# The page's kept file ------------------------------------------------------------------


@transaction.atomic
def import_upload_keep(*, owner: User, filename: str, content: bytes) -> str:
    """Keep a checked file for the page's Import button; return its token. It replaces the
    owner's earlier one; files older than UPLOAD_TTL go."""
    _require_import(owner)
    ImportUpload.objects.filter(owner=owner).delete()
    ImportUpload.objects.filter(created_at__lt=timezone.now() - UPLOAD_TTL).delete()
    token = secrets.token_urlsafe(32)
    ImportUpload.objects.create(
        token=token, owner=owner, filename=filename[:255], content=content[: MAX_BYTES + 1]
    )
    return token


@transaction.atomic
def import_upload_apply(*, token: str, author: User) -> ImportReport | None:
    """Import the file kept under `token` for `author`; None when there is none (expired,
    imported already, another's). The file is dropped once imported."""
    _require_import(author)
    upload = (
        ImportUpload.objects.select_for_update()
        .filter(token=token, owner=author, created_at__gte=timezone.now() - UPLOAD_TTL)
        .first()
    )
    if upload is None:
        return None
    report = import_apply(file=bytes(upload.content), filename=upload.filename, author=author)
    if report.ok:
        upload.delete()
    return report


def import_template_csv() -> str:
    """The CSV template: the header and one example row."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(TEMPLATE_ROWS)
    return out.getvalue()


def import_template_xlsx() -> bytes:
    """The XLSX template: the same header and example row, in a workbook."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("updates")
    for values in TEMPLATE_ROWS:
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
