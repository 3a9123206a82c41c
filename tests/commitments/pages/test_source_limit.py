"""The propose form's "Add another source" at the most sources an update takes
(selectors.MAX_SOURCES): a note says so and the button goes, instead of a 400 that htmx
leaves unseen."""

import pytest
from django.urls import reverse

from commitments.selectors import MAX_SOURCES
from tests.commitments.pages.test_propose import form_data
from tests.factories import CommitmentFactory

pytestmark = pytest.mark.django_db

SOURCE_FORM = "/my/updates/source-form/"
NOTE = f"An update takes at most {MAX_SOURCES} sources"


@pytest.fixture
def as_analyst(client, analyst):
    client.force_login(analyst)
    return client


def test_asking_for_a_source_beyond_the_most_answers_the_note_and_no_form(as_analyst):
    response = as_analyst.get(SOURCE_FORM, {"sources-TOTAL_FORMS": str(MAX_SOURCES)})

    assert response.status_code == 200
    html = response.content.decode()
    assert NOTE in html
    assert 'id="add-source"' in html and 'hx-swap-oob="true"' in html
    assert f'name="sources-{MAX_SOURCES}-url"' not in html
    assert "Add another source" not in html
    assert 'id="id_sources-TOTAL_FORMS"' not in html


def test_the_last_source_that_fits_comes_with_the_note_in_place_of_the_button(as_analyst):
    response = as_analyst.get(SOURCE_FORM, {"sources-TOTAL_FORMS": str(MAX_SOURCES - 1)})

    html = response.content.decode()
    assert f'name="sources-{MAX_SOURCES - 1}-url"' in html
    assert f'value="{MAX_SOURCES}"' in html
    assert NOTE in html
    assert "Add another source" not in html


def test_a_source_below_the_most_keeps_the_button_as_it_is(as_analyst):
    response = as_analyst.get(SOURCE_FORM, {"sources-TOTAL_FORMS": "3"})

    html = response.content.decode()
    assert 'name="sources-3-url"' in html
    assert NOTE not in html
    assert 'id="add-source"' not in html


def test_the_form_offers_the_button_while_there_is_room(as_analyst):
    commitment = CommitmentFactory()

    html = as_analyst.get(
        reverse("commitments:update_propose", kwargs={"pk": commitment.pk})
    ).content.decode()

    assert "Add another source" in html
    assert NOTE not in html


def test_a_form_drawn_again_with_the_most_sources_shows_the_note_not_the_button(as_analyst):
    commitment = CommitmentFactory()
    sources = [{"url": f"https://news.example.org/{n}"} for n in range(MAX_SOURCES)]

    response = as_analyst.post(
        reverse("commitments:update_propose", kwargs={"pk": commitment.pk}),
        form_data(commitment, sources=sources, summary=""),
    )

    html = response.content.decode()
    assert "The update was not saved" in html
    assert NOTE in html
    assert "Add another source" not in html
