"""/import/ with a damaged XLSX file: one message and a 400, never a server error."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from commitments.models import ImportUpload, StatusUpdate
from tests.commitments.import_files import record, with_sheet

pytestmark = pytest.mark.django_db


def test_a_damaged_xlsx_answers_400_with_one_message_and_keeps_nothing(client, analyst):
    record()
    client.force_login(analyst)
    content = with_sheet("<worksheet><sheetData><row")

    response = client.post("/import/", {"file": SimpleUploadedFile("updates.xlsx", content)})

    assert response.status_code == 400
    html = response.content.decode()
    assert html.count('class="file-error"') == 1
    assert "This is not a valid XLSX file" in html
    assert not StatusUpdate.objects.exists()
    assert not ImportUpload.objects.exists()
