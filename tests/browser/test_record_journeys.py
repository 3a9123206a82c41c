"""What a reader does with the record, in Chromium on the shared demo: find a country's cell
in the matrix and open its commitment, look at the matrix on a past date, narrow it with the
filters, read a commitment's ladder and timeline, take the feed and the exports, and mistype
a date. Each journey finds things as a person would: by role, label and text."""

import csv
import datetime
import json
import re
from dataclasses import dataclass

import feedparser
import pytest
from django.utils import dateformat
from openpyxl import load_workbook
from playwright.sync_api import Locator, Page, expect

from commitments.choices import CommitmentStatus, ParticipantKind, UpdateState
from commitments.demo import AGREEMENT_SLUG, GUARANTEES, PARTICIPANTS
from commitments.exports import COLUMNS
from commitments.models import Commitment, StatusUpdate

pytestmark = pytest.mark.browser

LABELS = {status: str(label) for status, label in CommitmentStatus.choices}


def long_date(day: datetime.date) -> str:
    """A date as the pages write it: 1 June 2024."""
    return dateformat.format(day, "j F Y")


def participant_rows(page: Page) -> Locator:
    """The matrix's participant row headers (each links to its participant; the totals row's
    header does not)."""
    return page.get_by_role("table").get_by_role("rowheader").filter(has=page.get_by_role("link"))


def matrix_cell(page: Page, participant: str, guarantee: str) -> Locator:
    """The matrix cell in `participant`'s row, under `guarantee`'s column."""
    headers = page.get_by_role("columnheader").all_inner_texts()
    column = next(i for i, text in enumerate(headers) if text.startswith(guarantee))
    row = page.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=re.compile(rf"^{re.escape(participant)}\b"))
    )
    # The row header is column 0; the cells (role "cell") start at column 1.
    return row.get_by_role("cell").nth(column - 1)


def apply_filters(page: Page) -> None:
    page.get_by_role("button", name="Apply").click()


@dataclass
class ChangedCommitment:
    """A demo commitment whose status changed on `changed_on`, and what it was the day before."""

    commitment: Commitment
    changed_on: datetime.date
    old_status: str
    new_status: str
    applied: list[StatusUpdate]


def changed_commitment() -> ChangedCommitment:
    """The first demo commitment (by id) with at least two applied changes whose latest came
    more than a day after the one before: the day before the latest, it stood at the earlier
    change's status (a step up the ladder, not the pledge)."""
    commitments = (
        Commitment.objects.filter(guarantee__agreement__slug=AGREEMENT_SLUG)
        .select_related("participant", "guarantee")
        .order_by("pk")
    )
    for commitment in commitments:
        applied = list(
            StatusUpdate.objects.filter(
                commitment=commitment, state=UpdateState.APPROVED, is_correction=False
            ).order_by("effective_date", "pk")
        )
        if len(applied) < 2:
            continue
        before, latest = applied[-2], applied[-1]
        if latest.effective_date - before.effective_date > datetime.timedelta(days=1):
            return ChangedCommitment(
                commitment=commitment,
                changed_on=latest.effective_date,
                old_status=before.proposed_status,
                new_status=latest.proposed_status,
                applied=applied,
            )
    raise AssertionError("the demo has no commitment with two applied changes days apart")


def test_the_matrix_shows_the_participants_and_guarantees_and_each_cell_opens_its_commitment(
    page, demo
):
    page.goto("/")

    for name in ("France", "Ukraine", "United Kingdom", "NATO"):
        expect(page.get_by_role("rowheader", name=re.compile(rf"^{name}\b"))).to_be_visible()
    expect(participant_rows(page)).to_have_count(len(PARTICIPANTS))
    for _, title, _, _ in GUARANTEES:
        expect(
            page.get_by_role("columnheader", name=re.compile(rf"^{re.escape(title)}\b"))
        ).to_be_visible()
    guarantee = GUARANTEES[0][1]
    commitment = Commitment.objects.get(
        participant__code="FR",
        guarantee__title=guarantee,
        guarantee__agreement__slug=AGREEMENT_SLUG,
    )

    matrix_cell(page, "France", guarantee).get_by_role("link").click()

    expect(page).to_have_url(re.compile(rf"/commitments/{commitment.pk}/$"))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("France")
    expect(heading).to_contain_text(guarantee)


def test_the_matrix_as_of_a_date_before_a_change_shows_the_status_before_it(page, demo):
    changed = changed_commitment()
    day = changed.changed_on - datetime.timedelta(days=1)
    participant = changed.commitment.participant.name
    guarantee = changed.commitment.guarantee.title
    page.goto("/")
    cell = matrix_cell(page, participant, guarantee)
    expect(cell).to_contain_text(LABELS[changed.new_status])

    page.get_by_label("As of", exact=True).fill(day.isoformat())
    apply_filters(page)

    expect(page.get_by_text(f"As the world stood on {long_date(day)}")).to_be_visible()
    expect(cell).to_contain_text(LABELS[changed.old_status])
    expect(cell).not_to_contain_text(LABELS[changed.new_status])
    expect(page).to_have_url(re.compile(rf"[?&]as_of={day.isoformat()}(&|$)"))


def test_a_name_search_leaves_only_that_participant(page, demo):
    page.goto("/")
    rows = participant_rows(page)
    expect(rows).to_have_count(len(PARTICIPANTS))

    page.get_by_label("Search", exact=True).fill("France")
    apply_filters(page)

    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("France")
    expect(page).to_have_url(re.compile(r"[?&]q=France(&|$)"))


def test_the_participant_kind_filter_leaves_only_participants_of_that_kind(page, demo):
    organisations = [name for _, name, kind, _, _ in PARTICIPANTS if kind == "organisation"]
    page.goto("/")
    rows = participant_rows(page)
    expect(rows).to_have_count(len(PARTICIPANTS))

    page.get_by_label("Participant kind", exact=True).select_option(
        label=str(ParticipantKind.ORGANISATION.label)
    )
    apply_filters(page)

    expect(rows).to_have_count(len(organisations))
    for name in organisations:
        expect(page.get_by_role("rowheader", name=re.compile(rf"^{name}\b"))).to_be_visible()


def test_the_status_filter_leaves_only_participants_with_a_commitment_at_that_status(page, demo):
    status = CommitmentStatus.REJECTED
    expected = set(
        Commitment.objects.filter(
            guarantee__agreement__slug=AGREEMENT_SLUG, status=status
        ).values_list("participant__name", flat=True)
    )
    assert 0 < len(expected) < len(PARTICIPANTS), "the demo should have some rejected pledges"
    page.goto("/")
    rows = participant_rows(page)
    expect(rows).to_have_count(len(PARTICIPANTS))

    page.get_by_label("Status", exact=True).select_option(label=str(status.label))
    apply_filters(page)

    expect(rows).to_have_count(len(expected))
    for name in expected:
        row = page.get_by_role("row").filter(
            has=page.get_by_role("rowheader", name=re.compile(rf"^{re.escape(name)}\b"))
        )
        expect(row).to_contain_text(str(status.label))


def test_the_commitment_page_shows_the_ladder_with_dates_and_the_timeline_newest_first(page, demo):
    changed = changed_commitment()
    commitment = changed.commitment

    page.goto(f"/commitments/{commitment.pk}/")

    ladder = page.get_by_role("region", name="Ratification ladder")
    for label in LABELS.values():
        if label in ("Rejected", "Withdrawn"):
            continue  # stages off the main ladder: shown only when reached
        expect(ladder.get_by_text(label, exact=True)).to_be_visible()
    for update in changed.applied:
        stage = ladder.get_by_role("listitem").filter(
            has=page.get_by_text(LABELS[update.proposed_status], exact=True)
        )
        expect(stage).to_contain_text(long_date(update.effective_date))
    expect(ladder.locator("[aria-current=step]")).to_contain_text(LABELS[commitment.status])

    timeline = page.get_by_role("region", name="Timeline")
    changes = timeline.get_by_role("listitem").filter(has=page.get_by_role("heading", level=3))
    # Every applied change, and the pledge itself, newest first.
    expect(changes).to_have_count(len(changed.applied) + 1)
    newest, oldest = changes.first, changes.last
    expect(newest.get_by_role("heading", level=3)).to_contain_text(LABELS[changed.new_status])
    expect(newest).to_contain_text("Effective")
    expect(newest).to_contain_text(long_date(changed.changed_on))
    expect(newest).to_contain_text("Recorded")
    expect(oldest.get_by_role("heading", level=3)).to_contain_text("Pledge recorded")


@pytest.mark.parametrize(
    ("link", "extension"), [("CSV", "csv"), ("JSON", "json"), ("XLSX", "xlsx")]
)
def test_the_matrix_downloads_as_a_file(page, demo, link, extension):
    page.goto("/")

    with page.expect_download() as info:
        page.get_by_role("link", name=link, exact=True).click()

    download = info.value
    today = datetime.date.today().isoformat()
    assert download.suggested_filename == f"matrix-{AGREEMENT_SLUG}-{today}.{extension}"
    path = download.path()
    if extension == "csv":
        with open(path, newline="", encoding="utf-8") as file:
            header, *rows = list(csv.reader(file))
        assert header == list(COLUMNS)
        names = {row[COLUMNS.index("participant_name")] for row in rows}
    elif extension == "json":
        with open(path, encoding="utf-8") as file:
            body = json.load(file)
        rows = body["rows"]
        names = {row["participant_name"] for row in rows}
    else:
        with open(path, "rb") as file:
            sheet = load_workbook(file, read_only=True).active
            header, *rows = list(sheet.iter_rows(values_only=True))
        assert list(header) == list(COLUMNS)
        names = {row[COLUMNS.index("participant_name")] for row in rows}
    assert len(rows) == Commitment.objects.filter(guarantee__agreement__slug=AGREEMENT_SLUG).count()
    assert {"France", "Ukraine"} <= names


def test_the_matrix_links_its_atom_feed_and_the_feed_has_entries(page, demo):
    page.goto("/")
    feed_link = page.locator('head link[rel="alternate"][type="application/atom+xml"]').first
    href = feed_link.get_attribute("href")
    assert href == "/changes/feed/"

    response = page.request.get(href)

    assert response.status == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.body())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.entries, "the feed of the demo's changes is empty"
    assert all(entry.get("link") and entry.get("title") for entry in feed.entries)


def test_an_impossible_date_in_the_address_answers_a_page_saying_what_was_wrong(page, demo):
    response = page.goto("/?as_of=2024-02-30")

    assert response.status == 400
    expect(page.get_by_role("heading", level=1)).to_contain_text("cannot show")
    expect(page.get_by_role("listitem").filter(has_text="as_of")).to_contain_text(
        "2024-02-30 is not a date on the calendar"
    )
    expect(page.get_by_role("link", name="Back to the matrix")).to_be_visible()
