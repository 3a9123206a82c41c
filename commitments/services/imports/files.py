"""Reading an import's file: CSV (UTF-8) or XLSX, within bounds, into the report's rows."""

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from datetime import date, datetime
from typing import IO, Any

from django.utils.translation import gettext as _

from commitments.services.imports.report import ImportReport, ImportRow, quoted

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


class FileError(Exception):
    pass


def read(file: IO[bytes] | bytes) -> bytes:
    if isinstance(file, bytes | bytearray):
        content = bytes(file)
    else:
        if hasattr(file, "seek"):
            file.seek(0)
        content = file.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise FileError(_("The file is over 5 MB; split it into smaller files."))
    if not content.strip():
        raise FileError(_("The file is empty."))
    return content


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    if content.startswith(b"PK\x03\x04"):
        raise FileError(_("This is not a CSV file: it looks like an XLSX workbook; name it .xlsx."))
    if b"\x00" in content[:8192]:
        raise FileError(_("This is not a CSV file: it holds binary data."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileError(
            _(
                "The file is not UTF-8 text (byte %(at)d): save it as “CSV UTF-8” and "
                "upload it again."
            )
            % {"at": error.start + 1}
        ) from None
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as error:
        raise FileError(_("The CSV file cannot be read: %s.") % error) from None


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


def _not_xlsx() -> FileError:
    return FileError(
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
        raise FileError(
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
        raise FileError(_("This is not an XLSX workbook (it is not a zip archive)."))
    _check_unpacked_size(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, *_XLSX_ERRORS):
        raise _not_xlsx() from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise FileError(_("The workbook has no sheet."))
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
    unknown = [quoted(n) or _("(blank)") for n in names if n not in COLUMNS]
    if unknown:
        errors.append(
            _("Unknown columns: %(unknown)s (the columns are: %(columns)s).")
            % {"unknown": ", ".join(unknown), "columns": ", ".join(COLUMNS)}
        )
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if repeated:
        errors.append(_("Columns named twice: %s.") % ", ".join(repeated))
    if errors:
        raise FileError(" ".join(errors))
    return names


def parse(report: ImportReport, content: bytes) -> None:
    """Fill the report's rows with the file's values, or its file errors."""
    name = report.filename.lower()
    if name.endswith(".csv"):
        report.file_format, rows = "csv", _csv_rows(content)
    elif name.endswith(".xlsx"):
        report.file_format, rows = "xlsx", _xlsx_rows(content)
    else:
        raise FileError(_("Upload a .csv or .xlsx file."))
    columns: list[str] | None = None
    for number, cells in enumerate(rows, start=1):
        if number > MAX_LINES:
            raise FileError(
                _(
                    "The file has over %(lines)s lines, blank ones included; split it into "
                    "files of at most %(max)s rows."
                )
                % {"lines": f"{MAX_LINES:,}", "max": f"{MAX_ROWS:,}"}
            )
        if any(isinstance(c, str) and len(c) > MAX_CELL_CHARS for c in cells):
            raise FileError(
                _("Row %(row)d has a cell over %(max)s characters.")
                % {"row": number, "max": f"{MAX_CELL_CHARS:,}"}
            )
        if all(_cell(c) == "" for c in cells):
            continue
        if columns is None:
            columns = _header(cells)
            continue
        if len(report.rows) == MAX_ROWS:
            raise FileError(
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
        raise FileError(_("The file is empty."))
    if not report.rows:
        raise FileError(_("The file has a header but no rows to import."))
