"""The review queue (/review/): reviewers see submitted updates with their diff against the
live record, and approve or reject them in place (htmx) or by a plain POST."""

import datetime

import pytest
from django.urls import reverse

from accounts.roles import Role
from commitments.choices import CommitmentStatus as S
from commitments.choices import UpdateState
from commitments.models import AuditEvent, Commitment, StatusUpdate
from commitments.services import commitment_create, update_approve, update_create
from tests.factories import (
    CommitmentFactory,
    GuaranteeFactory,
    ParticipantFactory,
    SourceFactory,
    StatusUpdateFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

QUEUE = "/review/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def decide_url(update) -> str:
    return reverse("commitments:review_decide", kwargs={"pk": update.pk})


@pytest.fixture
def as_reviewer(client, reviewer):
    client.force_login(reviewer)
    return client


def states(*updates) -> list[str]:
    return [StatusUpdate.objects.get(pk=u.pk).state for u in updates]


# Who may open it ---------------------------------------------------------------------------


def test_the_queue_is_at_review_and_named_review_queue():
    assert reverse("commitments:review_queue") == QUEUE


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(QUEUE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_analyst_gets_the_403_page(client, analyst):
    client.force_login(analyst)

    response = client.get(QUEUE)

    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()


def test_an_analyst_cannot_approve_by_posting(client, analyst):
    update = StatusUpdateFactory()
    client.force_login(analyst)

    response = client.post(decide_url(update), {"approve": "1"})

    assert response.status_code == 403
    assert states(update) == [UpdateState.SUBMITTED]


# What it shows -----------------------------------------------------------------------------


def test_the_queue_lists_submitted_updates_oldest_first_with_their_age(as_reviewer):
    now = datetime.datetime.now(datetime.UTC)
    newer = StatusUpdateFactory(submitted_at=now - datetime.timedelta(hours=1))
    older = StatusUpdateFactory(submitted_at=now - datetime.timedelta(days=3, hours=2))
    StatusUpdateFactory(state=UpdateState.DRAFT)

    response = as_reviewer.get(QUEUE)

    rows = response.context["rows"]
    assert [row.update.pk for row in rows] == [older.pk, newer.pk]
    assert rows[0].age == "3\xa0days"
    assert "3\xa0days ago" in response.content.decode()


def test_each_row_shows_the_diff_its_approval_would_make(as_reviewer):
    commitment = CommitmentFactory(status=S.SIGNED, status_date=datetime.date(2024, 4, 1))
    source = SourceFactory(
        url="https://www.gov.example.fr/press/42",
        title="Bill tabled",
        publisher="Government press office",
        excerpt="The bill was tabled today.",
    )
    update = StatusUpdateFactory(
        commitment=commitment,
        proposed_status=S.IN_PARLIAMENT,
        effective_date=datetime.date(2024, 5, 2),
        sources=[source],
    )

    response = as_reviewer.get(QUEUE)

    (row,) = response.context["rows"]
    assert (row.status_old, row.status_new) == (S.SIGNED, S.IN_PARLIAMENT)
    assert (row.status_date_old, row.status_date_new) == (
        datetime.date(2024, 4, 1),
        datetime.date(2024, 5, 2),
    )
    assert [(c.label, c.old, c.new) for c in row.stage_dates] == [
        ("In parliament since", None, datetime.date(2024, 5, 2))
    ]
    assert (row.version_old, row.version_new) == (1, 2)
    assert row.author == update.proposed_by.username
    (line,) = row.sources
    assert (line.title, line.publisher, line.domain) == (
        "Bill tabled",
        "Government press office",
        "gov.example.fr",
    )
    html = response.content.decode()
    assert 'class="status status-signed"' in html and 'class="status status-in_parliament"' in html
    assert "The bill was tabled today." in html and "gov.example.fr" in html


def test_a_correction_shows_its_flag_and_its_reason(as_reviewer):
    StatusUpdateFactory(
        proposed_status=S.PLEDGED,
        is_correction=True,
        correction_reason="The signature was misreported.",
    )

    response = as_reviewer.get(QUEUE)

    (row,) = response.context["rows"]
    assert row.flags == ["Correction"]
    html = response.content.decode()
    assert "The signature was misreported." in html
    assert 'class="badge correction"' in html


def test_the_reviewers_own_update_is_listed_without_buttons(client):
    both = UserFactory(username="both", roles=[Role.ANALYST, Role.REVIEWER])
    own = StatusUpdateFactory(proposed_by=both)
    client.force_login(both)

    response = client.get(QUEUE)

    (row,) = response.context["rows"]
    assert row.update == own and not row.decidable
    html = response.content.decode()
    assert "Needs another reviewer" in html
    assert f'action="{decide_url(own)}"' not in html
    assert f"Select update {own.pk}" not in html


def test_an_overtaken_update_says_which_change_overtook_it(as_reviewer, reviewer):
    commitment = CommitmentFactory()
    first = StatusUpdateFactory(commitment=commitment, proposed_status=S.IN_PARLIAMENT)
    second = StatusUpdateFactory(commitment=commitment, proposed_status=S.WITHDRAWN)
    as_reviewer.post(decide_url(first), {"approve": "1"})

    response = as_reviewer.get(QUEUE)

    (row,) = response.context["rows"]
    assert row.update == second and row.is_overtaken
    assert f"by rev (update {first.pk}" in row.overtaken_by
    assert "Overtaken" in response.content.decode()


def test_approving_an_overtaken_update_marks_it_stale_and_names_the_newer_change(as_reviewer):
    commitment = CommitmentFactory()
    first = StatusUpdateFactory(commitment=commitment, proposed_status=S.IN_PARLIAMENT)
    second = StatusUpdateFactory(commitment=commitment, proposed_status=S.WITHDRAWN)
    as_reviewer.post(decide_url(first), {"approve": "1"})

    response = as_reviewer.post(decide_url(second), {"approve": "1"}, **HTMX)

    assert response.status_code == 200
    row = response.context["row"]
    assert row.state == UpdateState.STALE
    assert f"update {first.pk}" in row.note.text
    assert Commitment.objects.get(pk=commitment.pk).status == S.IN_PARLIAMENT


# Approve and reject ------------------------------------------------------------------------


def test_approving_with_htmx_changes_the_record_and_redraws_the_row_with_the_outcome(
    as_reviewer,
):
    update = StatusUpdateFactory(proposed_status=S.IN_PARLIAMENT)

    response = as_reviewer.post(decide_url(update), {"approve": "1"}, **HTMX)

    assert response.status_code == 200
    assert Commitment.objects.get(pk=update.commitment_id).status == S.IN_PARLIAMENT
    html = response.content.decode()
    assert html.lstrip().startswith(
        f'<li class="review-row state-approved" id="update-{update.pk}"'
    )
    assert "Approved by rev" in html and f"Update {update.pk} approved." in html
    assert "<html" not in html


def test_approving_without_javascript_redirects_to_the_queue_with_a_message(as_reviewer):
    update = StatusUpdateFactory()

    response = as_reviewer.post(decide_url(update), {"approve": "1"}, follow=True)

    assert response.redirect_chain == [(QUEUE, 302)]
    assert f"Update {update.pk} approved." in response.content.decode()
    assert states(update) == [UpdateState.APPROVED]


def test_rejecting_with_a_comment_turns_the_update_down(as_reviewer):
    update = StatusUpdateFactory()

    response = as_reviewer.post(
        decide_url(update), {"reject": "1", "comment": "The source is a blog."}, **HTMX
    )

    assert "Rejected by rev" in response.content.decode()
    update.refresh_from_db()
    assert (update.state, update.review_comment) == (UpdateState.REJECTED, "The source is a blog.")


def test_a_rejection_without_a_comment_is_refused_on_the_row(as_reviewer):
    update = StatusUpdateFactory()
    events = AuditEvent.objects.count()

    response = as_reviewer.post(decide_url(update), {"reject": "1", "comment": "  "}, **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "A rejection needs a comment." in html
    assert 'aria-invalid="true"' in html and "Approve" in html
    assert states(update) == [UpdateState.SUBMITTED]
    assert AuditEvent.objects.count() == events


def test_a_rejection_without_a_comment_and_without_javascript_shows_the_queue_with_the_error(
    as_reviewer,
):
    update = StatusUpdateFactory()

    response = as_reviewer.post(decide_url(update), {"reject": "1", "comment": ""})

    assert response.status_code == 400
    assert "A rejection needs a comment." in response.content.decode()
    assert states(update) == [UpdateState.SUBMITTED]


def test_a_double_click_approves_once_and_the_second_post_shows_the_outcome(as_reviewer):
    update = StatusUpdateFactory()
    as_reviewer.post(decide_url(update), {"approve": "1"}, **HTMX)
    events = AuditEvent.objects.count()

    response = as_reviewer.post(decide_url(update), {"approve": "1"}, **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert f"Update {update.pk} is already approved: nothing changed." in html
    assert "Approved by rev" in html
    assert AuditEvent.objects.count() == events
    assert Commitment.objects.get(pk=update.commitment_id).version == 2


def test_a_double_click_without_javascript_says_it_was_already_approved(as_reviewer):
    update = StatusUpdateFactory()
    as_reviewer.post(decide_url(update), {"approve": "1"})

    response = as_reviewer.post(decide_url(update), {"approve": "1"}, follow=True)

    assert response.status_code == 200
    assert f"Update {update.pk} is already approved" in response.content.decode()


def test_the_approve_buttons_are_disabled_while_a_request_runs(as_reviewer):
    StatusUpdateFactory()

    html = as_reviewer.get(QUEUE).content.decode()

    assert 'hx-disabled-elt="find button"' in html and 'hx-sync="this:drop"' in html


def test_a_reviewer_posting_their_own_update_is_refused_on_the_row(client):
    both = UserFactory(username="both", roles=[Role.ANALYST, Role.REVIEWER])
    own = StatusUpdateFactory(proposed_by=both)
    client.force_login(both)

    response = client.post(decide_url(own), {"approve": "1"}, **HTMX)

    assert "Nobody reviews their own update" in response.content.decode()
    assert states(own) == [UpdateState.SUBMITTED]


def test_a_forged_pk_of_another_analysts_draft_is_a_404(as_reviewer):
    draft = StatusUpdateFactory(state=UpdateState.DRAFT)

    response = as_reviewer.post(decide_url(draft), {"approve": "1"})

    assert response.status_code == 404
    assert states(draft) == [UpdateState.DRAFT]


def test_a_forged_pk_of_a_rejected_update_answers_with_a_message(as_reviewer, reviewer):
    update = StatusUpdateFactory(
        state=UpdateState.REJECTED,
        reviewed_by=UserFactory(roles=[Role.REVIEWER]),
        reviewed_at=datetime.datetime.now(datetime.UTC),
        review_comment="No.",
    )

    response = as_reviewer.post(decide_url(update), {"approve": "1"}, follow=True)

    assert f"Update {update.pk} is already rejected: nothing changed." in (
        response.content.decode()
    )
    assert states(update) == [UpdateState.REJECTED]


def test_an_unknown_pk_is_a_404(as_reviewer):
    response = as_reviewer.post("/review/987654/decide/", {"approve": "1"})

    assert response.status_code == 404


def test_deciding_takes_a_post(as_reviewer):
    update = StatusUpdateFactory()

    assert as_reviewer.get(decide_url(update)).status_code == 405


# Approve selected --------------------------------------------------------------------------

BULK = "/review/approve-selected/"


def test_approve_selected_approves_each_and_shows_each_outcome_one_refused(as_reviewer):
    commitment = CommitmentFactory()
    now = datetime.datetime.now(datetime.UTC)
    first = StatusUpdateFactory(commitment=commitment, submitted_at=now)
    # Same commitment, later: approved after the first, it is overtaken (stale).
    second = StatusUpdateFactory(
        commitment=commitment,
        proposed_status=S.WITHDRAWN,
        submitted_at=now + datetime.timedelta(seconds=1),
    )
    other = StatusUpdateFactory()
    untouched = StatusUpdateFactory()

    response = as_reviewer.post(
        BULK, {"selected": [str(second.pk), str(first.pk), str(other.pk)]}, **HTMX
    )

    assert response.status_code == 200
    assert states(first, second, other, untouched) == [
        UpdateState.APPROVED,
        UpdateState.STALE,
        UpdateState.APPROVED,
        UpdateState.SUBMITTED,
    ]
    notes = {row.update.pk: row.note for row in response.context["rows"]}
    assert notes[first.pk].level == notes[other.pk].level == "success"
    assert notes[second.pk].level == "error" and f"update {first.pk}" in notes[second.pk].text
    assert notes[untouched.pk] is None
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="review-list">')


def test_approve_selected_without_javascript_gives_one_message_per_update(as_reviewer):
    one, two = StatusUpdateFactory(), StatusUpdateFactory()

    response = as_reviewer.post(BULK, {"selected": [one.pk, two.pk]}, follow=True)

    html = response.content.decode()
    assert f"Update {one.pk} approved." in html and f"Update {two.pk} approved." in html
    assert states(one, two) == [UpdateState.APPROVED, UpdateState.APPROVED]


def test_approve_selected_refuses_a_forged_own_update_and_approves_the_rest(client):
    both = UserFactory(username="both", roles=[Role.ANALYST, Role.REVIEWER])
    own, other = StatusUpdateFactory(proposed_by=both), StatusUpdateFactory()
    client.force_login(both)

    response = client.post(BULK, {"selected": [own.pk, other.pk]}, **HTMX)

    assert states(own, other) == [UpdateState.SUBMITTED, UpdateState.APPROVED]
    notes = {row.update.pk: row.note for row in response.context["rows"]}
    assert "Nobody reviews their own update" in notes[own.pk].text


def test_approve_selected_names_a_forged_pk_it_cannot_see(as_reviewer):
    draft = StatusUpdateFactory(state=UpdateState.DRAFT)

    response = as_reviewer.post(BULK, {"selected": [draft.pk]}, **HTMX)

    assert f"There is no update {draft.pk} to approve." in response.content.decode()
    assert states(draft) == [UpdateState.DRAFT]


def test_approve_selected_with_nothing_selected_says_so(as_reviewer):
    response = as_reviewer.post(BULK, {}, follow=True)

    assert "Select at least one update to approve." in response.content.decode()


def test_each_decidable_row_has_a_labelled_checkbox_for_the_bulk_form(as_reviewer):
    update = StatusUpdateFactory()

    html = as_reviewer.get(QUEUE).content.decode()

    assert f'<label for="select-{update.pk}">Select update {update.pk}</label>' in html
    assert 'form="bulk-approve"' in html and "Approve selected" in html


# Query count -------------------------------------------------------------------------------


def make_pending(count: int) -> None:
    """`count` submitted updates with two sources each, on commitments of their own; every
    fifth overtaken by an applied change, every tenth a correction."""
    author = UserFactory(username="writer", roles=[Role.ANALYST])
    approver = UserFactory(username="approver", roles=[Role.REVIEWER])
    for index in range(count):
        commitment = CommitmentFactory()
        sources = [SourceFactory(), SourceFactory()]
        if index % 5 == 0:
            applied = StatusUpdateFactory(commitment=commitment, proposed_by=author)
            StatusUpdateFactory(commitment=commitment, proposed_by=author, sources=sources)
            update_approve(update=applied, reviewer=approver, notify=False)
        elif index % 10 == 1:
            StatusUpdateFactory(
                commitment=commitment,
                proposed_by=author,
                sources=sources,
                proposed_status=S.PLEDGED,
                is_correction=True,
                correction_reason="Misreported.",
            )
        else:
            StatusUpdateFactory(commitment=commitment, proposed_by=author, sources=sources)


def test_the_queue_costs_the_same_queries_for_20_and_200_pending_updates(
    as_reviewer, django_assert_max_num_queries
):
    make_pending(20)
    with django_assert_max_num_queries(10) as small:
        response = as_reviewer.get(QUEUE)
    assert len(response.context["rows"]) == 20
    make_pending(180)

    with django_assert_max_num_queries(10) as large:
        response = as_reviewer.get(QUEUE)

    rows = response.context["rows"]
    assert len(rows) == 50  # one page
    assert response.context["waiting"] == 200
    assert any(row.is_overtaken for row in rows)
    assert any(row.update.is_correction for row in rows)
    assert all(len(row.sources) == 2 for row in rows)
    assert len(large) == len(small)


def test_a_correction_shows_the_stage_dates_it_clears_and_the_change_it_supersedes(
    as_reviewer, analyst, admin_user
):
    commitment = commitment_create(
        participant=ParticipantFactory(), guarantee=GuaranteeFactory(), actor=admin_user
    )
    approver = UserFactory(username="approver", roles=[Role.REVIEWER])
    for status, day in ((S.SIGNED, datetime.date(2024, 4, 10)), (S.IN_PARLIAMENT, None)):
        update = update_create(
            commitment=commitment,
            author=analyst,
            proposed_status=status,
            effective_date=day or datetime.date(2024, 5, 2),
            summary="Step.",
            sources=[{"url": "https://example.org/a"}],
            notify=False,
        )
        update_approve(update=update, reviewer=approver, notify=False)
    parliament_event = AuditEvent.objects.filter(update=update).order_by("sequence").last()
    update_create(
        commitment=commitment,
        author=analyst,
        proposed_status=S.SIGNED,
        effective_date=datetime.date(2024, 4, 12),
        summary="It never went to parliament.",
        is_correction=True,
        correction_reason="The bill was another one.",
        sources=[{"url": "https://example.org/b"}],
        notify=False,
    )

    response = as_reviewer.get(QUEUE)

    (row,) = response.context["rows"]
    assert {(c.label, c.old, c.new) for c in row.stage_dates} == {
        ("Signed on", datetime.date(2024, 4, 10), datetime.date(2024, 4, 12)),
        ("In parliament since", datetime.date(2024, 5, 2), None),
    }
    assert row.corrects == parliament_event.sequence
    assert f"Supersedes event #{parliament_event.sequence}" in response.content.decode()


def test_a_post_naming_neither_approve_nor_reject_changes_nothing(as_reviewer):
    update = StatusUpdateFactory()

    response = as_reviewer.post(decide_url(update), {"comment": "Fine."}, **HTMX)

    assert "Press Approve or Reject: nothing changed." in response.content.decode()
    assert states(update) == [UpdateState.SUBMITTED]
