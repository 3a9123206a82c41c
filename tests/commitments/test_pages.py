import pytest
from django.urls import reverse

from commitments.choices import CommitmentStatus
from tests.factories import CommitmentFactory, GuaranteeFactory

pytestmark = pytest.mark.django_db


def test_the_home_page_shows_the_matrix_of_the_agreement(client):
    guarantee = GuaranteeFactory(title="Air support", agreement__title="Paris joint statement")
    CommitmentFactory.create_batch(2, guarantee=guarantee, status=CommitmentStatus.RATIFIED)
    CommitmentFactory(guarantee=guarantee, status=CommitmentStatus.SIGNED)

    response = client.get(reverse("commitments:home"))

    assert response.status_code == 200
    matrix = response.context["matrix"]
    assert [cell.status for row in matrix.rows for cell in row.cells].count("ratified") == 2
    assert (matrix.total.done, matrix.total.of) == (2, 3)
    assert "Paris joint statement" in response.content.decode()


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
