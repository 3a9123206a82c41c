"""/review/ in pages of 50, oldest first, with the count waiting; approve-selected takes
only update numbers (ASCII digits)."""

import datetime

import pytest

from commitments.choices import UpdateState
from commitments.models import StatusUpdate
from tests.factories import StatusUpdateFactory

pytestmark = pytest.mark.django_db

QUEUE = "/review/"
BULK = "/review/approve-selected/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def as_reviewer(client, reviewer):
    client.force_login(reviewer)
    return client


def pending(count: int) -> list[StatusUpdate]:
    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    return [
        StatusUpdateFactory(submitted_at=start + datetime.timedelta(minutes=i))
        for i in range(count)
    ]


def test_the_queue_shows_50_updates_a_page_oldest_first_and_counts_all_waiting(as_reviewer):
    updates = pending(55)

    response = as_reviewer.get(QUEUE)

    assert [row.update.pk for row in response.context["rows"]] == [u.pk for u in updates[:50]]
    html = response.content.decode()
    assert "55 updates waiting" in html
    assert 'rel="next" href="?page=2"' in html


def test_the_second_page_shows_the_rest(as_reviewer):
    updates = pending(55)

    response = as_reviewer.get(QUEUE, {"page": 2})

    assert [row.update.pk for row in response.context["rows"]] == [u.pk for u in updates[50:]]


def test_a_page_past_the_end_is_a_404(as_reviewer):
    pending(3)

    assert as_reviewer.get(QUEUE, {"page": 2}).status_code == 404
    assert as_reviewer.get(QUEUE, {"page": "²"}).status_code == 404


def test_one_update_waiting_is_said_in_the_singular(as_reviewer):
    pending(1)

    assert "1 update waiting" in as_reviewer.get(QUEUE).content.decode()


def test_approve_selected_approves_an_update_of_the_second_page(as_reviewer):
    updates = pending(55)

    as_reviewer.post(BULK, {"selected": [updates[52].pk]})

    assert StatusUpdate.objects.get(pk=updates[52].pk).state == UpdateState.APPROVED


@pytest.mark.parametrize("bad", ["²", "\u0661", "1.0", "-1", " 1", "9" * 40])
def test_approve_selected_with_a_bad_number_approves_nothing_and_says_so(as_reviewer, bad):
    [update] = pending(1)

    response = as_reviewer.post(BULK, {"selected": [str(update.pk), bad]}, follow=True)

    assert response.status_code == 200
    assert "is not an update number: nothing was approved." in response.content.decode()
    assert StatusUpdate.objects.get(pk=update.pk).state == UpdateState.SUBMITTED


def test_approve_selected_with_a_bad_number_and_htmx_answers_the_list_with_the_message(
    as_reviewer,
):
    [update] = pending(1)

    response = as_reviewer.post(BULK, {"selected": [str(update.pk), "²"]}, **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="review-list">')
    assert "“²” is not an update number: nothing was approved." in html
    assert StatusUpdate.objects.get(pk=update.pk).state == UpdateState.SUBMITTED


def test_approve_selected_on_the_second_page_goes_back_to_it(as_reviewer):
    updates = pending(55)

    response = as_reviewer.post(BULK, {"selected": [updates[52].pk], "page": "2"})

    assert response.status_code == 302
    assert response["Location"] == "/review/?page=2"


def test_approve_selected_with_htmx_redraws_the_page_it_was_posted_from(as_reviewer):
    updates = pending(55)

    response = as_reviewer.post(BULK, {"selected": [updates[52].pk], "page": "2"}, **HTMX)

    shown = [row.update.pk for row in response.context["rows"]]
    assert shown == [u.pk for u in updates[50:]]
    assert response.context["rows"][2].note.level == "success"


def test_a_page_that_no_longer_exists_is_redrawn_as_the_first(as_reviewer):
    updates = pending(51)

    response = as_reviewer.post(BULK, {"selected": [updates[50].pk], "page": "2"}, **HTMX)

    assert response.status_code == 200
    assert response.context["page_obj"].number == 1


def test_the_bulk_form_and_each_row_post_the_page_they_are_on(as_reviewer):
    pending(55)

    html = as_reviewer.get(QUEUE, {"page": 2}).content.decode()

    assert html.count('<input type="hidden" name="page" value="2">') == 1 + 5
