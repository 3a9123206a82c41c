"""The database backs the rules up: a bad row is refused whoever writes it."""

import pytest
from django.db import IntegrityError, transaction

from commitments.models import Commitment, Participant
from tests.factories import CommitmentFactory, GuaranteeFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def test_a_status_off_the_ladder_is_refused_by_the_database():
    with pytest.raises(IntegrityError, match="commitment_status_on_ladder"), transaction.atomic():
        CommitmentFactory(status="adopted")

    assert not Commitment.objects.exists()


def test_a_second_commitment_for_the_same_participant_and_guarantee_is_refused():
    first = CommitmentFactory()

    # PostgreSQL names the constraint; SQLite names its columns.
    violated = (
        r"commitment_unique_per_participant_guarantee"
        r"|UNIQUE constraint failed: commitments_commitment\.participant_id, "
        r"commitments_commitment\.guarantee_id"
    )

    with pytest.raises(IntegrityError, match=violated), transaction.atomic():
        CommitmentFactory(participant=first.participant, guarantee=first.guarantee)

    assert Commitment.objects.count() == 1


def test_a_country_code_must_be_iso_alpha_2():
    with pytest.raises(IntegrityError, match="participant_country_code_iso"):
        Participant.objects.create(code="FRA", name="France", kind="country")


def test_an_organisation_may_have_a_longer_code():
    Participant.objects.create(code="NATO", name="NATO", kind="organisation")

    assert Participant.objects.filter(code="NATO").exists()


def test_the_validation_message_names_the_duplicate():
    first = CommitmentFactory()
    duplicate = Commitment(participant=first.participant, guarantee=GuaranteeFactory())
    duplicate.guarantee = first.guarantee

    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        duplicate.full_clean()

    assert refused.value.message_dict == {
        "__all__": ["This participant already has a commitment here."]
    }

    assert ParticipantFactory._meta.model.objects.count() == 1
