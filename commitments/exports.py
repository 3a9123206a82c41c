"""The matrix as a file: CSV, JSON and XLSX, one row per commitment. Rendering only: the rows
come from the matrix selector (the live record or its audit history: approved data only)."""

import csv
import datetime
import io
import json
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.utils import timezone

from commitments.selectors.matrix import STAGE_FIELDS, Cell, Matrix

COLUMNS: tuple[str, ...] = (
    "participant_code",
    "participant_name",
    "agreement",
    "guarantee_slug",
    "guarantee_title",
    "status",
    *STAGE_FIELDS,
    "last_change",
    "source_urls",
    "commitment_id",
    # Illustrative sample data stays marked as such wherever the rows go.
    "is_sample",
)

# A cell a spreadsheet would read as a formula (CSV injection): kept as text by a quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard(value: Any) -> Any:
    """A text cell that begins like a formula, prefixed with ' so no spreadsheet runs it."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def filename(matrix: Matrix, extension: str) -> str:
    """matrix-<agreement>-<date>[-as-of-<date>][-known-on-<date>].<extension>"""
    parts = ["matrix", matrix.agreement.slug]
    if matrix.as_of:
        parts.append(f"as-of-{matrix.as_of.isoformat()}")
    if matrix.known_on:
        parts.append(f"known-on-{matrix.known_on.isoformat()}")
    if not (matrix.as_of or matrix.known_on):
        parts.append(timezone.localdate().isoformat())
    return "-".join(parts) + "." + extension


def rows(matrix: Matrix) -> list[dict[str, Any]]:
    """One row per commitment the record held in the matrix's view (a commitment not yet
    recorded on the view's date is not in it), with dates as date objects."""
    return [_row(matrix, cell) for cell in matrix.commitment_cells() if cell.recorded]


def _row(matrix: Matrix, cell: Cell) -> dict[str, Any]:
    return {
        "participant_code": cell.participant.code,
        "participant_name": cell.participant.name,
        "agreement": matrix.agreement.slug,
        "guarantee_slug": cell.guarantee.slug,
        "guarantee_title": cell.guarantee.title,
        "status": cell.status,
        **{name: cell.stage_dates.get(name) for name in STAGE_FIELDS},
        "last_change": cell.last_change,
        "source_urls": list(cell.source_urls),
        "commitment_id": cell.commitment_id,
        "is_sample": matrix.is_sample,
    }


def _attachment(response: HttpResponse, name: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " ".join(value)
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def as_csv(matrix: Matrix, *, generated_at: datetime.datetime) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in rows(matrix):
        writer.writerow([guard(_text(row[name])) for name in COLUMNS])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    return _attachment(response, filename(matrix, "csv"))


def as_json(matrix: Matrix, *, generated_at: datetime.datetime) -> HttpResponse:
    body = {
        "view": {
            "agreement": matrix.agreement.slug,
            "agreement_title": matrix.agreement.title,
            "view": matrix.view,
            "as_of": matrix.as_of,
            "known_on": matrix.known_on,
            "generated_at": generated_at,
            "is_sample": matrix.is_sample,
        },
        "columns": list(COLUMNS),
        "rows": rows(matrix),
    }
    response = HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False),
        content_type="application/json",
    )
    return _attachment(response, filename(matrix, "json"))


def as_xlsx(matrix: Matrix, *, generated_at: datetime.datetime) -> HttpResponse:
    from openpyxl import Workbook  # imported here: only the export needs it

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Matrix"
    sheet.append(list(COLUMNS))
    sheet.freeze_panes = "A2"
    for row in rows(matrix):
        sheet.append([_cell_value(row[name]) for name in COLUMNS])
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, datetime.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            elif isinstance(cell.value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    return _attachment(response, filename(matrix, "xlsx"))


def _cell_value(value: Any) -> Any:
    if isinstance(value, list):
        return guard(" ".join(value))
    if isinstance(value, datetime.datetime):
        # A spreadsheet cell keeps no time zone: last_change is written in UTC.
        return value.astimezone(datetime.UTC).replace(tzinfo=None)
    return guard(value)


FORMATS: dict[str, Callable[..., HttpResponse]] = {
    "csv": as_csv,
    "json": as_json,
    "xlsx": as_xlsx,
}
