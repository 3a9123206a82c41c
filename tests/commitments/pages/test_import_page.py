"""/import/: check a file (a dry run), then import it; analysts only."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from commitments.choices import UpdateState
from commitments.models import AuditEvent, ImportUpload, StatusUpdate
from commitments.services import imports
from tests.commitments.import_files import HEADER, csv_bytes, record, row, xlsx_bytes
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/import/"


@pytest.fixture
def commitments(db):
    return record()


@pytest.fixture
def as_analyst(client, analyst):
    client.force_login(analyst)
    return client


def upload(client, content, name="updates.csv"):
    return client.post(URL, {"file": SimpleUploadedFile(name, content)})


def kept_token(response) -> str:
    return response.context["token"]


def test_the_page_offers_the_file_field_and_the_template(as_analyst):
    response = as_analyst.get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_file">File</label>' in html
    assert "Check file" in html
    assert 'href="/import/template.csv"' in html
    assert "Download the CSV template" in html


def test_a_reviewer_is_refused_the_page(client, reviewer):
    client.force_login(reviewer)

    assert client.get(URL).status_code == 403


def test_a_reviewer_cannot_post_a_file(client, reviewer, commitments):
    client.force_login(reviewer)

    response = upload(client, csv_bytes([row()]))

    assert response.status_code == 403
    assert not ImportUpload.objects.exists()


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_checking_a_good_file_shows_each_row_and_offers_the_import(as_analyst, commitments):
    response = upload(as_analyst, csv_bytes([row("FR", "air"), row("DE", "sea")]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "All 2 rows are fine" in html
    assert 'id="row-2"' in html and 'id="row-3"' in html
    assert '<button type="submit">Import</button>' in html
    assert not StatusUpdate.objects.exists()


def test_checking_a_file_with_a_bad_row_shows_its_error_beside_it_and_no_import(
    as_analyst, commitments
):
    response = upload(as_analyst, csv_bytes([row("FR", "air"), row("XX", "air")]))

    html = response.content.decode()
    assert "1 of 2 rows have errors" in html
    assert "Unknown participant: XX." in html
    assert '<button type="submit">Import</button>' not in html
    assert not ImportUpload.objects.exists()
    assert not StatusUpdate.objects.exists()


def test_a_file_level_error_is_one_message(as_analyst, commitments):
    response = upload(as_analyst, b"\x00\x01binary", name="updates.csv")

    html = response.content.decode()
    assert html.count('class="file-error"') == 1
    assert "This is not a CSV file: it holds binary data." in html
    assert not StatusUpdate.objects.exists()


def test_posting_no_file_is_a_form_error_not_a_server_error(as_analyst):
    response = as_analyst.post(URL, {})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_import_creates_the_checked_rows_as_submitted_updates(as_analyst, commitments):
    token = kept_token(upload(as_analyst, csv_bytes([row("FR", "air"), row("DE", "sea")])))

    response = as_analyst.post(reverse("commitments:import_apply"), {"token": token}, follow=True)

    assert "2 updates submitted for review" in response.content.decode()
    assert list(StatusUpdate.objects.values_list("state", flat=True)) == [UpdateState.SUBMITTED] * 2
    assert not ImportUpload.objects.exists()


def test_an_xlsx_file_is_checked_and_imported(as_analyst, commitments):
    content = xlsx_bytes([row("FR", "air", on=datetime.date(2024, 4, 2))])
    token = kept_token(upload(as_analyst, content, name="updates.xlsx"))

    as_analyst.post(reverse("commitments:import_apply"), {"token": token})

    assert StatusUpdate.objects.get().effective_date == datetime.date(2024, 4, 2)


def test_import_twice_creates_the_rows_once(as_analyst, commitments):
    token = kept_token(upload(as_analyst, csv_bytes([row()])))
    as_analyst.post(reverse("commitments:import_apply"), {"token": token})

    response = as_analyst.post(reverse("commitments:import_apply"), {"token": token}, follow=True)

    assert "no longer kept" in response.content.decode()
    assert StatusUpdate.objects.count() == 1


def test_another_analysts_token_imports_nothing(client, as_analyst, commitments):
    token = kept_token(upload(as_analyst, csv_bytes([row()])))
    client.force_login(UserFactory(roles=["analyst"]))

    client.post(reverse("commitments:import_apply"), {"token": token})

    assert not StatusUpdate.objects.exists()


def test_an_expired_file_imports_nothing(as_analyst, commitments):
    token = kept_token(upload(as_analyst, csv_bytes([row()])))
    ImportUpload.objects.update(created_at=timezone.now() - imports.UPLOAD_TTL)

    as_analyst.post(reverse("commitments:import_apply"), {"token": token})

    assert not StatusUpdate.objects.exists()


def test_a_record_changed_since_the_check_imports_nothing_and_says_which_row(
    as_analyst, commitments
):
    token = kept_token(upload(as_analyst, csv_bytes([row("FR", "air")])))
    commitment = commitments["FR", "air"]
    commitment.status = "signed"
    commitment.save()
    events = AuditEvent.objects.count()

    response = as_analyst.post(reverse("commitments:import_apply"), {"token": token})

    assert response.status_code == 409
    assert "The commitment is already signed." in response.content.decode()
    assert not StatusUpdate.objects.exists()
    assert AuditEvent.objects.count() == events


def test_the_csv_template_holds_the_header_and_an_example(as_analyst):
    response = as_analyst.get("/import/template.csv")

    lines = response.content.decode().splitlines()
    assert response["Content-Type"] == "text/csv"
    assert lines[0] == ",".join(HEADER)
    assert len(lines) == 2


def test_the_xlsx_template_holds_the_same_header(as_analyst, tmp_path):
    response = as_analyst.get("/import/template.xlsx")
    path = tmp_path / "t.xlsx"
    path.write_bytes(response.content)

    sheet = load_workbook(path).active
    assert [c.value for c in sheet[1]] == HEADER


def test_the_page_with_many_rows_shows_every_error_and_some_good_rows(
    as_analyst, commitments, monkeypatch
):
    monkeypatch.setattr("commitments.views.imports.SHOWN_OK_ROWS", 1)
    bad = [row("XX", "air", summary=f"{n}") for n in range(3)]

    response = upload(as_analyst, csv_bytes([row("DE", "sea"), row("FR", "air"), *bad]))

    html = response.content.decode()
    assert html.count('class="row-error"') == 3
    assert html.count('class="row-ok"') == 1
    assert "(1 rows without errors not shown)" in html


def test_a_file_over_5_mb_is_one_message_not_a_server_error(as_analyst, commitments):
    content = csv_bytes([row(summary="x" * 1000)] * 5300)

    response = upload(as_analyst, content)

    assert response.status_code == 400
    assert "The file is over 5 MB; split it into smaller files." in response.content.decode()
    assert not StatusUpdate.objects.exists()
