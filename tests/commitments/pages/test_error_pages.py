"""The 404 and 403 pages, with DEBUG off: the site's layout and the reason."""

import pytest


@pytest.fixture(autouse=True)
def _debug_off(settings):
    settings.DEBUG = False


@pytest.mark.django_db
def test_an_unknown_agreement_is_a_404_in_the_site_layout_saying_which(client):
    response = client.get("/?agreement=nope")

    assert response.status_code == 404
    body = response.content.decode()
    assert "Commitment Tracker" in body
    assert "No agreement nope." in body


@pytest.mark.django_db
def test_an_address_matching_no_page_is_a_404_naming_the_path(client):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert "/no/such/page/" in response.content.decode()


@pytest.mark.django_db
def test_a_repeated_parameter_is_a_400_naming_it(client):
    response = client.get("/?status=signed&status=ratified")

    assert response.status_code == 400
    assert "status" in response.content.decode()
    assert "Give this parameter once." in response.content.decode()
