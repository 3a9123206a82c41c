"""services.updates_approve: several updates approved, each in its own transaction."""

import datetime

import pytest

from commitments.choices import CommitmentStatus as S
from commitments.choices import UpdateState
from commitments.exceptions import SelfReviewForbidden, StaleUpdate
from commitments.models import Commitment, StatusUpdate
from commitments.services import updates_approve
from tests.factories import CommitmentFactory, StatusUpdateFactory

pytestmark = pytest.mark.django_db


def test_one_refused_update_does_not_undo_the_others(reviewer):
    own = StatusUpdateFactory(proposed_by=reviewer)
    other = StatusUpdateFactory()

    outcomes = updates_approve(updates=[own, other], reviewer=reviewer)

    refusals = {o.update.pk: o.refusal for o in outcomes}
    assert isinstance(refusals[own.pk], SelfReviewForbidden)
    assert refusals[other.pk] is None
    assert StatusUpdate.objects.get(pk=own.pk).state == UpdateState.SUBMITTED
    assert StatusUpdate.objects.get(pk=other.pk).state == UpdateState.APPROVED


def test_updates_are_approved_oldest_first_so_the_later_one_on_a_commitment_goes_stale(reviewer):
    commitment = CommitmentFactory()
    now = datetime.datetime.now(datetime.UTC)
    later = StatusUpdateFactory(
        commitment=commitment, proposed_status=S.WITHDRAWN, submitted_at=now
    )
    earlier = StatusUpdateFactory(
        commitment=commitment, submitted_at=now - datetime.timedelta(hours=1)
    )

    outcomes = updates_approve(updates=[later, earlier], reviewer=reviewer)

    assert [o.update.pk for o in outcomes] == [earlier.pk, later.pk]
    assert isinstance(outcomes[1].refusal, StaleUpdate)
    assert f"update {earlier.pk}" in outcomes[1].refusal.message
    assert Commitment.objects.get(pk=commitment.pk).status == S.IN_PARLIAMENT
    assert StatusUpdate.objects.get(pk=later.pk).state == UpdateState.STALE
