"""Importing status updates from a CSV or XLSX file: the dry run, the import, every refusal."""

import datetime
import io
import zipfile

import pytest
from django.core.management import call_command
from django.utils import timezone

from commitments import audit
from commitments.choices import NotificationKind, UpdateState
from commitments.exceptions import NotAllowed
from commitments.models import AuditEvent, Notification, Source, StatusUpdate
from commitments.services import import_apply, import_check, import_template_csv
from commitments.services import imports as imports_module
from tests.commitments.import_files import HEADER, csv_bytes, record, row, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def commitments(db):
    return record()


def nothing_created(events_before: int = 0) -> bool:
    return (
        not StatusUpdate.objects.exists()
        and not Source.objects.exists()
        and AuditEvent.objects.count() == events_before
        and not Notification.objects.exists()
    )


def only_file_error(report) -> str:
    assert not report.ok
    assert report.rows == []
    [message] = report.file_errors
    return message


def errors_of(report, number):
    [found] = [r for r in report.rows if r.number == number]
    return [(e.column, e.message) for e in found.errors]


def apply(content, analyst, filename="updates.csv"):
    return import_apply(file=content, filename=filename, author=analyst)


# The dry run ---------------------------------------------------------------------------


def test_the_dry_run_shows_each_rows_commitment_and_move_and_creates_nothing(analyst, commitments):
    events = AuditEvent.objects.count()
    content = csv_bytes([row("FR", "air"), row("DE", "sea")])

    report = import_check(file=content, filename="updates.csv", author=analyst)

    assert report.ok
    assert [(r.number, r.commitment_id, r.old_status, r.proposed_status) for r in report.rows] == [
        (2, commitments["FR", "air"].pk, "pledged", "signed"),
        (3, commitments["DE", "sea"].pk, "pledged", "signed"),
    ]
    assert nothing_created(events)


def test_the_dry_run_reads_a_csv_with_a_byte_order_mark(analyst, commitments):
    report = import_check(file=csv_bytes([row()], bom=True), filename="updates.csv", author=analyst)

    assert report.ok


def test_the_dry_run_accepts_headers_in_any_case_with_spaces(analyst, commitments):
    header = [" Participant ", "GUARANTEE", "Proposed status", "Effective Date", "summary",
              "Source URL", "source title", "Correction", "correction reason"]  # fmt: skip

    report = import_check(
        file=csv_bytes([row()], header=header), filename="updates.csv", author=analyst
    )

    assert report.ok


def test_only_analysts_check_a_file(reviewer, commitments):
    with pytest.raises(NotAllowed):
        import_check(file=csv_bytes([row()]), filename="updates.csv", author=reviewer)


# The import ----------------------------------------------------------------------------


def test_the_import_creates_every_row_as_a_submitted_update_with_its_source(analyst, commitments):
    content = csv_bytes([row("FR", "air"), row("DE", "sea", status="withdrawn")])

    report = apply(content, analyst)

    assert report.ok
    updates = StatusUpdate.objects.order_by("pk")
    assert [(u.commitment_id, u.proposed_status, u.state, u.base_version) for u in updates] == [
        (commitments["FR", "air"].pk, "signed", UpdateState.SUBMITTED, 1),
        (commitments["DE", "sea"].pk, "withdrawn", UpdateState.SUBMITTED, 1),
    ]
    assert report.created == [u.pk for u in updates]
    assert [list(u.sources.values_list("url", "title")) for u in updates] == [
        [("https://news.example.org/signed", "Signed")]
    ] * 2
    assert all(u.proposed_by == analyst and u.submitted_at for u in updates)


def test_the_import_records_each_update_as_update_create_does(analyst, commitments):
    apply(csv_bytes([row("FR", "air"), row("DE", "sea")]), analyst)

    events = AuditEvent.objects.filter(action=audit.UPDATE_SUBMITTED).order_by("sequence")
    updates = StatusUpdate.objects.order_by("pk")
    assert [(e.update_id, e.commitment_id, e.actor_id) for e in events] == [
        (u.pk, u.commitment_id, analyst.pk) for u in updates
    ]
    assert events[0].after["sources"] == ["https://news.example.org/signed"]
    assert events[0].after["state"] == UpdateState.SUBMITTED


def test_the_audit_chain_verifies_after_an_import(analyst, commitments):
    apply(csv_bytes([row(code, slug) for code, slug in commitments]), analyst)

    assert audit.verify().ok
    call_command("verify_audit", "--no-record", stdout=io.StringIO())


def test_an_import_after_another_continues_the_chain(analyst, commitments):
    apply(csv_bytes([row("FR", "air")]), analyst)
    apply(csv_bytes([row("DE", "air")]), analyst)

    assert audit.verify().ok
    assert StatusUpdate.objects.count() == 2


def test_the_reviewers_are_told_once_for_the_whole_file(analyst, reviewer, commitments):
    apply(csv_bytes([row(code, slug) for code, slug in commitments]), analyst)

    notes = Notification.objects.all()
    assert {(n.recipient_id, n.channel) for n in notes} == {
        (reviewer.pk, "in_app"),
        (reviewer.pk, "email"),
    }
    assert {n.kind for n in notes} == {NotificationKind.UPDATES_IMPORTED}
    assert "4 updates" in notes[0].title


def test_only_analysts_import(reviewer, commitments):
    with pytest.raises(NotAllowed):
        apply(csv_bytes([row()]), reviewer)

    assert nothing_created(AuditEvent.objects.count())


def test_an_import_with_one_bad_row_creates_nothing_and_names_the_row(analyst, commitments):
    events = AuditEvent.objects.count()
    content = csv_bytes([row("FR", "air"), row("DE", "sea", on="2024-13-01")])

    report = apply(content, analyst)

    assert not report.ok
    assert errors_of(report, 2) == []
    assert errors_of(report, 3) == [
        ("effective_date", "Not a date: “2024-13-01” (write it as YYYY-MM-DD).")
    ]
    assert nothing_created(events)


def test_the_import_checks_again_against_the_record_as_it_is_now(analyst, commitments):
    content = csv_bytes([row("FR", "air", status="signed")])
    assert import_check(file=content, filename="u.csv", author=analyst).ok
    commitment = commitments["FR", "air"]
    commitment.status = "signed"
    commitment.save()
    events = AuditEvent.objects.count()

    report = apply(content, analyst)

    assert errors_of(report, 2) == [("proposed_status", "The commitment is already signed.")]
    assert nothing_created(events)


def test_the_import_runs_in_a_fixed_number_of_queries(
    analyst, reviewer, commitments, django_assert_max_num_queries
):
    content = csv_bytes([row(code, slug) for code, slug in commitments])

    with django_assert_max_num_queries(16):
        apply(content, analyst)


# XLSX ----------------------------------------------------------------------------------


def test_an_xlsx_file_imports_with_dates_as_date_cells(analyst, commitments):
    content = xlsx_bytes([row("FR", "air", on=datetime.date(2024, 4, 2))])

    report = apply(content, analyst, filename="updates.xlsx")

    assert report.ok
    assert StatusUpdate.objects.get().effective_date == datetime.date(2024, 4, 2)


def test_an_xlsx_row_with_an_unknown_participant_is_named_and_nothing_created(analyst, commitments):
    events = AuditEvent.objects.count()
    content = xlsx_bytes([row("FR", "air"), row("XX", "air")])

    report = apply(content, analyst, filename="updates.xlsx")

    assert errors_of(report, 3) == [("participant", "Unknown participant: XX.")]
    assert nothing_created(events)


def test_an_xlsx_that_is_not_a_zip_is_refused(analyst, commitments):
    report = apply(csv_bytes([row()]), analyst, filename="updates.xlsx")

    assert "not an XLSX workbook" in only_file_error(report)
    assert nothing_created(AuditEvent.objects.count())


def test_a_zip_that_is_not_a_workbook_is_refused(analyst, commitments):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hello")

    report = apply(out.getvalue(), analyst, filename="updates.xlsx")

    assert "not a valid XLSX file" in only_file_error(report)
    assert nothing_created(AuditEvent.objects.count())


def test_an_xlsx_with_wrong_headers_is_refused(analyst, commitments):
    content = xlsx_bytes([row()], header=["country", "what", "when"])

    report = apply(content, analyst, filename="updates.xlsx")

    assert only_file_error(report).startswith("Missing columns: guarantee, proposed_status")
    assert nothing_created(AuditEvent.objects.count())


# The file ------------------------------------------------------------------------------


def test_a_csv_that_is_binary_is_refused(analyst, commitments):
    report = apply(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", analyst)

    assert only_file_error(report) == "This is not a CSV file: it holds binary data."
    assert nothing_created(AuditEvent.objects.count())


def test_an_xlsx_named_csv_is_refused(analyst, commitments):
    report = apply(xlsx_bytes([row()]), analyst)

    assert "looks like an XLSX workbook" in only_file_error(report)
    assert nothing_created(AuditEvent.objects.count())


def test_a_csv_that_is_not_utf8_is_refused(analyst, commitments):
    content = csv_bytes([row(summary="Signé à Paris")]).decode().encode("latin-1")

    report = apply(content, analyst)

    assert "not UTF-8" in only_file_error(report)
    assert nothing_created(AuditEvent.objects.count())


def test_a_file_neither_csv_nor_xlsx_is_refused(analyst, commitments):
    report = apply(csv_bytes([row()]), analyst, filename="updates.txt")

    assert only_file_error(report) == "Upload a .csv or .xlsx file."


def test_missing_headers_are_refused(analyst, commitments):
    report = apply(csv_bytes([row()[:4]], header=HEADER[:4]), analyst)

    assert only_file_error(report) == "Missing columns: summary, source_url."
    assert nothing_created(AuditEvent.objects.count())


def test_a_csv_without_a_header_is_refused(analyst, commitments):
    report = apply(csv_bytes([row()], header=None), analyst)

    assert "Missing columns" in only_file_error(report)
    assert nothing_created(AuditEvent.objects.count())


def test_unknown_headers_are_refused(analyst, commitments):
    report = apply(csv_bytes([[*row(), "x"]], header=[*HEADER, "colour"]), analyst)

    assert only_file_error(report).startswith("Unknown columns: colour")
    assert nothing_created(AuditEvent.objects.count())


def test_a_file_over_5_mb_is_refused(analyst, commitments):
    content = csv_bytes([row(summary="x" * 1000)] * 5300)

    report = apply(content, analyst)

    assert only_file_error(report) == "The file is over 5 MB; split it into smaller files."
    assert nothing_created(AuditEvent.objects.count())


def test_a_file_over_10000_rows_is_refused(analyst, commitments):
    content = csv_bytes([row()] * 10_001)

    report = apply(content, analyst)

    assert "over 10,000 rows" in only_file_error(report)
    assert nothing_created(AuditEvent.objects.count())


def test_an_empty_file_is_refused(analyst, commitments):
    report = apply(b"", analyst)

    assert only_file_error(report) == "The file is empty."
    assert nothing_created(AuditEvent.objects.count())


def test_a_header_without_rows_is_refused(analyst, commitments):
    report = apply(csv_bytes([]), analyst)

    assert only_file_error(report) == "The file has a header but no rows to import."


# The rows ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param(
            {"on": "02/04/2024"},
            [("effective_date", "Not a date: “02/04/2024” (write it as YYYY-MM-DD).")],
            id="bad-date",
        ),
        pytest.param(
            {"on": "2999-01-01"},
            [("effective_date", "The effective date cannot be in the future.")],
            id="future-date",
        ),
        pytest.param(
            {"on": "2024-03-01"},
            [
                (
                    "effective_date",
                    "The effective date cannot be before 2024-03-15, when it was pledged.",
                )
            ],
            id="before-the-current-stage",
        ),
        pytest.param(
            {"participant": "XX"}, [("participant", "Unknown participant: XX.")], id="country"
        ),
        pytest.param(
            {"guarantee": "nowhere"}, [("guarantee", "Unknown guarantee: nowhere.")], id="slug"
        ),
        pytest.param(
            {"status": "adopted"},
            [("proposed_status", "Not a status on the ladder: adopted.")],
            id="bad-status",
        ),
        pytest.param(
            {"status": "ratified"},
            [("proposed_status", "A move from pledged to ratified is not allowed.")],
            id="off-the-ladder",
        ),
        pytest.param({"summary": "  "}, [("summary", "A summary is required.")], id="summary"),
        pytest.param(
            {"source_url": ""}, [("source_url", "At least one source is required.")], id="source"
        ),
        pytest.param(
            {"source_url": "ftp://example.org/x"},
            [("source_url", "Source 1: enter a valid http(s) URL.")],
            id="source-url",
        ),
        pytest.param(
            {"correction": "yes", "status": "ratified"},
            [("correction_reason", "A correction needs a reason.")],
            id="correction-without-reason",
        ),
        pytest.param(
            {"correction": "perhaps"},
            [("correction", "Write yes or no, not “perhaps”.")],
            id="correction-flag",
        ),
    ],
)
def test_a_bad_row_is_refused_with_its_column_and_nothing_is_created(
    analyst, commitments, values, expected
):
    events = AuditEvent.objects.count()
    args = {k: values.pop(k) for k in ("participant", "guarantee", "status", "on") if k in values}
    content = csv_bytes([row("DE", "sea"), row(**{"participant": "FR", **args}, **values)])

    report = apply(content, analyst)

    assert errors_of(report, 2) == []
    assert errors_of(report, 3) == expected
    assert nothing_created(events)


def test_a_participant_without_a_commitment_in_the_guarantee_is_refused(analyst, db):
    record(codes=("FR",), slugs=("air",))
    record(codes=("DE",), slugs=("sea",))

    report = apply(csv_bytes([row("FR", "sea")]), analyst)

    assert errors_of(report, 2) == [("guarantee", "FR has no commitment in guarantee sea.")]
    assert nothing_created(AuditEvent.objects.count())


def test_a_duplicate_row_is_refused(analyst, commitments):
    events = AuditEvent.objects.count()

    report = apply(csv_bytes([row(), row("DE"), row()]), analyst)

    assert errors_of(report, 4) == [("", "Duplicate of row 2.")]
    assert nothing_created(events)


def test_a_row_that_contradicts_another_is_refused(analyst, commitments):
    events = AuditEvent.objects.count()

    report = apply(csv_bytes([row(), row(status="withdrawn")]), analyst)

    assert errors_of(report, 3) == [
        ("", "Contradicts row 2: both update FR · air; one update per commitment in a file.")
    ]
    assert nothing_created(events)


def test_a_correction_with_a_reason_may_leave_the_ladder(analyst, commitments):
    content = csv_bytes(
        [row(status="ratified", correction="yes", correction_reason="It was ratified.")]
    )

    report = apply(content, analyst)

    assert report.ok
    assert StatusUpdate.objects.get().is_correction


def test_a_status_written_as_its_label_is_read(analyst, commitments):
    signed = commitments["FR", "air"]
    signed.status, signed.status_date = "signed", datetime.date(2024, 4, 1)
    signed.save()

    report = import_check(
        file=csv_bytes([row(status="In parliament")]), filename="u.csv", author=analyst
    )

    assert report.ok
    assert report.rows[0].proposed_status == "in_parliament"


def test_blank_lines_are_skipped(analyst, commitments):
    content = csv_bytes([row(), [""] * len(HEADER), row("DE")])

    report = import_check(file=content, filename="u.csv", author=analyst)

    assert report.ok
    assert [r.number for r in report.rows] == [2, 4]


def test_the_template_passes_its_own_header_check():
    assert import_template_csv().splitlines()[0] == ",".join(HEADER)


def test_the_dry_run_checks_10000_rows_in_a_fixed_number_of_queries(
    analyst, commitments, django_assert_max_num_queries
):
    content = csv_bytes([row(summary=f"Row {n}") for n in range(imports_module.MAX_ROWS)])

    with django_assert_max_num_queries(6):
        report = import_check(file=content, filename="u.csv", author=analyst)

    assert report.rows_with_errors == imports_module.MAX_ROWS - 1  # all but the first repeat it


def test_today_is_a_valid_effective_date(analyst, commitments):
    content = csv_bytes([row(on=timezone.localdate().isoformat())])

    assert import_check(file=content, filename="u.csv", author=analyst).ok
