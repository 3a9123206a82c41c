"""The review workflow: who may do what, four eyes, stale updates, and refusals that change
nothing."""

import datetime

import pytest
from django.db import IntegrityError
from django.utils import timezone

from accounts.roles import Role
from commitments import audit
from commitments.choices import CommitmentStatus, UpdateState
from commitments.exceptions import (
    InvalidTransition,
    NotAllowed,
    SelfReviewForbidden,
    StaleUpdate,
    UpdateNotPending,
    ValidationFailed,
)
from commitments.models import AuditEvent, Commitment, StatusUpdate
from commitments.services import (
    update_approve,
    update_create,
    update_delete,
    update_edit,
    update_reject,
    update_submit,
    update_withdraw,
)
from tests.factories import CommitmentFactory, StatusUpdateFactory, UserFactory

pytestmark = pytest.mark.django_db

SOURCE = [{"url": "https://news.example.org/vote", "title": "The vote"}]
ROLES = [Role.ANALYST, Role.REVIEWER, Role.ADMIN, Role.API_CLIENT, "superuser"]


def make_user(role: str):
    if role == "superuser":
        return UserFactory(is_superuser=True, is_staff=True)
    return UserFactory(roles=[role])


def create(commitment, author, **overrides):
    fields = {
        "proposed_status": CommitmentStatus.IN_PARLIAMENT,
        "effective_date": datetime.date(2024, 5, 2),
        "summary": "The bill was tabled.",
        "sources": SOURCE,
        **overrides,
    }
    return update_create(commitment=commitment, author=author, **fields)


def assert_nothing_recorded(update=None, state=None, commitment=None):
    assert not AuditEvent.objects.exists()
    if update is not None:
        update.refresh_from_db()
        assert update.state == state
    if commitment is not None:
        live = Commitment.objects.get(pk=commitment.pk)
        assert (live.status, live.version) == (commitment.status, commitment.version)


# Who may do what -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_analysts_and_superusers_propose_updates(role):
    user, commitment = make_user(role), CommitmentFactory()

    if role in (Role.ANALYST, "superuser"):
        update = create(commitment, user)
        assert update.state == UpdateState.SUBMITTED
        assert AuditEvent.objects.get().action == audit.UPDATE_SUBMITTED
    else:
        with pytest.raises(NotAllowed):
            create(commitment, user)
        assert not StatusUpdate.objects.exists()
        assert_nothing_recorded()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("action", "state"),
    [
        (lambda u, user: update_edit(update=u, author=user, summary="x"), UpdateState.DRAFT),
        (lambda u, user: update_delete(update=u, author=user), UpdateState.DRAFT),
        (lambda u, user: update_submit(update=u, author=user), UpdateState.DRAFT),
        (lambda u, user: update_withdraw(update=u, author=user), UpdateState.SUBMITTED),
    ],
    ids=["edit", "delete", "submit", "withdraw"],
)
def test_nobody_but_the_author_edits_deletes_submits_or_withdraws(role, action, state):
    update = StatusUpdateFactory(state=state)
    other = make_user(role)

    with pytest.raises(NotAllowed, match=r"Only the author|Only analysts"):
        action(update, other)

    assert_nothing_recorded(update, state)


@pytest.mark.parametrize("role", ROLES)
def test_only_reviewers_and_superusers_approve(role):
    update = StatusUpdateFactory()
    user = make_user(role)

    if role in (Role.REVIEWER, "superuser"):
        commitment = update_approve(update=update, reviewer=user)
        assert commitment.status == CommitmentStatus.IN_PARLIAMENT
    else:
        with pytest.raises(NotAllowed):
            update_approve(update=update, reviewer=user)
        assert_nothing_recorded(update, UpdateState.SUBMITTED, update.commitment)


@pytest.mark.parametrize("role", ROLES)
def test_only_reviewers_and_superusers_reject(role):
    update = StatusUpdateFactory()
    user = make_user(role)

    if role in (Role.REVIEWER, "superuser"):
        update_reject(update=update, reviewer=user, comment="No source for the vote.")
        update.refresh_from_db()
        assert update.state == UpdateState.REJECTED
    else:
        with pytest.raises(NotAllowed):
            update_reject(update=update, reviewer=user, comment="No.")
        assert_nothing_recorded(update, UpdateState.SUBMITTED)


# The author's own steps ------------------------------------------------------------------


def test_an_analyst_saves_a_draft_and_submits_it_later(analyst):
    update = create(CommitmentFactory(), analyst, draft=True)

    update_submit(update=update, author=analyst)

    update.refresh_from_db()
    assert update.state == UpdateState.SUBMITTED
    assert update.submitted_at is not None
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions == [audit.UPDATE_CREATED, audit.UPDATE_SUBMITTED]


def test_an_author_who_lost_the_analyst_role_cannot_submit_their_draft(analyst):
    update = create(CommitmentFactory(), analyst, draft=True)
    analyst.groups.clear()
    analyst.__dict__.pop("_role_names", None)

    with pytest.raises(NotAllowed, match="Only analysts"):
        update_submit(update=update, author=analyst)

    update.refresh_from_db()
    assert update.state == UpdateState.DRAFT


def test_editing_a_draft_records_what_changed(analyst):
    update = create(CommitmentFactory(), analyst, draft=True)

    update_edit(update=update, author=analyst, summary="The bill passed first reading.")

    event = AuditEvent.objects.latest("sequence")
    assert event.action == audit.UPDATE_EDITED
    assert event.before == {"summary": "The bill was tabled."}
    assert event.after == {"summary": "The bill passed first reading."}


def test_an_analyst_deletes_an_own_draft_and_the_deletion_is_recorded(analyst):
    update = create(CommitmentFactory(), analyst, draft=True)
    pk = update.pk

    update_delete(update=update, author=analyst)

    assert not StatusUpdate.objects.filter(pk=pk).exists()
    assert AuditEvent.objects.latest("sequence").action == audit.UPDATE_DELETED


def test_a_submitted_update_cannot_be_deleted_only_withdrawn(analyst):
    update = create(CommitmentFactory(), analyst)
    events = AuditEvent.objects.count()

    with pytest.raises(UpdateNotPending):
        update_delete(update=update, author=analyst)

    assert AuditEvent.objects.count() == events
    update_withdraw(update=update, author=analyst)
    update.refresh_from_db()
    assert update.state == UpdateState.WITHDRAWN


def test_a_submitted_update_cannot_be_edited(analyst):
    update = create(CommitmentFactory(), analyst)

    with pytest.raises(UpdateNotPending):
        update_edit(update=update, author=analyst, summary="changed")

    update.refresh_from_db()
    assert update.summary == "The bill was tabled."


# Four eyes -------------------------------------------------------------------------------


def test_nobody_approves_their_own_update(reviewer):
    reviewer.groups.add(*UserFactory(roles=[Role.ANALYST]).groups.all())
    reviewer.__dict__.pop("_role_names", None)
    update = create(CommitmentFactory(), reviewer)
    events = AuditEvent.objects.count()

    with pytest.raises(SelfReviewForbidden):
        update_approve(update=update, reviewer=reviewer)

    update.refresh_from_db()
    assert update.state == UpdateState.SUBMITTED
    assert AuditEvent.objects.count() == events


def test_a_superuser_who_wrote_an_update_can_neither_approve_nor_reject_it():
    boss = UserFactory(is_superuser=True, is_staff=True)
    update = create(CommitmentFactory(), boss)
    events = AuditEvent.objects.count()

    with pytest.raises(SelfReviewForbidden):
        update_approve(update=update, reviewer=boss)
    with pytest.raises(SelfReviewForbidden):
        update_reject(update=update, reviewer=boss, comment="Mine anyway")

    assert_state = StatusUpdate.objects.get(pk=update.pk).state
    assert assert_state == UpdateState.SUBMITTED
    assert AuditEvent.objects.count() == events


def test_the_database_refuses_a_self_review_even_behind_the_services_back(analyst):
    update = StatusUpdateFactory(proposed_by=analyst)
    update.state, update.reviewed_by, update.reviewed_at = (
        UpdateState.APPROVED,
        analyst,
        timezone.now(),
    )

    with pytest.raises(IntegrityError, match="update_four_eyes"):
        update.save()


# Approval --------------------------------------------------------------------------------


def test_approval_applies_the_update_and_records_one_event(reviewer):
    update = StatusUpdateFactory(effective_date=datetime.date(2024, 6, 3))

    commitment = update_approve(update=update, reviewer=reviewer, comment="Checked the vote.")

    assert commitment.status == CommitmentStatus.IN_PARLIAMENT
    assert commitment.in_parliament_on == commitment.status_date == datetime.date(2024, 6, 3)
    assert commitment.version == 2
    assert commitment.status_changed_at is not None
    update.refresh_from_db()
    assert (update.state, update.reviewed_by) == (UpdateState.APPROVED, reviewer)
    event = AuditEvent.objects.get()
    assert event.action == audit.STATUS_CHANGED
    assert (event.before["status"], event.after["status"]) == ("signed", "in_parliament")
    assert event.after["version"] == 2
    assert event.effective_date == datetime.date(2024, 6, 3)


def test_an_update_written_against_an_older_version_is_refused_as_stale_and_marked(reviewer):
    commitment = CommitmentFactory()
    first = StatusUpdateFactory(commitment=commitment)
    second = StatusUpdateFactory(commitment=commitment, proposed_status=CommitmentStatus.WITHDRAWN)
    update_approve(update=first, reviewer=reviewer)

    with pytest.raises(StaleUpdate, match=r"version 1.*version 2.*in_parliament"):
        update_approve(update=second, reviewer=reviewer)

    second.refresh_from_db()
    assert second.state == UpdateState.STALE
    commitment.refresh_from_db()
    assert (commitment.status, commitment.version) == (CommitmentStatus.IN_PARLIAMENT, 2)
    assert AuditEvent.objects.latest("sequence").action == audit.UPDATE_STALE


@pytest.mark.parametrize(
    "state",
    [
        UpdateState.DRAFT,
        UpdateState.WITHDRAWN,
        UpdateState.APPROVED,
        UpdateState.REJECTED,
        UpdateState.STALE,
    ],
)
def test_only_a_submitted_update_can_be_approved(state, reviewer):
    other = UserFactory(roles=[Role.REVIEWER])
    decided = state in (UpdateState.APPROVED, UpdateState.REJECTED)
    update = StatusUpdateFactory(
        state=state,
        reviewed_by=other if decided else None,
        reviewed_at=timezone.now() if decided else None,
        review_comment="done" if decided else "",
    )

    with pytest.raises(UpdateNotPending):
        update_approve(update=update, reviewer=reviewer)

    assert_nothing_recorded(update, state, update.commitment)


def test_a_move_off_the_ladder_is_refused_at_approval(reviewer):
    update = StatusUpdateFactory(proposed_status=CommitmentStatus.IN_FORCE)
    update.commitment.participant.needs_parliamentary_approval = True

    with pytest.raises(InvalidTransition, match="skips parliament"):
        update_approve(update=update, reviewer=reviewer)

    assert_nothing_recorded(update, UpdateState.SUBMITTED, update.commitment)


def test_a_correction_may_go_back_down_the_ladder(analyst, reviewer):
    commitment = CommitmentFactory(status=CommitmentStatus.RATIFIED)
    update = create(
        commitment,
        analyst,
        proposed_status=CommitmentStatus.SIGNED,
        is_correction=True,
        correction_reason="The earlier report confused the two chambers.",
    )

    commitment = update_approve(update=update, reviewer=reviewer)

    assert commitment.status == CommitmentStatus.SIGNED
    event = AuditEvent.objects.latest("sequence")
    assert event.after["is_correction"] is True
    assert event.reason == "The earlier report confused the two chambers."


# Bad input -------------------------------------------------------------------------------


def test_a_rejection_needs_a_comment(reviewer):
    update = StatusUpdateFactory()

    with pytest.raises(ValidationFailed) as refused:
        update_reject(update=update, reviewer=reviewer, comment="  ")

    assert "comment" in refused.value.fields
    assert_nothing_recorded(update, UpdateState.SUBMITTED)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"sources": []}, "sources"),
        ({"sources": [{"url": "ftp://example.org/x"}]}, "sources"),
        ({"sources": [{"url": "not a url"}]}, "sources"),
        ({"effective_date": timezone.localdate() + datetime.timedelta(days=1)}, "effective_date"),
        ({"summary": "   "}, "summary"),
        ({"is_correction": True, "correction_reason": ""}, "correction_reason"),
        ({"proposed_status": "adopted"}, "proposed_status"),
    ],
    ids=[
        "no-source",
        "ftp-source",
        "bad-url",
        "future-date",
        "no-summary",
        "correction-no-reason",
        "unknown-status",
    ],
)
def test_a_bad_update_is_refused_with_a_field_message_and_nothing_written(
    analyst, overrides, field
):
    commitment = CommitmentFactory()

    with pytest.raises(ValidationFailed) as refused:
        create(commitment, analyst, **overrides)

    assert field in refused.value.fields
    assert not StatusUpdate.objects.exists()
    assert_nothing_recorded()


def test_an_update_off_the_ladder_without_the_correction_flag_is_refused(analyst):
    commitment = CommitmentFactory(status=CommitmentStatus.RATIFIED)

    with pytest.raises(InvalidTransition):
        create(commitment, analyst, proposed_status=CommitmentStatus.SIGNED)

    assert not StatusUpdate.objects.exists()


def test_an_update_written_against_an_old_version_is_refused_at_creation(analyst):
    commitment = CommitmentFactory(version=3)

    with pytest.raises(StaleUpdate):
        create(commitment, analyst, base_version=2)

    assert not StatusUpdate.objects.exists()


def test_queryset_update_on_an_audited_model_is_refused():
    CommitmentFactory()

    from commitments.exceptions import AuditedWriteForbidden

    with pytest.raises(
        AuditedWriteForbidden, match=r"^Bulk writes bypass the audit history; use the services\.$"
    ):
        Commitment.objects.update(status=CommitmentStatus.IN_FORCE)

    assert Commitment.objects.get().status == CommitmentStatus.SIGNED
