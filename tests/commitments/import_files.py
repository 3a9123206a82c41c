"""Files for the import's tests: CSV and XLSX bytes from rows, and a small record to import
into (commitments made through the service, so the audit chain replays)."""

import csv
import datetime
import io
import zipfile
from xml.sax.saxutils import escape

from openpyxl import Workbook

from commitments.services import commitment_create
from commitments.services.imports import COLUMNS
from tests.factories import AgreementFactory, GuaranteeFactory, ParticipantFactory

HEADER = list(COLUMNS)


def csv_bytes(rows, header=HEADER, bom=False) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([header, *rows] if header else rows)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode()


def xlsx_bytes(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for values in [header, *rows]:
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def row(participant="FR", guarantee="air", status="signed", on="2024-04-02", **overrides):
    values = {
        "participant": participant,
        "guarantee": guarantee,
        "proposed_status": status,
        "effective_date": on,
        "summary": "Signed in Paris.",
        "source_url": "https://news.example.org/signed",
        "source_title": "Signed",
        "correction": "no",
        "correction_reason": "",
        **overrides,
    }
    return [values[c] for c in HEADER]


def record(codes=("FR", "DE"), slugs=("air", "sea")) -> dict:
    """Pledged commitments (2024-03-15) for every code x slug, by (code, slug)."""
    agreement = AgreementFactory(signed_on=datetime.date(2024, 3, 15))
    participants = [ParticipantFactory(code=code, name=f"Country {code}") for code in codes]
    guarantees = [GuaranteeFactory(slug=slug, agreement=agreement) for slug in slugs]
    return {
        (p.code, g.slug): commitment_create(participant=p, guarantee=g, actor=None)
        for p in participants
        for g in guarantees
    }


def demo_rows(count: int) -> list[list[str]]:
    """Rows withdrawing `count` commitments of the record (any status but withdrawn may be
    withdrawn), effective today: a file that checks clean on the demo."""
    from django.utils import timezone

    from commitments.choices import CommitmentStatus
    from commitments.models import Commitment

    today = timezone.localdate().isoformat()
    commitments = (
        Commitment.objects.exclude(status=CommitmentStatus.WITHDRAWN)
        .select_related("participant", "guarantee")
        .order_by("pk")[:count]
    )
    return [
        row(
            c.participant.code,
            c.guarantee.slug,
            "withdrawn",
            today,
            summary=f"{c.participant.name} withdraws from {c.guarantee.title}.",
            source_url=f"https://news.example.org/{c.participant.code}/{c.guarantee.slug}",
            source_title="Withdrawal announced",
        )
        for c in commitments
    ]


# Hand-made XLSX sheets (hostile files) ---------------------------------------------------

SHEET = "xl/worksheets/sheet1.xml"
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def with_sheet(sheet_xml: str) -> bytes:
    """A workbook written by openpyxl, its first sheet's XML replaced by this one."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = sheet_xml.encode() if info.filename == SHEET else source.read(info)
            archive.writestr(info.filename, data)
    return out.getvalue()


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def header_row() -> str:
    cells = "".join(inline(f"{chr(ord('A') + i)}1", name) for i, name in enumerate(HEADER))
    return f'<row r="1">{cells}</row>'


def sheet(*rows: str, dimension: str = "") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<worksheet xmlns="{NS}">{dim}<sheetData>{"".join(rows)}</sheetData></worksheet>'
