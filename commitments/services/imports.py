"""Status updates in bulk, from a CSV or XLSX file: a dry run, then the import.

Every row is checked with the propose form's rules (update_checks._check_update_content,
_shared._clean_sources), against participants, guarantees and commitments read in one query
each. The import checks the file again inside its transaction and creates every row as a
submitted update with its source, or nothing: the updates, sources and audit events in bulk
(audit.record_many), and one notification per reviewer for the whole file.
"""

import csv
import io
import re
import secrets
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from commitments import audit, notifications, selectors, tasks
from commitments.choices import NotificationChannel, NotificationKind, UpdateState
from commitments.exceptions import InvalidTransition, NotAllowed, ValidationFailed
from commitments.models import (
    Commitment,
    Guarantee,
    ImportUpload,
    Notification,
    Participant,
    Source,
    StatusUpdate,
    bulk_insert_rows,
)
from commitments.services._shared import _clean_sources, _require_analyst
from commitments.services.update_checks import _check_update_content, _update_snapshot

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
# An XLSX file is a zip: what its members hold once unpacked, in all and against their
# packed size, is bounded too (MAX_BYTES bounds only the packed file).
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_PACKING_RATIO = 100
RATIO_CHECKED_FROM = 1024 * 1024  # members smaller than this may pack as well as they like
# Lines read, blank ones included (a sheet may declare a million empty rows).
MAX_LINES = MAX_ROWS * 2
MAX_CELL_CHARS = 5_000
QUOTED_CHARS = 50  # a value quoted in an error message is cut to this length
UPLOAD_TTL = timedelta(hours=1)

COLUMNS = (
    "participant",
    "guarantee",
    "proposed_status",
    "effective_date",
    "summary",
    "source_url",
    "source_title",
    "correction",
    "correction_reason",
)
REQUIRED = COLUMNS[:6]
# Other names a spreadsheet may give a column (after lower-casing, spaces to underscores).
ALIASES = {
    "participant_code": "participant",
    "country": "participant",
    "guarantee_slug": "guarantee",
    "status": "proposed_status",
    "date": "effective_date",
    "is_correction": "correction",
}
# The service's field names, as the file's columns.
FIELD_COLUMNS = {
    "proposed_status": "proposed_status",
    "effective_date": "effective_date",
    "summary": "summary",
    "correction_reason": "correction_reason",
    "corrects": "correction",
    "sources": "source_url",
    "non_field_errors": "",
}
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
TRUE = {"yes", "y", "true", "1", "x"}
FALSE = {"", "no", "n", "false", "0"}
NOTIFIED_ROWS = 20  # the reviewers' notification lists this many updates, then counts


@dataclass
class RowError:
    column: str
    message: str


@dataclass
class ImportRow:
    """One row of the file: what it would create, or why it cannot."""

    number: int  # the row's line in the file (the header is row 1)
    participant: str = ""
    guarantee: str = ""
    proposed_status: str = ""
    effective_date: date | None = None
    commitment_id: int | None = None
    old_status: str = ""
    errors: list[RowError] = field(default_factory=list)
    update_id: int | None = None
    values: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    def refuse(self, column: str, message: str) -> None:
        self.errors.append(RowError(column, message))


@dataclass
class ImportReport:
    """A file's check (dry run) or import: its file-level errors, or each row's outcome."""

    filename: str
    dry_run: bool
    file_format: str = ""
    file_errors: list[str] = field(default_factory=list)
    rows: list[ImportRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.file_errors and bool(self.rows) and all(row.ok for row in self.rows)

    @property
    def error_count(self) -> int:
        return len(self.file_errors) + sum(len(row.errors) for row in self.rows)

    @property
    def rows_with_errors(self) -> int:
        return sum(1 for row in self.rows if not row.ok)

    @property
    def created(self) -> list[int]:
        return [row.update_id for row in self.rows if row.update_id is not None]


# Reading the file ----------------------------------------------------------------------


class _FileError(Exception):
    pass


def _read(file: IO[bytes] | bytes) -> bytes:
    if isinstance(file, bytes | bytearray):
        content = bytes(file)
    else:
        if hasattr(file, "seek"):
            file.seek(0)
        content = file.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise _FileError(_("The file is over 5 MB; split it into smaller files."))
    if not content.strip():
        raise _FileError(_("The file is empty."))
    return content


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    if content.startswith(b"PK\x03\x04"):
        raise _FileError(
            _("This is not a CSV file: it looks like an XLSX workbook; name it .xlsx.")
        )
    if b"\x00" in content[:8192]:
        raise _FileError(_("This is not a CSV file: it holds binary data."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _FileError(
            _(
                "The file is not UTF-8 text (byte %(at)d): save it as “CSV UTF-8” and "
                "upload it again."
            )
            % {"at": error.start + 1}
        ) from None
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as error:
        raise _FileError(_("The CSV file cannot be read: %s.") % error) from None


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value
    return str(value)


# What openpyxl raises on a damaged workbook: the XML parser's errors are SyntaxErrors.
_XLSX_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    SyntaxError,
    KeyError,
    IndexError,
    AttributeError,
    OSError,
    ValueError,
    TypeError,
)


def _not_xlsx() -> _FileError:
    return _FileError(
        _("This is not a valid XLSX file: save it again as an Excel workbook (.xlsx).")
    )


def _check_unpacked_size(content: bytes) -> None:
    """Refuse a zip that unpacks to too much, or packs a member too well (a zip bomb)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, EOFError, OSError, ValueError):
        raise _not_xlsx() from None
    too_packed = any(
        m.file_size > RATIO_CHECKED_FROM and m.file_size > MAX_PACKING_RATIO * m.compress_size
        for m in members
    )
    if too_packed or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise _FileError(
            _(
                "The workbook unpacks to over %(mb)d MB or is packed suspiciously tightly: "
                "save its sheet as CSV and upload that."
            )
            % {"mb": MAX_UNPACKED_BYTES // (1024 * 1024)}
        )


def _xlsx_rows(content: bytes) -> Iterator[list[Any]]:
    # openpyxl's own imports are slow; only an XLSX upload pays for them.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise _FileError(_("This is not an XLSX workbook (it is not a zip archive)."))
    _check_unpacked_size(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, *_XLSX_ERRORS):
        raise _not_xlsx() from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise _FileError(_("The workbook has no sheet."))
        # The sheet's declared dimension is not trusted (it may claim 16,384 columns and a
        # million rows): the cells are read as they come, a few columns past the template's.
        sheet.reset_dimensions()
        for values in sheet.iter_rows(values_only=True, max_col=len(COLUMNS) + 1):
            yield [_cell(v) for v in values]
    except _XLSX_ERRORS:
        raise _not_xlsx() from None
    finally:
        workbook.close()


def _column_name(header: Any) -> str:
    name = re.sub(r"[\s\-]+", "_", str(header).strip().lower())
    return ALIASES.get(name, name)


def _header(cells: list[Any]) -> list[str]:
    names = [_column_name(cell) for cell in cells]
    while names and not names[-1]:
        names.pop()
    errors = []
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        errors.append(_("Missing columns: %s.") % ", ".join(missing))
    unknown = [_quoted(n) or _("(blank)") for n in names if n not in COLUMNS]
    if unknown:
        errors.append(
            _("Unknown columns: %(unknown)s (the columns are: %(columns)s).")
            % {"unknown": ", ".join(unknown), "columns": ", ".join(COLUMNS)}
        )
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if repeated:
        errors.append(_("Columns named twice: %s.") % ", ".join(repeated))
    if errors:
        raise _FileError(" ".join(errors))
    return names


def _parse(report: ImportReport, content: bytes) -> None:
    """Fill the report's rows with the file's values, or its file errors."""
    name = report.filename.lower()
    if name.endswith(".csv"):
        report.file_format, rows = "csv", _csv_rows(content)
    elif name.endswith(".xlsx"):
        report.file_format, rows = "xlsx", _xlsx_rows(content)
    else:
        raise _FileError(_("Upload a .csv or .xlsx file."))
    columns: list[str] | None = None
    for number, cells in enumerate(rows, start=1):
        if number > MAX_LINES:
            raise _FileError(
                _(
                    "The file has over %(lines)s lines, blank ones included; split it into "
                    "files of at most %(max)s rows."
                )
                % {"lines": f"{MAX_LINES:,}", "max": f"{MAX_ROWS:,}"}
            )
        if any(isinstance(c, str) and len(c) > MAX_CELL_CHARS for c in cells):
            raise _FileError(
                _("Row %(row)d has a cell over %(max)s characters.")
                % {"row": number, "max": f"{MAX_CELL_CHARS:,}"}
            )
        if all(_cell(c) == "" for c in cells):
            continue
        if columns is None:
            columns = _header(cells)
            continue
        if len(report.rows) == MAX_ROWS:
            raise _FileError(
                _("The file has over %(max)s rows; split it into files of at most %(max)s.")
                % {"max": f"{MAX_ROWS:,}"}
            )
        row = ImportRow(number=number)
        extra = [c for c in cells[len(columns) :] if _cell(c) != ""]
        if extra:
            row.refuse("", _("The row has more cells than the header has columns."))
        row.values = {c: _cell(v) for c, v in zip(columns, cells, strict=False)}
        report.rows.append(row)
    if columns is None:
        raise _FileError(_("The file is empty."))
    if not report.rows:
        raise _FileError(_("The file has a header but no rows to import."))


# Checking the rows ---------------------------------------------------------------------


def _quoted(value: str) -> str:
    """A value of the file as an error message quotes it: cut to QUOTED_CHARS."""
    return value if len(value) <= QUOTED_CHARS else value[: QUOTED_CHARS - 1] + "…"


def _text(row: ImportRow, column: str) -> str:
    value = row.values.get(column, "")
    return value.isoformat() if isinstance(value, date) else str(value).strip()


def _parse_fields(row: ImportRow) -> dict[str, Any] | None:
    """The row's values as update_create takes them; None when one cannot be read."""
    row.participant = _text(row, "participant").upper()
    row.guarantee = _text(row, "guarantee").lower()
    row.proposed_status = re.sub(r"[\s\-]+", "_", _text(row, "proposed_status").lower())
    if not row.participant:
        row.refuse("participant", _("A participant code is required."))
    if not row.guarantee:
        row.refuse("guarantee", _("A guarantee slug is required."))
    if not row.proposed_status:
        row.refuse("proposed_status", _("A proposed status is required."))
    raw_date = row.values.get("effective_date", "")
    if isinstance(raw_date, date):
        row.effective_date = raw_date
    elif not str(raw_date).strip():
        row.refuse("effective_date", _("An effective date is required."))
    else:
        try:
            row.effective_date = date.fromisoformat(str(raw_date).strip())
        except ValueError:
            row.refuse(
                "effective_date",
                _("Not a date: “%s” (write it as YYYY-MM-DD).") % _quoted(str(raw_date).strip()),
            )
    correction = _text(row, "correction").lower()
    if correction not in TRUE | FALSE:
        row.refuse("correction", _("Write yes or no, not “%s”.") % _quoted(correction))
    title = _text(row, "source_title")
    if len(title) > Source._meta.get_field("title").max_length:
        row.refuse(
            "source_title",
            _("The source title is longer than %d characters.")
            % Source._meta.get_field("title").max_length,
        )
    url = _text(row, "source_url")
    return {
        "proposed_status": row.proposed_status,
        "effective_date": row.effective_date,
        "summary": _text(row, "summary"),
        "is_correction": correction in TRUE,
        "correction_reason": _text(row, "correction_reason"),
        "sources": [{"url": url, "title": title}] if url else [],
    }


def _refuse_domain(row: ImportRow, error: ValidationFailed) -> None:
    for name, messages in error.fields.items():
        for message in messages:
            row.refuse(FIELD_COLUMNS.get(name, name), str(message))


def _check_rows(report: ImportReport) -> dict[int, tuple[Commitment, dict[str, Any]]]:
    """Check every row as the propose form would; return each good row's commitment and
    update fields, by row number."""
    parsed = {row.number: _parse_fields(row) for row in report.rows}
    participants = {
        p.code: p
        for p in Participant.objects.filter(code__in={row.participant for row in report.rows})
    }
    guarantees = {
        g.slug: g
        for g in Guarantee.objects.select_related("agreement").filter(
            slug__in={row.guarantee for row in report.rows}
        )
    }
    # The commitments alone (their participants and guarantees are the ones just read):
    # one model instance a row, not four.
    by_ids = {
        (c.participant_id, c.guarantee_id): c
        for c in Commitment.objects.filter(
            participant__in=[p.pk for p in participants.values()],
            guarantee__in=[g.pk for g in guarantees.values()],
        ).order_by()
    }
    participant_of = {p.pk: p for p in participants.values()}
    guarantee_of = {g.pk: g for g in guarantees.values()}
    commitments = {}
    for (participant_id, guarantee_id), commitment in by_ids.items():
        commitment.participant = participant_of[participant_id]
        commitment.guarantee = guarantee_of[guarantee_id]
        commitments[commitment.participant.code, commitment.guarantee.slug] = commitment
    known_codes, known_slugs = set(participants), set(guarantees)
    seen: dict[tuple[str, str], ImportRow] = {}
    good = {}
    for row in report.rows:
        fields = parsed[row.number]
        key = (row.participant, row.guarantee)
        if row.participant and row.participant not in known_codes:
            row.refuse("participant", _("Unknown participant: %s.") % _quoted(row.participant))
        if row.guarantee and row.guarantee not in known_slugs:
            row.refuse("guarantee", _("Unknown guarantee: %s.") % _quoted(row.guarantee))
        commitment = commitments.get(key)
        if commitment is None and row.participant in known_codes and row.guarantee in known_slugs:
            row.refuse(
                "guarantee",
                _("%(participant)s has no commitment in guarantee %(guarantee)s.")
                % {"participant": row.participant, "guarantee": row.guarantee},
            )
        earlier = seen.get(key) if all(key) else None
        if earlier is not None:
            if earlier.values == row.values:
                row.refuse("", _("Duplicate of row %d.") % earlier.number)
            else:
                row.refuse(
                    "",
                    _(
                        "Contradicts row %(row)d: both update %(participant)s · "
                        "%(guarantee)s; one update per commitment in a file."
                    )
                    % {
                        "row": earlier.number,
                        "participant": _quoted(row.participant),
                        "guarantee": _quoted(row.guarantee),
                    },
                )
        elif all(key):
            seen[key] = row
        try:
            fields["sources"] = _clean_sources(fields["sources"])
        except ValidationFailed as error:
            _refuse_domain(row, error)
        if commitment is None:
            continue
        row.commitment_id = commitment.pk
        row.old_status = commitment.status
        if row.effective_date is None or not row.proposed_status:
            continue
        try:
            _check_update_content(
                commitment=commitment,
                proposed_status=fields["proposed_status"],
                effective_date=fields["effective_date"],
                summary=fields["summary"],
                is_correction=fields["is_correction"],
                correction_reason=fields["correction_reason"],
            )
        except ValidationFailed as error:
            _refuse_domain(row, error)
        except InvalidTransition as error:
            row.refuse("proposed_status", error.message)
        if row.ok:
            good[row.number] = (commitment, fields)
    return good


def _checked(
    *, file: IO[bytes] | bytes, filename: str, dry_run: bool
) -> tuple[ImportReport, dict[int, tuple[Commitment, dict[str, Any]]]]:
    report = ImportReport(filename=filename, dry_run=dry_run)
    try:
        _parse(report, _read(file))
    except _FileError as error:
        report.file_errors.append(str(error))
        report.rows = []
        return report, {}
    return report, _check_rows(report)


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
