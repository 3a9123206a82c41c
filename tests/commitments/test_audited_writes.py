"""Audited models refuse the bulk writes that would bypass the audit history."""

import pytest

from commitments.exceptions import AuditedWriteForbidden
from commitments.models import (
    Agreement,
    Commitment,
    Guarantee,
    Participant,
    StatusUpdate,
    unaudited_bulk_create,
)
from tests.factories import (
    AgreementFactory,
    CommitmentFactory,
    GuaranteeFactory,
    ParticipantFactory,
    StatusUpdateFactory,
)

pytestmark = pytest.mark.django_db

AUDITED = {
    Participant: ParticipantFactory,
    Agreement: AgreementFactory,
    Guarantee: GuaranteeFactory,
    Commitment: CommitmentFactory,
    StatusUpdate: StatusUpdateFactory,
}


@pytest.mark.parametrize("model", AUDITED, ids=lambda model: model.__name__)
def test_an_audited_model_refuses_a_queryset_delete(model):
    AUDITED[model]()
    before = model.objects.count()

    with pytest.raises(AuditedWriteForbidden):
        model.objects.all().delete()

    assert model.objects.count() == before


@pytest.mark.parametrize("model", AUDITED, ids=lambda model: model.__name__)
def test_an_audited_model_refuses_a_bulk_create(model):
    row = AUDITED[model].build()
    before = model.objects.count()

    with pytest.raises(AuditedWriteForbidden):
        model.objects.bulk_create([row])

    assert model.objects.count() == before


def test_the_documented_escape_hatch_inserts_audited_rows_in_bulk_for_fixtures():
    rows = [
        ParticipantFactory.build(code=f"P{i}", name=f"P {i}", kind="organisation") for i in range(3)
    ]

    unaudited_bulk_create(Participant, rows)

    assert Participant.objects.count() == 3
