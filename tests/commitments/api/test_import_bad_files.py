"""POST /api/v1/status-updates/import/ with a damaged XLSX file: a 400 report, not a 500."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from commitments.models import AuditEvent, StatusUpdate
from tests.commitments.import_files import record, with_sheet

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("dry_run", ["true", "false"])
def test_a_damaged_xlsx_answers_400_and_creates_nothing(as_analyst, dry_run):
    record()
    events = AuditEvent.objects.count()
    content = with_sheet("<worksheet><sheetData><row")

    response = as_analyst.post(
        "/api/v1/status-updates/import/",
        {"file": SimpleUploadedFile("updates.xlsx", content), "dry_run": dry_run},
        format="multipart",
    )

    assert response.status_code == 400
    [message] = response.json()["file_errors"]
    assert message.startswith("This is not a valid XLSX file")
    assert not StatusUpdate.objects.exists()
    assert AuditEvent.objects.count() == events
