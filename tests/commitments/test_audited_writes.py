"""Audited models refuse the bulk writes that would bypass the audit history."""

import pytest
from django.urls import reverse

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


def test_a_bulk_delete_of_commitments_in_the_admin_is_refused_with_a_message(client, admin_user):
    commitment = CommitmentFactory()
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:commitments_commitment_changelist"),
        {"action": "delete_selected", "_selected_action": [commitment.pk], "post": "yes"},
        follow=True,
    )

    assert response.status_code == 200
    shown = [str(message) for message in response.context["messages"]]
    assert "Bulk writes bypass the audit history; use the services." in shown
    assert Commitment.objects.filter(pk=commitment.pk).exists()
