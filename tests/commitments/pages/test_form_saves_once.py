"""The propose and edit forms save once per drawing: each carries a token, and a second post
with it (a double click on "Submit for review" or "Save draft", a reload of the POST) creates
nothing and goes to what the first one saved, saying it was already saved."""

import datetime
import re

import pytest
from django.urls import reverse

from commitments.choices import CommitmentStatus as S
from commitments.choices import UpdateState
from commitments.exceptions import AlreadySaved
from commitments.models import AuditEvent, StatusUpdate
from commitments.services import update_create
from tests.commitments.pages.test_propose import form_data
from tests.factories import CommitmentFactory

pytestmark = pytest.mark.django_db

TOKEN = "k3y-0f-the-f0rm-drawn-once"


@pytest.fixture
def commitment():
    return CommitmentFactory(status=S.SIGNED, status_date=datetime.date(2024, 4, 1))


@pytest.fixture
def as_analyst(client, analyst):
    client.force_login(analyst)
    return client


def propose_url(commitment) -> str:
    return reverse("commitments:update_propose", kwargs={"pk": commitment.pk})


def edit_url(update) -> str:
    return reverse("commitments:update_edit", kwargs={"pk": update.pk})


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def a_draft(author, commitment) -> StatusUpdate:
    return update_create(
        commitment=commitment,
        author=author,
        proposed_status=S.IN_PARLIAMENT,
        effective_date=datetime.date(2024, 5, 2),
        summary="A draft.",
        sources=[{"url": "https://news.example.org/draft"}],
        draft=True,
    )


def test_the_form_carries_a_new_token_each_time_it_is_drawn(as_analyst, commitment):
    tokens = [
        re.search(
            r'name="form_token" value="([^"]+)"',
            as_analyst.get(propose_url(commitment)).content.decode(),
        ).group(1)
        for _ in range(2)
    ]

    assert all(len(token) >= 16 for token in tokens)
    assert tokens[0] != tokens[1]


def test_submitting_the_same_form_twice_creates_one_update(as_analyst, commitment):
    data = form_data(commitment, action="submit", form_token=TOKEN)
    first = as_analyst.post(propose_url(commitment), data)

    second = as_analyst.post(propose_url(commitment), data)

    update = StatusUpdate.objects.get()
    assert update.state == UpdateState.SUBMITTED
    assert first.status_code == second.status_code == 302
    assert second.url == f"/my/updates/#update-{update.pk}"
    assert messages_of(second)[-1:] == [
        f"This form was already saved, as update {update.pk}: nothing was saved twice."
    ]
    assert AuditEvent.objects.count() == 1


def test_saving_the_same_draft_twice_creates_one_draft(as_analyst, commitment):
    data = form_data(commitment, action="draft", form_token=TOKEN)
    as_analyst.post(propose_url(commitment), data)

    second = as_analyst.post(propose_url(commitment), data)

    assert StatusUpdate.objects.get().state == UpdateState.DRAFT
    assert "already saved" in messages_of(second)[-1]


def test_a_refused_post_leaves_the_token_for_the_corrected_one(as_analyst, commitment):
    refused = as_analyst.post(
        propose_url(commitment), form_data(commitment, summary="", form_token=TOKEN)
    )

    saved = as_analyst.post(propose_url(commitment), form_data(commitment, form_token=TOKEN))

    assert refused.status_code == 200
    assert saved.status_code == 302
    assert messages_of(saved) == [f"Update {StatusUpdate.objects.get().pk} submitted for review."]


def test_a_form_without_a_token_still_saves(as_analyst, commitment):
    as_analyst.post(propose_url(commitment), form_data(commitment))
    as_analyst.post(propose_url(commitment), form_data(commitment))

    assert StatusUpdate.objects.count() == 2


def test_submitting_an_edited_draft_twice_submits_it_once_and_says_so(
    as_analyst, analyst, commitment
):
    draft = a_draft(analyst, commitment)
    data = form_data(commitment, action="submit", form_token=TOKEN, summary="Edited.")
    as_analyst.post(edit_url(draft), data)

    second = as_analyst.post(edit_url(draft), data)

    draft.refresh_from_db()
    assert (draft.state, draft.summary) == (UpdateState.SUBMITTED, "Edited.")
    assert second.url == f"/my/updates/#update-{draft.pk}"
    assert messages_of(second)[-1:] == [
        f"This form was already saved, as update {draft.pk}: nothing was saved twice."
    ]
    assert AuditEvent.objects.filter(action="update.submitted").count() == 1


def test_saving_an_edited_draft_twice_records_one_edit(as_analyst, analyst, commitment):
    draft = a_draft(analyst, commitment)
    data = form_data(commitment, action="draft", form_token=TOKEN, summary="Edited.")
    as_analyst.post(edit_url(draft), data)

    as_analyst.post(edit_url(draft), {**data, "summary": "Edited again."})

    draft.refresh_from_db()
    assert draft.summary == "Edited."
    assert AuditEvent.objects.filter(action="update.edited").count() == 1


def test_the_service_refuses_a_second_save_with_the_token_and_writes_nothing(analyst, commitment):
    fields = {
        "commitment": commitment,
        "author": analyst,
        "proposed_status": S.IN_PARLIAMENT,
        "effective_date": datetime.date(2024, 5, 2),
        "summary": "Tabled.",
        "sources": [{"url": "https://news.example.org/tabled"}],
        "form_token": TOKEN,
    }
    first = update_create(**fields)

    with pytest.raises(AlreadySaved) as refused:
        update_create(**fields)

    assert refused.value.update_pk == first.pk
    assert StatusUpdate.objects.count() == 1
    assert AuditEvent.objects.count() == 1
