"""The import's limits on hostile files: a sheet declaring a million rows, a zip bomb, huge
cells, damaged XML. Each is one file error, found quickly, and nothing is created."""

import time

import pytest

from commitments.models import AuditEvent, StatusUpdate
from commitments.services import import_check
from tests.commitments.import_files import (
    NS,
    csv_bytes,
    header_row,
    inline,
    record,
    row,
    sheet,
    with_sheet,
    xlsx_bytes,
)

QUOTED_CHARS = 50

pytestmark = pytest.mark.django_db


@pytest.fixture
def commitments(db):
    return record()


def check(content, analyst, filename="updates.xlsx"):
    return import_check(file=content, filename=filename, author=analyst)


def only_file_error(report) -> str:
    assert not report.ok
    assert report.rows == []
    [message] = report.file_errors
    return message


def test_a_sheet_declaring_a_million_empty_rows_is_refused_within_a_second(analyst, commitments):
    n = 1_048_576
    content = with_sheet(
        sheet(header_row(), f'<row r="{n}">{inline(f"XFD{n}", "x")}</row>', dimension=f"A1:XFD{n}")
    )

    started = time.monotonic()
    report = check(content, analyst)

    assert time.monotonic() - started < 1
    assert "blank ones included" in only_file_error(report)


def test_a_sheet_declaring_16384_columns_still_reads_its_rows(analyst, commitments):
    cells = "".join(inline(f"{chr(ord('A') + i)}2", v) for i, v in enumerate(row("FR", "air")))
    content = with_sheet(sheet(header_row(), f'<row r="2">{cells}</row>', dimension="A1:XFD2"))

    report = check(content, analyst)

    assert report.ok, report.file_errors
    assert [r.number for r in report.rows] == [2]


def test_a_workbook_unpacking_to_84_mb_is_refused_before_it_is_parsed(analyst, commitments):
    big = "a" * (20 * 1024 * 1024)
    content = with_sheet(
        sheet(header_row(), f'<row r="2">{inline("A2", big)}{inline("B2", big)}</row>')
    )
    assert len(content) < 500_000

    report = check(content, analyst)

    assert "unpacks to over 50 MB" in only_file_error(report)


def test_a_cell_over_5000_characters_is_a_file_error_in_xlsx(analyst, commitments):
    content = xlsx_bytes([row(summary="s" * 5_001)])

    assert "Row 2 has a cell over 5,000 characters" in only_file_error(check(content, analyst))


def test_a_cell_over_5000_characters_is_a_file_error_in_csv(analyst, commitments):
    content = csv_bytes([row(summary="s" * 5_001)])

    report = check(content, analyst, filename="updates.csv")

    assert "Row 2 has a cell over 5,000 characters" in only_file_error(report)


def test_a_long_unknown_participant_is_quoted_cut_short(analyst, commitments):
    report = check(csv_bytes([row("X" * 4_000, "air")]), analyst, filename="updates.csv")

    [message] = [e.message for e in report.rows[0].errors if e.column == "participant"]
    assert message.startswith("Unknown participant: XXX")
    assert len(message) <= len("Unknown participant: .") + QUOTED_CHARS


def test_a_long_bad_date_is_quoted_cut_short(analyst, commitments):
    report = check(csv_bytes([row(on="2024-" + "9" * 4_000)]), analyst, filename="updates.csv")

    [message] = [e.message for e in report.rows[0].errors if e.column == "effective_date"]
    assert len(message) < 120


@pytest.mark.parametrize(
    "sheet_xml",
    [
        "<worksheet><sheetData><row",
        f'<worksheet xmlns="{NS}"><sheetData><row r="x"><c r="A1"/></row></sheetData>',
        "not xml at all",
    ],
)
def test_a_damaged_sheet_is_not_a_valid_xlsx_file(analyst, commitments, sheet_xml):
    events = AuditEvent.objects.count()

    report = check(with_sheet(sheet_xml), analyst)

    assert "not a valid XLSX file" in only_file_error(report)
    assert not StatusUpdate.objects.exists()
    assert AuditEvent.objects.count() == events
