"""The review queue's heading says how many updates wait; a decision made in place (htmx)
redraws that count too, out of band, so it never goes on counting a decided update."""

import re

import pytest

from tests.factories import StatusUpdateFactory

QUEUE = "/review/"
BULK = "/review/approve-selected/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def as_reviewer(client, reviewer):
    client.force_login(reviewer)
    return client


def waiting_span(html: str) -> str:
    """The heading's count as the response carries it (one span, by its id)."""
    spans = re.findall(r'<span id="review-waiting"[^>]*>[^<]*</span>', html)
    assert len(spans) == 1, html
    return spans[0]


def test_the_heading_counts_the_updates_waiting(as_reviewer):
    StatusUpdateFactory.create_batch(3)

    html = as_reviewer.get(QUEUE).content.decode()

    assert (
        waiting_span(html) == '<span id="review-waiting" class="waiting">3 updates waiting</span>'
    )


def test_an_approval_in_place_redraws_the_count_out_of_band(as_reviewer):
    first, _second = StatusUpdateFactory.create_batch(2)

    response = as_reviewer.post(f"/review/{first.pk}/decide/", {"approve": "1"}, **HTMX)

    assert response.status_code == 200
    assert waiting_span(response.content.decode()) == (
        '<span id="review-waiting" class="waiting" hx-swap-oob="true">1 update waiting</span>'
    )


def test_a_refused_rejection_in_place_keeps_the_count(as_reviewer):
    update = StatusUpdateFactory()

    response = as_reviewer.post(f"/review/{update.pk}/decide/", {"reject": "1"}, **HTMX)

    assert "1 update waiting" in waiting_span(response.content.decode())


def test_approve_selected_in_place_redraws_the_count_out_of_band(as_reviewer):
    one, two, _three = StatusUpdateFactory.create_batch(3)

    response = as_reviewer.post(BULK, {"selected": [one.pk, two.pk]}, **HTMX)

    assert waiting_span(response.content.decode()) == (
        '<span id="review-waiting" class="waiting" hx-swap-oob="true">1 update waiting</span>'
    )
