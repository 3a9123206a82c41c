"""Checking an import's rows with the propose form's rules, against participants, guarantees
and commitments read in one query each."""

import re
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from commitments.exceptions import InvalidTransition, ValidationFailed
from commitments.models import Commitment, Guarantee, Participant, Source
from commitments.services._shared import _clean_sources
from commitments.services.imports.report import ImportReport, ImportRow, quoted
from commitments.services.update_checks import _check_update_content

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
TRUE = {"yes", "y", "true", "1", "x"}
FALSE = {"", "no", "n", "false", "0"}


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
                _("Not a date: “%s” (write it as YYYY-MM-DD).") % quoted(str(raw_date).strip()),
            )
    correction = _text(row, "correction").lower()
    if correction not in TRUE | FALSE:
        row.refuse("correction", _("Write yes or no, not “%s”.") % quoted(correction))
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


def check_rows(report: ImportReport) -> dict[int, tuple[Commitment, dict[str, Any]]]:
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
            row.refuse("participant", _("Unknown participant: %s.") % quoted(row.participant))
        if row.guarantee and row.guarantee not in known_slugs:
            row.refuse("guarantee", _("Unknown guarantee: %s.") % quoted(row.guarantee))
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
                        "participant": quoted(row.participant),
                        "guarantee": quoted(row.guarantee),
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
