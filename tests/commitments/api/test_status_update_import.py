"""POST /api/v1/status-updates/import/: a dry run by default, the import with dry_run=false."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from commitments import audit
from commitments.models import AuditEvent, StatusUpdate
from tests.commitments.import_files import csv_bytes, record, row, xlsx_bytes

pytestmark = pytest.mark.django_db

URL = "/api/v1/status-updates/import/"


@pytest.fixture
def commitments(db):
    return record()


def post(api, content, name="updates.csv", **fields):
    return api.post(URL, {"file": SimpleUploadedFile(name, content), **fields}, format="multipart")


def test_a_dry_run_is_the_default_and_creates_nothing(as_analyst, commitments):
    response = post(as_analyst, csv_bytes([row("FR", "air")]))

    assert response.status_code == 200
    body = response.json()
    assert (body["dry_run"], body["ok"], body["row_count"], body["created"]) == (True, True, 1, [])
    [first] = body["rows"]
    assert first == {
        "row": 2,
        "ok": True,
        "participant": "FR",
        "guarantee": "air",
        "commitment": commitments["FR", "air"].pk,
        "old_status": "pledged",
        "proposed_status": "signed",
        "effective_date": "2024-04-02",
        "errors": [],
        "update": None,
    }
    assert not StatusUpdate.objects.exists()


def test_the_import_answers_201_with_the_created_ids(as_analyst, commitments):
    response = post(as_analyst, csv_bytes([row("FR", "air"), row("DE", "sea")]), dry_run="false")

    assert response.status_code == 201
    ids = list(StatusUpdate.objects.order_by("pk").values_list("pk", flat=True))
    assert response.json()["created"] == ids
    assert [r["update"] for r in response.json()["rows"]] == ids
    assert audit.verify().ok


def test_failing_rows_answer_400_with_the_report_and_create_nothing(as_analyst, commitments):
    events = AuditEvent.objects.count()

    response = post(
        as_analyst, csv_bytes([row("FR", "air"), row("FR", "nowhere")]), dry_run="false"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False
    assert body["rows_with_errors"] == 1
    assert body["rows"][1]["errors"] == [
        {"column": "guarantee", "message": "Unknown guarantee: nowhere."}
    ]
    assert not StatusUpdate.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_file_error_answers_400_with_it(as_analyst, commitments):
    response = post(as_analyst, b"", dry_run="false")

    assert response.status_code == 400
    assert response.json()["file_errors"] == ["The file is empty."]


def test_an_xlsx_file_is_imported(as_analyst, commitments):
    response = post(as_analyst, xlsx_bytes([row()]), name="u.xlsx", dry_run="false")

    assert response.status_code == 201
    assert response.json()["format"] == "xlsx"


def test_a_request_without_a_file_is_a_400_error(as_analyst):
    response = as_analyst.post(URL, {"dry_run": "true"}, format="multipart")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "file" in response.json()["fields"]


def test_json_is_not_accepted(as_analyst):
    response = as_analyst.post(URL, {"file": "x"}, format="json")

    assert response.status_code == 415


def test_a_reviewer_is_refused_and_nothing_created(as_reviewer, commitments):
    response = post(as_reviewer, csv_bytes([row()]), dry_run="false")

    assert response.status_code == 403
    assert not StatusUpdate.objects.exists()


def test_a_read_only_token_is_refused(as_reader, commitments):
    response = post(as_reader, csv_bytes([row()]))

    assert response.status_code == 403


def test_a_file_over_5_mb_answers_400_with_the_report(as_analyst, commitments):
    response = post(as_analyst, csv_bytes([row(summary="x" * 1000)] * 5300), dry_run="false")

    assert response.status_code == 400
    assert response.json()["file_errors"] == ["The file is over 5 MB; split it into smaller files."]
    assert not StatusUpdate.objects.exists()
