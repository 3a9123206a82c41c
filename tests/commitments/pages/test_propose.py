"""The propose form (/commitments/<pk>/propose/) and a draft's edit (/my/updates/<pk>/edit/):
analysts only; every refusal shown beside its field, with what was typed, and nothing
written."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from commitments.choices import CommitmentStatus as S
from commitments.choices import UpdateState
from commitments.models import AuditEvent, Source, StatusUpdate
from commitments.services import update_approve, update_create
from tests.factories import CommitmentFactory, StatusUpdateFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def commitment():
    """Signed on 2024-04-01 (version 1), in a country whose parliament must approve."""
    return CommitmentFactory(status=S.SIGNED, status_date=datetime.date(2024, 4, 1))


@pytest.fixture
def as_analyst(client, analyst):
    client.force_login(analyst)
    return client


def propose_url(commitment) -> str:
    return reverse("commitments:update_propose", kwargs={"pk": commitment.pk})


def edit_url(update) -> str:
    return reverse("commitments:update_edit", kwargs={"pk": update.pk})


def form_data(commitment, *, action="submit", sources=None, **fields) -> dict:
    """What the form posts: the update's fields, its sources (formset), the button."""
    sources = (
        [{"url": "https://news.example.org/tabled", "title": "Bill tabled"}]
        if sources is None
        else sources
    )
    data = {
        "proposed_status": S.IN_PARLIAMENT,
        "correction_reason": "",
        "effective_date": "2024-05-02",
        "summary": "The bill was tabled.",
        "base_version": str(commitment.version),
        "action": action,
        "sources-TOTAL_FORMS": str(len(sources)),
        "sources-INITIAL_FORMS": "0",
        "sources-MIN_NUM_FORMS": "1",
        "sources-MAX_NUM_FORMS": "20",
    }
    for i, source in enumerate(sources):
        for name in ("url", "title", "publisher", "published_on", "excerpt"):
            data[f"sources-{i}-{name}"] = source.get(name, "")
    data.update(fields)
    return data


def errors_of(response, field: str) -> list[str]:
    return response.context["form"].errors.get(field, [])


def nothing_written() -> bool:
    return not StatusUpdate.objects.exists() and not AuditEvent.objects.exists()


# Who gets the form -------------------------------------------------------------------------


def test_the_commitment_page_offers_an_analyst_the_propose_link(as_analyst, commitment):
    html = as_analyst.get(
        reverse("commitments:commitment_detail", kwargs={"pk": commitment.pk})
    ).content.decode()

    assert "Propose an update" in html
    assert propose_url(commitment) in html


@pytest.mark.parametrize("who", [None, Role.REVIEWER, Role.ADMIN, Role.API_CLIENT])
def test_the_commitment_page_offers_no_propose_link_to_anyone_else(client, commitment, who):
    if who:
        client.force_login(UserFactory(roles=[who]))

    html = client.get(
        reverse("commitments:commitment_detail", kwargs={"pk": commitment.pk})
    ).content.decode()

    assert "Propose an update" not in html


def test_the_form_has_every_field_labelled(as_analyst, commitment):
    response = as_analyst.get(propose_url(commitment))

    assert response.status_code == 200
    html = response.content.decode()
    for label in (
        "Proposed status",
        "Correction reason",
        "Effective date",
        "Summary",
        "Source URL",
        "Source title",
        "Publisher",
        "Published on",
        "Excerpt",
        "Add another source",
        "Save draft",
        "Submit for review",
    ):
        assert label in html, label
    assert f'name="base_version" value="{commitment.version}"' in html


def test_the_form_offers_the_ladder_s_next_statuses_and_every_status_as_a_correction(
    as_analyst, commitment
):
    field = as_analyst.get(propose_url(commitment)).context["form"].fields["proposed_status"]

    groups = dict(field.choices[1:])
    assert [value for value, _ in groups["Next on the ladder"]] == [S.IN_PARLIAMENT, S.WITHDRAWN]
    corrections = [value for value, _ in groups["Correction: the record is wrong"]]
    assert corrections == [f"correction:{s}" for s in S.values]


def test_a_commitment_without_parliament_offers_the_shortcut_to_ratified(as_analyst):
    commitment = CommitmentFactory(participant__needs_parliamentary_approval=False)

    field = as_analyst.get(propose_url(commitment)).context["form"].fields["proposed_status"]

    next_on_ladder = dict(field.choices[1:])["Next on the ladder"]
    assert [v for v, _ in next_on_ladder] == [S.IN_PARLIAMENT, S.RATIFIED, S.IN_FORCE, S.WITHDRAWN]


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.ADMIN, Role.API_CLIENT])
def test_anyone_but_an_analyst_gets_the_403_page(client, commitment, role):
    client.force_login(UserFactory(roles=[role]))

    get = client.get(propose_url(commitment))
    post = client.post(propose_url(commitment), form_data(commitment))

    assert get.status_code == post.status_code == 403
    assert "Only analysts propose status updates." in get.content.decode()
    assert nothing_written()


def test_a_visitor_is_sent_to_log_in(client, commitment):
    response = client.post(propose_url(commitment), form_data(commitment))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert nothing_written()


def test_an_unknown_commitment_is_a_404(as_analyst):
    assert as_analyst.get("/commitments/999999/propose/").status_code == 404


def test_a_post_without_the_csrf_token_is_refused(analyst, commitment):
    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)

    response = client.post(propose_url(commitment), form_data(commitment))

    assert response.status_code == 403
    assert nothing_written()


# Writing -----------------------------------------------------------------------------------


def test_submit_for_review_writes_a_submitted_update_with_its_sources(
    as_analyst, analyst, commitment
):
    response = as_analyst.post(
        propose_url(commitment),
        form_data(
            commitment,
            sources=[
                {
                    "url": "https://news.example.org/tabled",
                    "title": "Bill tabled",
                    "publisher": "Gazette",
                    "published_on": "2024-05-03",
                    "excerpt": "The bill was tabled today.",
                },
                {"url": "https://parliament.example.org/bill/12"},
            ],
        ),
    )

    assert response.status_code == 302
    assert response.url == reverse("commitments:my_updates")
    update = StatusUpdate.objects.get()
    assert (update.state, update.proposed_status, update.proposed_by) == (
        UpdateState.SUBMITTED,
        S.IN_PARLIAMENT,
        analyst,
    )
    assert update.effective_date == datetime.date(2024, 5, 2)
    assert update.base_version == commitment.version
    assert sorted(update.sources.values_list("url", flat=True)) == [
        "https://news.example.org/tabled",
        "https://parliament.example.org/bill/12",
    ]
    source = update.sources.get(title="Bill tabled")
    assert (source.publisher, source.published_on) == ("Gazette", datetime.date(2024, 5, 3))
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["update.submitted"]


def test_save_draft_writes_a_draft(as_analyst, commitment):
    response = as_analyst.post(propose_url(commitment), form_data(commitment, action="draft"))

    assert response.status_code == 302
    update = StatusUpdate.objects.get()
    assert update.state == UpdateState.DRAFT and update.submitted_at is None
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [f"Draft {update.pk} saved."]


def test_a_correction_with_its_reason_may_propose_a_status_off_the_ladder(as_analyst, commitment):
    as_analyst.post(
        propose_url(commitment),
        form_data(
            commitment,
            proposed_status=f"correction:{S.PLEDGED}",
            correction_reason="It was never signed.",
            effective_date="2024-04-01",
        ),
    )

    update = StatusUpdate.objects.get()
    assert (update.proposed_status, update.is_correction) == (S.PLEDGED, True)
    assert update.correction_reason == "It was never signed."


def test_an_empty_extra_source_form_is_left_out(as_analyst, commitment):
    as_analyst.post(
        propose_url(commitment),
        form_data(commitment, sources=[{"url": "https://news.example.org/a"}, {}]),
    )

    assert StatusUpdate.objects.get().sources.count() == 1


# Bad input: shown beside its field, typed values kept, nothing written -----------------------


def test_missing_fields_are_each_named_beside_the_field_and_nothing_is_written(
    as_analyst, commitment
):
    response = as_analyst.post(
        propose_url(commitment),
        form_data(
            commitment,
            proposed_status="",
            effective_date="",
            summary="",
            sources=[{"url": "", "title": "A title kept"}],
        ),
    )

    assert response.status_code == 200
    for field in ("proposed_status", "effective_date", "summary"):
        assert errors_of(response, field) == ["This field is required."]
    assert response.context["sources"].forms[0].errors["url"] == ["This field is required."]
    html = response.content.decode()
    assert "The update was not saved" in html
    assert 'value="A title kept"' in html
    assert 'aria-invalid="true"' in html
    assert nothing_written()


def test_an_effective_date_in_the_future_is_refused_beside_the_field(as_analyst, commitment):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = as_analyst.post(
        propose_url(commitment),
        form_data(commitment, effective_date=tomorrow.isoformat(), summary="Kept summary"),
    )

    assert errors_of(response, "effective_date") == ["The effective date cannot be in the future."]
    html = response.content.decode()
    assert f'value="{tomorrow.isoformat()}"' in html
    assert "Kept summary" in html
    assert nothing_written()


def test_the_error_summary_links_each_refused_field(as_analyst, commitment):
    response = as_analyst.post(
        propose_url(commitment),
        form_data(commitment, summary="", sources=[{"url": "not a url"}]),
    )

    html = response.content.decode()
    assert '<a href="#id_summary">Summary</a>: This field is required.' in html
    assert '<a href="#id_sources-0-url">Source 1, Source URL</a>: Enter a valid URL.' in html
    assert "<title>Error: Propose an update" in html


def test_an_effective_date_before_the_current_stage_is_refused_beside_the_field(
    as_analyst, commitment
):
    response = as_analyst.post(
        propose_url(commitment), form_data(commitment, effective_date="2024-03-20")
    )

    [message] = errors_of(response, "effective_date")
    assert message.startswith(
        "The effective date cannot be before 2024-04-01, the date of the current status (signed)."
    )
    assert nothing_written()


def test_a_malformed_effective_date_is_refused_beside_the_field(as_analyst, commitment):
    response = as_analyst.post(
        propose_url(commitment), form_data(commitment, effective_date="2024-02-30")
    )

    assert errors_of(response, "effective_date") == ["Enter a valid date."]
    assert nothing_written()


def test_a_correction_without_a_reason_is_refused_beside_the_reason(as_analyst, commitment):
    response = as_analyst.post(
        propose_url(commitment),
        form_data(commitment, proposed_status=f"correction:{S.RATIFIED}"),
    )

    assert errors_of(response, "correction_reason") == ["A correction needs a reason."]
    assert 'value="correction:ratified" selected' in response.content.decode()
    assert nothing_written()


def test_a_status_the_ladder_does_not_offer_is_refused_beside_the_status(as_analyst, commitment):
    # Signed -> ratified skips the parliament this commitment needs: not offered, refused.
    response = as_analyst.post(
        propose_url(commitment), form_data(commitment, proposed_status=S.RATIFIED)
    )

    assert errors_of(response, "proposed_status") == [
        "Select a valid choice. ratified is not one of the available choices."
    ]
    assert nothing_written()


def test_a_source_url_that_is_not_http_is_refused_beside_it(as_analyst, commitment):
    response = as_analyst.post(
        propose_url(commitment),
        form_data(commitment, sources=[{"url": "ftp://files.example.org/report"}]),
    )

    assert response.context["sources"].forms[0].errors["url"] == ["Enter a valid URL."]
    assert 'value="ftp://files.example.org/report"' in response.content.decode()
    assert nothing_written()


def test_no_source_at_all_is_refused(as_analyst, commitment):
    response = as_analyst.post(propose_url(commitment), form_data(commitment, sources=[]))

    assert "Give at least one source." in response.content.decode()
    assert nothing_written()


def test_a_tampered_source_count_is_refused_not_a_500(as_analyst, commitment):
    data = form_data(commitment)
    del data["sources-TOTAL_FORMS"]

    response = as_analyst.post(propose_url(commitment), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "The sources could not be read: enter them again." in html
    assert 'name="sources-TOTAL_FORMS" value="1"' in html
    assert nothing_written()


@pytest.mark.parametrize("version", ["", "abc", "-1"])
def test_a_tampered_version_is_refused_not_a_500(as_analyst, commitment, version):
    response = as_analyst.post(propose_url(commitment), form_data(commitment, base_version=version))

    assert response.status_code == 200
    assert "The form lost the commitment" in response.content.decode()
    assert nothing_written()


def test_a_version_from_the_future_is_refused(as_analyst, commitment):
    response = as_analyst.post(propose_url(commitment), form_data(commitment, base_version="9"))

    assert response.context["form"].non_field_errors() == [
        "No such version yet: the commitment is at 1."
    ]
    assert nothing_written()


def test_an_unknown_button_writes_nothing(as_analyst, commitment):
    response = as_analyst.post(propose_url(commitment), form_data(commitment, action="publish"))

    assert "Choose “Save draft” or “Submit for review”." in response.content.decode()
    assert nothing_written()


# The commitment changed while the form was open ----------------------------------------------


def approve_a_change(commitment, status=S.IN_PARLIAMENT, day=datetime.date(2024, 5, 1)):
    other = UserFactory(username="other-analyst", roles=[Role.ANALYST])
    update = update_create(
        commitment=commitment,
        author=other,
        proposed_status=status,
        effective_date=day,
        summary="Tabled by the government.",
        sources=[{"url": "https://news.example.org/other", "title": "Other report"}],
    )
    return update_approve(update=update, reviewer=UserFactory(roles=[Role.REVIEWER]))


def test_a_commitment_changed_while_the_form_was_open_is_shown_and_nothing_is_written(
    as_analyst, analyst, commitment
):
    data = form_data(commitment, proposed_status=S.WITHDRAWN, summary="Typed before the change")
    approve_a_change(commitment)
    before = StatusUpdate.objects.count()

    response = as_analyst.post(propose_url(commitment), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "The commitment changed while the form was open" in html
    assert "Tabled by the government." in html  # the newer change, from the timeline
    assert "Typed before the change" in html
    [change] = response.context["changes"]
    assert change.to_status == S.IN_PARLIAMENT
    assert "version 1; the commitment is now at version 2" in response.context["stale"]
    assert "It was changed to in_parliament" in response.context["stale"]
    assert 'name="base_version" value="2"' in html
    assert StatusUpdate.objects.count() == before
    assert not StatusUpdate.objects.filter(proposed_by=analyst).exists()


def test_after_seeing_the_newer_change_the_analyst_may_submit_again(as_analyst, commitment):
    data = form_data(commitment, proposed_status=S.WITHDRAWN)
    approve_a_change(commitment)
    as_analyst.post(propose_url(commitment), data)

    response = as_analyst.post(propose_url(commitment), {**data, "base_version": "2"})

    assert response.status_code == 302
    update = StatusUpdate.objects.get(proposed_status=S.WITHDRAWN)
    assert (update.state, update.base_version) == (UpdateState.SUBMITTED, 2)


def test_a_changed_commitment_is_shown_even_when_the_typed_status_no_longer_fits(
    as_analyst, commitment
):
    data = form_data(commitment)  # in_parliament, which the commitment now already is
    approve_a_change(commitment)

    response = as_analyst.post(propose_url(commitment), data)

    assert "The commitment changed while the form was open" in response.content.decode()
    assert errors_of(response, "proposed_status")
    assert StatusUpdate.objects.filter(proposed_status=S.IN_PARLIAMENT).count() == 1


# The source form htmx adds -----------------------------------------------------------------


def test_add_another_source_answers_the_next_source_form_and_the_new_count(as_analyst):
    response = as_analyst.get(
        reverse("commitments:update_source_form"), {"sources-TOTAL_FORMS": "1"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="sources-1-url"' in html
    assert "Source 2" in html
    assert 'id="id_sources-TOTAL_FORMS"' in html and 'value="2"' in html
    assert 'hx-swap-oob="true"' in html


@pytest.mark.parametrize("count", ["", "x", "-1"])
def test_add_another_source_refuses_a_bad_count(as_analyst, count):
    response = as_analyst.get(
        reverse("commitments:update_source_form"), {"sources-TOTAL_FORMS": count}
    )

    assert response.status_code == 400


def test_add_another_source_is_for_analysts_only(client, reviewer):
    client.force_login(reviewer)

    response = client.get(reverse("commitments:update_source_form"), {"sources-TOTAL_FORMS": "1"})

    assert response.status_code == 403


# Editing a draft ---------------------------------------------------------------------------


@pytest.fixture
def draft(analyst, commitment):
    return update_create(
        commitment=commitment,
        author=analyst,
        proposed_status=S.IN_PARLIAMENT,
        effective_date=datetime.date(2024, 5, 2),
        summary="First words.",
        sources=[{"url": "https://news.example.org/first", "title": "First report"}],
        draft=True,
    )


def test_the_edit_form_shows_the_draft_as_written(as_analyst, draft):
    response = as_analyst.get(edit_url(draft))

    assert response.status_code == 200
    html = response.content.decode()
    assert f"Edit draft {draft.pk}" in html
    assert "First words." in html
    assert 'value="https://news.example.org/first"' in html
    assert 'value="2024-05-02"' in html


def test_save_draft_on_the_edit_form_changes_the_draft(as_analyst, draft):
    response = as_analyst.post(
        edit_url(draft),
        form_data(
            draft.commitment,
            action="draft",
            summary="Better words.",
            sources=[{"url": "https://news.example.org/first", "title": "First report"}],
            **{"sources-INITIAL_FORMS": "1"},
        ),
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.state, draft.summary) == (UpdateState.DRAFT, "Better words.")
    assert list(draft.sources.values_list("url", flat=True)) == ["https://news.example.org/first"]


def test_submit_for_review_on_the_edit_form_edits_and_submits_the_draft(as_analyst, draft):
    as_analyst.post(
        edit_url(draft),
        form_data(
            draft.commitment,
            summary="Final words.",
            sources=[{"url": "https://news.example.org/second", "title": "Second report"}],
            **{"sources-INITIAL_FORMS": "1"},
        ),
    )

    draft.refresh_from_db()
    assert (draft.state, draft.summary) == (UpdateState.SUBMITTED, "Final words.")
    assert list(draft.sources.values_list("url", flat=True)) == ["https://news.example.org/second"]
    assert not Source.objects.filter(url="https://news.example.org/first").exists()


def test_a_refused_submission_from_the_edit_form_leaves_the_draft_as_it_was(as_analyst, draft):
    events = AuditEvent.objects.count()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = as_analyst.post(
        edit_url(draft),
        form_data(
            draft.commitment,
            summary="Changed words.",
            effective_date=tomorrow.isoformat(),
            **{"sources-INITIAL_FORMS": "1"},
        ),
    )

    assert errors_of(response, "effective_date") == ["The effective date cannot be in the future."]
    draft.refresh_from_db()
    assert (draft.state, draft.summary) == (UpdateState.DRAFT, "First words.")
    assert AuditEvent.objects.count() == events


def test_a_draft_written_before_the_commitment_changed_says_so_when_opened(as_analyst, draft):
    approve_a_change(draft.commitment, status=S.WITHDRAWN)

    response = as_analyst.get(edit_url(draft))

    html = response.content.decode()
    assert "The commitment changed since this draft was written" in html
    assert [c.to_status for c in response.context["changes"]] == [S.WITHDRAWN]


def test_an_edit_posted_after_the_commitment_changed_is_refused_and_shows_the_change(
    as_analyst, draft
):
    data = form_data(draft.commitment, summary="Edited blind.", **{"sources-INITIAL_FORMS": "1"})
    approve_a_change(draft.commitment, status=S.WITHDRAWN)

    response = as_analyst.post(edit_url(draft), data)

    assert "The commitment changed while the form was open" in response.content.decode()
    draft.refresh_from_db()
    assert (draft.state, draft.summary) == (UpdateState.DRAFT, "First words.")


def test_another_analyst_s_draft_is_a_404_to_open_and_to_post(client, draft):
    client.force_login(UserFactory(roles=[Role.ANALYST]))
    events = AuditEvent.objects.count()

    get = client.get(edit_url(draft))
    post = client.post(edit_url(draft), form_data(draft.commitment, summary="Forged."))

    assert get.status_code == post.status_code == 404
    draft.refresh_from_db()
    assert (draft.state, draft.summary) == (UpdateState.DRAFT, "First words.")
    assert AuditEvent.objects.count() == events


def test_a_submitted_update_is_not_edited_but_sent_back_to_my_updates(as_analyst, analyst):
    update = StatusUpdateFactory(proposed_by=analyst, summary="As submitted.")

    response = as_analyst.post(edit_url(update), form_data(update.commitment, summary="Later."))

    assert response.status_code == 302
    assert response.url == reverse("commitments:my_updates")
    update.refresh_from_db()
    assert update.summary == "As submitted."
