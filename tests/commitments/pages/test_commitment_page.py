import datetime

import pytest
from django.urls import reverse

from commitments.choices import CommitmentStatus as S
from commitments.services import commitment_create, commitment_save
from tests.commitments.stories import DRAFT_SUMMARY, PENDING_SUMMARY, tell
from tests.factories import (
    CommitmentFactory,
    GuaranteeFactory,
    ParticipantFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


def page(client, commitment):
    response = client.get(reverse("commitments:commitment_detail", kwargs={"pk": commitment.pk}))
    assert response.status_code == 200
    return response.content.decode()


def test_the_ladder_shows_the_date_each_stage_was_reached_and_marks_the_current_one(client, story):
    ladder = {s.status: s for s in page_context(client, story.commitment)["ladder"]}

    assert ladder[S.PLEDGED].reached_on == datetime.date(2024, 3, 15)
    assert ladder[S.SIGNED].reached_on == datetime.date(2024, 4, 10)
    assert ladder[S.IN_FORCE].reached_on == datetime.date(2024, 5, 5)
    assert ladder[S.IN_FORCE].current and not ladder[S.SIGNED].current
    html = page(client, story.commitment)
    assert "10 April 2024" in html and "5 May 2024" in html
    assert 'aria-current="step"' in html


def page_context(client, commitment):
    return client.get(
        reverse("commitments:commitment_detail", kwargs={"pk": commitment.pk})
    ).context


def test_the_ladder_shows_rejected_or_withdrawn_only_where_reached(client, story):
    stages = [s.status for s in page_context(client, story.commitment)["ladder"]]

    assert stages == [S.PLEDGED, S.SIGNED, S.IN_PARLIAMENT, S.RATIFIED, S.IN_FORCE]


def test_a_commitment_not_subject_to_ratification_says_so(client, admin_user):
    commitment = commitment_create(
        participant=ParticipantFactory(),
        guarantee=GuaranteeFactory(),
        actor=None,
        subject_to_ratification=False,
    )

    assert "Not subject to ratification" in page(client, commitment)


def test_a_commitment_subject_to_ratification_does_not_say_otherwise(client, story):
    assert "Not subject to ratification" not in page(client, story.commitment)


def test_the_timeline_lists_applied_changes_newest_recorded_first(client, story):
    timeline = page_context(client, story.commitment)["timeline"]

    assert [c.sequence for c in timeline] == sorted((c.sequence for c in timeline), reverse=True)
    assert [c.to_status for c in timeline] == [S.IN_FORCE, S.IN_PARLIAMENT, S.SIGNED, S.PLEDGED]
    html = page(client, story.commitment)
    assert html.index("Summary of correction.") < html.index("Summary of tabling.")
    assert html.index("Summary of tabling.") < html.index("Summary of signing.")


def test_each_change_shows_its_effective_and_recorded_dates_and_its_move(client, story):
    change = page_context(client, story.commitment)["timeline"][2]  # the signing

    assert change.effective_date == datetime.date(2024, 4, 10)
    assert change.recorded_at is not None
    assert (change.from_status, change.to_status) == (S.PLEDGED, S.SIGNED)
    html = page(client, story.commitment)
    assert '<time datetime="2024-04-10">10 April 2024</time>' in html
    assert f'<time datetime="{change.recorded_at.isoformat()}' in html
    assert '<span class="status status-pledged">Pledged</span>' in html


def test_each_change_shows_its_sources_with_title_publisher_and_link(client, story):
    html = page(client, story.commitment)

    assert (
        '<a href="https://news.example.org/signing" rel="noopener noreferrer">'
        "Report on signing</a>, Example Gazette" in html
    )


def test_a_correction_is_marked_with_its_reason_and_the_change_it_superseded_too(client, story):
    timeline = page_context(client, story.commitment)["timeline"]
    by_status = {c.to_status: c for c in timeline}

    assert by_status[S.IN_FORCE].correction and not by_status[S.IN_FORCE].superseded
    assert by_status[S.IN_PARLIAMENT].superseded and not by_status[S.IN_PARLIAMENT].correction
    assert not by_status[S.SIGNED].superseded
    html = page(client, story.commitment)
    assert '<span class="badge correction">Correction</span>' in html
    assert "Reason for the correction:</strong> Earlier reports were wrong." in html
    assert html.count("Superseded by a later correction") == 1


def test_a_reviewers_comment_is_shown_on_an_ordinary_change(client, story):
    assert "comment:</strong> Checked signing." in page(client, story.commitment)


def test_anonymous_visitors_never_see_who_proposed_or_approved(client, story):
    html = page(client, story.commitment)

    assert "alice-analyst" not in html and "rory-reviewer" not in html
    assert all(
        c.proposed_by is None and c.approved_by is None
        for c in page_context(client, story.commitment)["timeline"]
    )


def test_signed_in_users_see_who_proposed_and_who_approved(client, story, analyst):
    client.force_login(analyst)

    html = page(client, story.commitment)

    assert "Proposed by alice-analyst · approved by rory-reviewer" in html


def test_the_page_counts_updates_pending_review_without_showing_them(client, story):
    html = page(client, story.commitment)

    assert "2 updates pending review" in html
    assert PENDING_SUMMARY not in html
    assert "rumours.example.org" not in html


def test_drafts_never_appear_nor_count_as_pending(client, story, analyst):
    client.force_login(analyst)

    html = page(client, story.commitment)

    assert DRAFT_SUMMARY not in html
    assert "3 updates pending review" not in html


def test_one_pending_update_is_counted_in_the_singular(client, author):
    from commitments.services import update_create

    commitment = commitment_create(
        participant=ParticipantFactory(), guarantee=GuaranteeFactory(), actor=None
    )
    update_create(
        commitment=commitment,
        author=author,
        proposed_status=S.SIGNED,
        effective_date=datetime.date.today(),
        summary="Signed.",
        sources=[{"url": "https://news.example.org/x"}],
    )

    assert "1 update pending review" in page(client, commitment)


def test_no_pending_line_without_pending_updates(client):
    commitment = commitment_create(
        participant=ParticipantFactory(), guarantee=GuaranteeFactory(), actor=None
    )

    assert "pending review" not in page(client, commitment)


def test_the_page_links_the_participant_guarantee_and_agreement(client, story):
    html = page(client, story.commitment)

    assert f'href="/participants/{story.code}/"' in html
    assert 'href="/guarantees/air-policing/"' in html
    assert 'href="/agreements/paris-statement/"' in html


def test_sample_data_is_marked(client):
    commitment = CommitmentFactory(is_sample=True)

    assert "sample data" in page(client, commitment)


def test_notes_are_shown(client, admin_user):
    commitment = commitment_create(
        participant=ParticipantFactory(), guarantee=GuaranteeFactory(), actor=None
    )
    commitment.notes = "Declared at the summit."
    commitment_save(commitment=commitment, actor=admin_user)

    assert "Declared at the summit." in page(client, commitment)


@pytest.mark.parametrize("path", ["/commitments/999999/", "/commitments/abc/", "/commitments/-1/"])
def test_an_unknown_or_malformed_id_is_a_404(client, path):
    assert client.get(path).status_code == 404


def test_an_id_beyond_any_integer_column_is_a_404(client):
    assert client.get(f"/commitments/{10**30}/").status_code == 404


def _lengthen(commitment, author, checker, *, changes):
    """Tell `changes` more changes of `commitment`, alternately a correction back to ratified
    and a move on to in force, each with its source; and cite sources on the commitment."""
    for i in range(changes):
        correction = i % 2 == 0
        commitment, _ = tell(
            commitment,
            S.RATIFIED if correction else S.IN_FORCE,
            datetime.date(2024, 8, 1) + datetime.timedelta(days=i),
            author=author,
            reviewer=checker,
            name=f"extra-{i}",
            correction=correction,
        )
    commitment.sources.add(*SourceFactory.create_batch(3))
    return commitment


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_page_costs_a_fixed_number_of_queries_however_long_the_history(
    client, story, author, checker, analyst, signed_in, django_assert_max_num_queries
):
    if signed_in:
        client.force_login(analyst)
    # Signed in: the session, the user, their roles (the header's, and whether to offer
    # "Propose an update") and the header's unread count.
    bound = 10 if signed_in else 6
    with django_assert_max_num_queries(bound):
        page(client, story.commitment)

    _lengthen(story.commitment, author, checker, changes=12)

    with django_assert_max_num_queries(bound):
        html = page(client, story.commitment)
    assert html.count('class="change') == 4 + 12
