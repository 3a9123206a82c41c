"""Every list endpoint costs the same number of queries (at most 6) for 10 rows and 100."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.services import update_approve
from tests.factories import CommitmentFactory, GuaranteeFactory, SourceFactory, StatusUpdateFactory

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/participants/",
    "/api/v1/agreements/",
    "/api/v1/guarantees/",
    "/api/v1/sources/",
    "/api/v1/commitments/",
    "/api/v1/commitments/?as_of=2024-06-01",
    "/api/v1/status-updates/",
    "/api/v1/audit-events/",
    "/api/v1/changes/",
]


@pytest.fixture
def rows(reviewer):
    """At least 100 rows behind every list."""
    for _ in range(100):
        guarantee = GuaranteeFactory()
        guarantee.agreement.sources.set(SourceFactory.create_batch(2))
        update = StatusUpdateFactory(commitment=CommitmentFactory(guarantee=guarantee))
        update_approve(update=update, reviewer=reviewer)


def queries(api, url: str, limit: int) -> int:
    joiner = "&" if "?" in url else "?"
    with CaptureQueriesContext(connection) as captured:
        response = api.get(f"{url}{joiner}limit={limit}")
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == limit, (url, len(results))
    return len(captured)


@pytest.mark.parametrize("url", LISTS)
def test_a_page_of_100_costs_the_same_queries_as_a_page_of_10(as_reader, rows, url):
    as_reader.get("/api/v1/participants/")  # the token's last_used_at is written once

    small, large = queries(as_reader, url, 10), queries(as_reader, url, 100)

    assert small == large
    assert large <= 6
