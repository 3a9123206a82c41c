"""My updates (/my/updates/): the analyst's own updates by state, and the POSTs that submit,
delete or withdraw one. Another analyst's update is a 404 and stays as it was."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from commitments.choices import CommitmentStatus as S
from commitments.choices import UpdateState
from commitments.models import AuditEvent, StatusUpdate
from commitments.services import update_approve, update_create
from tests.factories import CommitmentFactory, SourceFactory, StatusUpdateFactory, UserFactory

pytestmark = pytest.mark.django_db

MY_UPDATES = "/my/updates/"

# The session, the user, their roles, the count of each state's updates, the updates shown
# (with commitment and reviewer), their sources, the header's unread count and the record's
# sample-data banner.
MY_UPDATES_QUERIES = 8


@pytest.fixture
def as_analyst(client, analyst):
    client.force_login(analyst)
    return client


def draft_of(author, commitment=None, summary="A draft.") -> StatusUpdate:
    return update_create(
        commitment=commitment or CommitmentFactory(),
        author=author,
        proposed_status=S.IN_PARLIAMENT,
        effective_date=datetime.date(2024, 5, 2),
        summary=summary,
        sources=[{"url": "https://news.example.org/draft", "title": "Draft source"}],
        draft=True,
    )


def action_url(name: str, update) -> str:
    return reverse(f"commitments:update_{name}", kwargs={"pk": update.pk})


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def test_the_page_has_its_contract_url():
    assert reverse("commitments:my_updates") == MY_UPDATES


def test_my_updates_lists_every_own_update_grouped_by_state(as_analyst, analyst):
    states = [
        UpdateState.DRAFT,
        UpdateState.SUBMITTED,
        UpdateState.APPROVED,
        UpdateState.REJECTED,
        UpdateState.STALE,
        UpdateState.WITHDRAWN,
    ]
    reviewer = UserFactory(username="checker", roles=[Role.REVIEWER])
    for state in states:
        decided = state in (UpdateState.APPROVED, UpdateState.REJECTED)
        StatusUpdateFactory(
            proposed_by=analyst,
            state=state,
            summary=f"Summary of the {state} one.",
            reviewed_by=reviewer if decided else None,
            reviewed_at=datetime.datetime.now(datetime.UTC) if decided else None,
            review_comment="Not what the source says." if state == UpdateState.REJECTED else "",
        )

    response = as_analyst.get(MY_UPDATES)

    assert response.status_code == 200
    groups = response.context["groups"]
    assert [g.state for g in groups] == [
        UpdateState.DRAFT,
        UpdateState.SUBMITTED,
        UpdateState.STALE,
        UpdateState.REJECTED,
        UpdateState.APPROVED,
        UpdateState.WITHDRAWN,
    ]
    assert all(len(g.updates) == 1 for g in groups)
    html = response.content.decode()
    for state in states:
        assert f"Summary of the {state} one." in html
        assert f'id="state-{state}"' in html
    assert "Not what the source says." in html
    assert "by checker" in html


def test_each_update_names_and_links_its_commitment(as_analyst, analyst):
    update = StatusUpdateFactory(proposed_by=analyst)

    html = as_analyst.get(MY_UPDATES).content.decode()

    commitment = update.commitment
    assert f'href="/commitments/{commitment.pk}/"' in html
    assert f"{commitment.participant.name}: {commitment.guarantee.title}" in html


def test_other_analysts_updates_are_not_listed(as_analyst, analyst):
    StatusUpdateFactory(summary="Someone else's.")
    draft_of(UserFactory(roles=[Role.ANALYST]), summary="Someone else's draft.")

    response = as_analyst.get(MY_UPDATES)

    assert response.context["groups"] == []
    html = response.content.decode()
    assert "Someone else" not in html
    assert "You have proposed no updates yet." in html


def test_a_draft_offers_edit_submit_and_delete_and_a_submitted_one_withdraw(as_analyst, analyst):
    draft = draft_of(analyst)
    submitted = StatusUpdateFactory(proposed_by=analyst)

    html = as_analyst.get(MY_UPDATES).content.decode()

    assert f'href="/my/updates/{draft.pk}/edit/"' in html
    assert f'action="/my/updates/{draft.pk}/submit/"' in html
    assert f'action="/my/updates/{draft.pk}/delete/"' in html
    assert f'action="/my/updates/{submitted.pk}/withdraw/"' in html
    assert f'action="/my/updates/{submitted.pk}/submit/"' not in html
    assert "csrfmiddlewaretoken" in html


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.ADMIN, Role.API_CLIENT])
def test_anyone_but_an_analyst_gets_the_403_page(client, role):
    client.force_login(UserFactory(roles=[role]))

    assert client.get(MY_UPDATES).status_code == 403


def test_a_visitor_is_sent_to_log_in(client):
    response = client.get(MY_UPDATES)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# The actions ---------------------------------------------------------------------------------


def test_submitting_a_draft_sends_it_to_review(as_analyst, analyst):
    draft = draft_of(analyst)

    response = as_analyst.post(action_url("submit", draft))

    assert response.status_code == 302 and response.url == MY_UPDATES
    draft.refresh_from_db()
    assert draft.state == UpdateState.SUBMITTED
    assert messages_of(response) == [f"Update {draft.pk} submitted for review."]


def test_deleting_a_draft_removes_it(as_analyst, analyst):
    draft = draft_of(analyst)

    response = as_analyst.post(action_url("delete", draft))

    assert not StatusUpdate.objects.filter(pk=draft.pk).exists()
    assert messages_of(response) == [f"Draft {draft.pk} deleted."]


def test_withdrawing_a_submitted_update_keeps_it_as_withdrawn(as_analyst, analyst):
    update = StatusUpdateFactory(proposed_by=analyst)

    as_analyst.post(action_url("withdraw", update))

    update.refresh_from_db()
    assert update.state == UpdateState.WITHDRAWN


def test_a_refused_action_says_why_and_changes_nothing(as_analyst, analyst):
    update = StatusUpdateFactory(proposed_by=analyst, state=UpdateState.WITHDRAWN)

    response = as_analyst.post(action_url("withdraw", update))

    assert response.status_code == 302
    assert messages_of(response) == [f"Update {update.pk} is withdrawn, not draft or submitted."]
    update.refresh_from_db()
    assert update.state == UpdateState.WITHDRAWN
    assert not AuditEvent.objects.exists()


def test_submitting_a_draft_the_commitment_has_overtaken_is_refused_naming_the_change(
    as_analyst, analyst
):
    commitment = CommitmentFactory()
    draft = draft_of(analyst, commitment)
    other = update_create(
        commitment=commitment,
        author=UserFactory(roles=[Role.ANALYST]),
        proposed_status=S.WITHDRAWN,
        effective_date=datetime.date(2024, 5, 1),
        summary="Withdrawn.",
        sources=[{"url": "https://news.example.org/w"}],
    )
    update_approve(update=other, reviewer=UserFactory(roles=[Role.REVIEWER]))
    assert "edit it before you submit it" in as_analyst.get(MY_UPDATES).content.decode()

    response = as_analyst.post(action_url("submit", draft))

    [message] = messages_of(response)
    assert "the commitment is now at version 2" in message
    assert "It was changed to withdrawn" in message
    draft.refresh_from_db()
    assert draft.state == UpdateState.DRAFT


@pytest.mark.parametrize("action", ["submit", "delete", "withdraw"])
def test_a_forged_post_for_another_analyst_s_update_is_a_404_and_changes_nothing(
    as_analyst, action
):
    other = UserFactory(roles=[Role.ANALYST])
    draft = draft_of(other)
    events = AuditEvent.objects.count()

    response = as_analyst.post(action_url(action, draft))

    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.state == UpdateState.DRAFT
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("action", ["submit", "delete", "withdraw"])
def test_an_action_is_a_post(as_analyst, analyst, action):
    draft = draft_of(analyst)

    response = as_analyst.get(action_url(action, draft))

    assert response.status_code == 405
    draft.refresh_from_db()
    assert draft.state == UpdateState.DRAFT


@pytest.mark.parametrize("action", ["submit", "delete", "withdraw"])
def test_a_reviewer_may_not_post_an_action(client, analyst, action):
    draft = draft_of(analyst)
    client.force_login(UserFactory(roles=[Role.REVIEWER]))

    response = client.post(action_url(action, draft))

    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.state == UpdateState.DRAFT


def test_an_action_without_the_csrf_token_is_refused(analyst):
    draft = draft_of(analyst)
    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)

    response = client.post(action_url("delete", draft))

    assert response.status_code == 403
    assert StatusUpdate.objects.filter(pk=draft.pk).exists()


# Cost ----------------------------------------------------------------------------------------


def make_updates(author, count: int) -> None:
    reviewer = UserFactory(roles=[Role.REVIEWER])
    states = list(UpdateState)
    for i in range(count):
        state = states[i % len(states)]
        decided = state in (UpdateState.APPROVED, UpdateState.REJECTED)
        StatusUpdateFactory(
            proposed_by=author,
            state=state,
            reviewed_by=reviewer if decided else None,
            reviewed_at=datetime.datetime.now(datetime.UTC) if decided else None,
            review_comment="Checked." if decided else "",
            sources=[SourceFactory(), SourceFactory()],
        )


def test_the_page_costs_a_fixed_number_of_queries_for_5_or_50_updates_with_sources(
    as_analyst, analyst, django_assert_max_num_queries
):
    make_updates(analyst, 5)
    with CaptureQueriesContext(connection) as few:
        as_analyst.get(MY_UPDATES)
    make_updates(analyst, 45)

    with django_assert_max_num_queries(MY_UPDATES_QUERIES) as many:
        response = as_analyst.get(MY_UPDATES)

    assert len(many) == len(few)
    assert sum(len(g.updates) for g in response.context["groups"]) == 50
    assert response.content.decode().count('class="update state-') == 50
