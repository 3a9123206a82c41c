import pytest
from django.urls import reverse

from commitments.choices import CommitmentStatus
from tests.factories import CommitmentFactory, GuaranteeFactory

pytestmark = pytest.mark.django_db


def test_the_home_page_counts_commitments_per_status_for_each_guarantee(client):
    guarantee = GuaranteeFactory(title="Air support", agreement__title="Paris joint statement")
    CommitmentFactory.create_batch(2, guarantee=guarantee, status=CommitmentStatus.RATIFIED)
    CommitmentFactory(guarantee=guarantee, status=CommitmentStatus.SIGNED)

    response = client.get(reverse("commitments:home"))

    assert response.status_code == 200
    row = next(g for a in response.context["agreements"] for g in a.guarantees.all())
    counts = {status: n for status, _, n in row.status_counts}
    assert counts[CommitmentStatus.RATIFIED] == 2
    assert counts[CommitmentStatus.SIGNED] == 1
    assert row.total == 3
    assert "Paris joint statement" in response.content.decode()


def test_the_home_page_costs_the_same_queries_however_many_agreements(
    client, django_assert_max_num_queries
):
    for _ in range(5):
        CommitmentFactory.create_batch(3, guarantee=GuaranteeFactory())

    # Three for the page, one for the sample-data banner every page carries.
    with django_assert_max_num_queries(4):
        client.get(reverse("commitments:home"))


def test_sample_data_is_marked_on_the_home_page(client):
    GuaranteeFactory(agreement__is_sample=True)

    response = client.get(reverse("commitments:home"))

    assert "sample data" in response.content.decode()


def test_an_analyst_logs_in_and_out(client, analyst):
    response = client.post(reverse("login"), {"username": "ana", "password": "pass-word-123"})
    assert response.status_code == 302
    assert "ana" in client.get(reverse("commitments:home")).content.decode()

    client.post(reverse("logout"))

    assert "Log in" in client.get(reverse("commitments:home")).content.decode()
