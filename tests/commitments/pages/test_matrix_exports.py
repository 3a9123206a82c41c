"""The matrix exports: CSV, JSON and XLSX, with the page's filters and dates."""

import csv
import datetime
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from commitments.choices import CommitmentStatus as S
from commitments.models import StatusUpdate
from tests.commitments.matrix_records import D, corrected_history, pledge_on
from tests.factories import (
    AgreementFactory,
    CommitmentFactory,
    GuaranteeFactory,
    ParticipantFactory,
    StatusUpdateFactory,
)

pytestmark = pytest.mark.django_db

COLUMNS = [
    "participant_code",
    "participant_name",
    "agreement",
    "guarantee_slug",
    "guarantee_title",
    "status",
    "pledged_on",
    "signed_on",
    "in_parliament_on",
    "ratified_on",
    "in_force_on",
    "rejected_on",
    "withdrawn_on",
    "last_change",
    "source_urls",
    "commitment_id",
    "is_sample",
]


def export(fmt: str) -> str:
    return reverse("commitments:matrix_export", kwargs={"format": fmt})


@pytest.fixture
def record(analyst, reviewer):
    agreement = AgreementFactory(slug="paris", signed_on=D(2024, 3, 15))
    air = GuaranteeFactory(agreement=agreement, slug="air-support", title="Air support")
    france = ParticipantFactory(code="FR", name="France", needs_parliamentary_approval=False)
    commitment = pledge_on(france, air, D(2024, 3, 15), recorded=D(2024, 3, 16))
    return corrected_history(commitment, author=analyst, reviewer=reviewer)


def csv_rows(response):
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_csv_has_a_header_and_one_row_per_commitment(client, record):
    response = client.get(export("csv"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    header = response.content.decode().splitlines()[0].split(",")
    assert header == COLUMNS
    [row] = csv_rows(response)
    assert row["participant_code"] == "FR" and row["guarantee_slug"] == "air-support"
    assert row["status"] == "in_force" and row["in_force_on"] == "2024-05-05"
    assert row["source_urls"] == "https://news.example.org/in_force/2024-05-05"
    assert row["commitment_id"] == str(record.pk)


def test_the_csv_is_an_attachment_named_after_the_agreement_and_date(client, record):
    response = client.get(export("csv"), {"as_of": "2024-04-20"})

    assert response["Content-Disposition"] == (
        'attachment; filename="matrix-paris-as-of-2024-04-20.csv"'
    )


def test_as_of_a_date_the_rows_show_the_status_and_stage_dates_then(client, record):
    [row] = csv_rows(client.get(export("csv"), {"as_of": "2024-04-20"}))

    assert row["status"] == "signed"
    assert (row["signed_on"], row["in_force_on"]) == ("2024-04-10", "")
    assert row["source_urls"] == "https://news.example.org/signed/2024-04-10"


def test_known_on_a_day_the_rows_show_what_the_record_said(client, record):
    [row] = csv_rows(client.get(export("csv"), {"known_on": "2024-07-15"}))

    assert (row["status"], row["in_parliament_on"]) == ("in_parliament", "2024-06-01")


def test_a_commitment_not_yet_recorded_on_the_date_is_not_exported(client, record):
    pledge_on(ParticipantFactory(code="DE"), record.guarantee, D(2024, 8, 1))

    rows = csv_rows(client.get(export("csv"), {"as_of": "2024-07-01"}))

    assert [row["participant_code"] for row in rows] == ["FR"]


def test_the_filters_apply_to_the_export(client, record):
    CommitmentFactory(
        guarantee=record.guarantee, participant__code="BE", participant__name="Belgium"
    )

    rows = csv_rows(client.get(export("csv"), {"q": "belg"}))

    assert [row["participant_code"] for row in rows] == ["BE"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_a_cell_that_starts_like_a_formula_is_quoted(client, start):
    CommitmentFactory(participant__name=f"{start}HYPERLINK(1)", guarantee__title=f"{start}SUM(A1)")

    [row] = csv_rows(client.get(export("csv")))

    assert row["participant_name"] == f"'{start}HYPERLINK(1)"
    assert row["guarantee_title"] == f"'{start}SUM(A1)"


def test_a_pending_update_is_not_exported(client, record):
    StatusUpdateFactory(
        commitment=record, proposed_status=S.WITHDRAWN, effective_date=D(2024, 9, 1)
    )

    [row] = csv_rows(client.get(export("csv")))

    assert row["status"] == "in_force" and row["withdrawn_on"] == ""
    assert StatusUpdate.objects.filter(state="submitted").exists()


def test_the_json_names_its_view_and_lists_the_rows(client, record):
    response = client.get(export("json"), {"as_of": "2024-04-20", "known_on": "2024-07-15"})

    body = json.loads(response.content)
    assert response["Content-Type"] == "application/json"
    assert set(body["view"]) == {
        "agreement",
        "agreement_title",
        "view",
        "as_of",
        "known_on",
        "generated_at",
        "is_sample",
    }
    assert body["view"]["agreement"] == "paris"
    assert (body["view"]["as_of"], body["view"]["known_on"]) == ("2024-04-20", "2024-07-15")
    assert body["view"]["view"] == "both"
    assert body["columns"] == COLUMNS
    [row] = body["rows"]
    assert list(row) == COLUMNS
    assert row["status"] == "signed" and row["source_urls"] == [
        "https://news.example.org/signed/2024-04-10"
    ]
    assert (
        'filename="matrix-paris-as-of-2024-04-20-known-on-2024-07-15.json"'
        in response["Content-Disposition"]
    )


def test_the_xlsx_opens_with_a_frozen_header_and_real_dates(client, record):
    response = client.get(export("xlsx"))

    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == COLUMNS
    assert sheet.freeze_panes == "A2"
    assert len(rows) == 2
    row = dict(zip(COLUMNS, rows[1], strict=True))
    assert row["participant_code"] == "FR"
    assert row["in_force_on"] == datetime.datetime(2024, 5, 5)  # a date cell
    assert isinstance(row["last_change"], datetime.datetime)


def test_the_xlsx_quotes_a_formula_too(client):
    CommitmentFactory(participant__name="=cmd|' /C calc'!A0")

    sheet = load_workbook(io.BytesIO(client.get(export("xlsx")).content)).active

    assert sheet["B2"].value == "'=cmd|' /C calc'!A0"
    assert sheet["B2"].data_type == "s"


def test_sample_data_is_marked_in_the_json(client):
    CommitmentFactory(is_sample=True)

    assert json.loads(client.get(export("json")).content)["view"]["is_sample"] is True


@pytest.mark.parametrize("params", [{"as_of": "2024-02-30"}, {"status": "bogus"}, {"sort": "x"}])
def test_a_bad_parameter_is_a_400(client, record, params):
    assert client.get(export("csv"), params).status_code == 400


def test_an_unknown_format_or_agreement_is_a_404(client, record):
    assert client.get("/exports/matrix.pdf").status_code == 404
    assert client.get(export("csv"), {"agreement": "nowhere"}).status_code == 404


def test_the_csv_marks_sample_data_as_such_in_every_row(client):
    participant = ParticipantFactory(is_sample=True)
    pledge_on(participant, GuaranteeFactory(agreement__is_sample=True), D(2024, 3, 15))

    response = client.get(export("csv"))

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows and all(row["is_sample"] == "true" for row in rows)
