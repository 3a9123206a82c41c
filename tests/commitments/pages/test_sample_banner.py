"""Sample data stays marked on every page: a banner from base.html, whenever the record
holds illustrative sample data."""

import pytest

from tests.factories import AgreementFactory

pytestmark = pytest.mark.django_db

BANNER = "This record holds illustrative sample data, not reported facts."
PAGES = ["/", "/changes/", "/login/"]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_carries_the_banner_when_the_record_holds_sample_data(client, url):
    AgreementFactory(is_sample=True)

    assert BANNER in client.get(url).content.decode()


@pytest.mark.parametrize("url", PAGES)
def test_no_page_carries_the_banner_when_the_record_holds_none(client, url):
    AgreementFactory(is_sample=False)

    assert BANNER not in client.get(url).content.decode()


def test_the_banner_costs_one_query_per_page(client, django_assert_num_queries):
    AgreementFactory(is_sample=True)

    with django_assert_num_queries(1):
        client.get("/login/")


def test_the_sample_data_question_is_asked_once_per_request(rf, django_assert_num_queries):
    from commitments.context_processors import sample_data

    AgreementFactory(is_sample=True)
    request = rf.get("/")
    with django_assert_num_queries(1):
        first = sample_data(request)["record_has_sample_data"]()
        second = sample_data(request)["record_has_sample_data"]()

    assert first is second is True


def test_a_feed_asks_nothing_about_sample_data(client, django_assert_num_queries):
    """A feed is no page: it carries no banner and pays no query for one."""
    AgreementFactory(is_sample=True)

    with django_assert_num_queries(1):  # the events only: there are none
        client.get("/changes/feed/")
