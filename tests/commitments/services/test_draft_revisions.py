"""Editing a draft against the version its author saw (update_edit's base_version), and
editing and submitting it together (update_edit_submit): a refusal of either changes
nothing."""

import datetime

import pytest

from accounts.roles import Role
from commitments.choices import CommitmentStatus as S
from commitments.choices import UpdateState
from commitments.exceptions import Conflict, StaleUpdate, ValidationFailed
from commitments.models import AuditEvent
from commitments.services import update_approve, update_create, update_edit, update_edit_submit
from tests.factories import CommitmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(analyst):
    return update_create(
        commitment=CommitmentFactory(),
        author=analyst,
        proposed_status=S.IN_PARLIAMENT,
        effective_date=datetime.date(2024, 5, 2),
        summary="First words.",
        sources=[{"url": "https://news.example.org/first"}],
        draft=True,
    )


def approve_another_change(commitment):
    update = update_create(
        commitment=commitment,
        author=UserFactory(roles=[Role.ANALYST]),
        proposed_status=S.WITHDRAWN,
        effective_date=datetime.date(2024, 5, 1),
        summary="Withdrawn.",
        sources=[{"url": "https://news.example.org/withdrawn"}],
    )
    return update_approve(update=update, reviewer=UserFactory(roles=[Role.REVIEWER]))


def test_an_edit_at_the_version_the_author_saw_goes_through(analyst, draft):
    update = update_edit(update=draft, author=analyst, summary="Better.", base_version=1)

    assert update.summary == "Better."


def test_an_edit_made_after_the_commitment_moved_on_is_stale_naming_the_change(analyst, draft):
    approve_another_change(draft.commitment)
    events = AuditEvent.objects.count()

    with pytest.raises(StaleUpdate) as refused:
        update_edit(update=draft, author=analyst, summary="Blind.", base_version=1)

    assert "now at version 2" in refused.value.message
    assert "It was changed to withdrawn" in refused.value.message
    draft.refresh_from_db()
    assert draft.summary == "First words."
    assert AuditEvent.objects.count() == events


def test_edit_and_submit_together_leave_a_submitted_update(analyst, draft):
    update = update_edit_submit(update=draft, author=analyst, summary="Final.")

    update.refresh_from_db()
    assert (update.state, update.summary) == (UpdateState.SUBMITTED, "Final.")
    actions = list(AuditEvent.objects.order_by("sequence").values_list("action", flat=True))
    assert actions[-2:] == ["update.edited", "update.submitted"]


def test_a_refused_edit_submits_nothing(analyst, draft):
    events = AuditEvent.objects.count()

    with pytest.raises(ValidationFailed):
        update_edit_submit(update=draft, author=analyst, summary="  ")

    draft.refresh_from_db()
    assert (draft.state, draft.summary) == (UpdateState.DRAFT, "First words.")
    assert AuditEvent.objects.count() == events


def test_a_refused_submission_undoes_the_edit(analyst, draft, monkeypatch):
    def refuse(**kwargs):
        raise Conflict("Refused at submission.")

    monkeypatch.setattr("commitments.services.status_updates.update_submit", refuse)
    events = AuditEvent.objects.count()

    with pytest.raises(Conflict):
        update_edit_submit(update=draft, author=analyst, summary="Edited, then refused.")

    draft.refresh_from_db()
    assert (draft.state, draft.summary) == (UpdateState.DRAFT, "First words.")
    assert AuditEvent.objects.count() == events
