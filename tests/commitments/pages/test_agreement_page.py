import datetime
import re

import pytest
from django.urls import reverse

from commitments.choices import AgreementKind
from commitments.choices import CommitmentStatus as S
from commitments.services import commitment_create
from tests.commitments.stories import DRAFT_SUMMARY, PENDING_SUMMARY, tell
from tests.factories import (
    AgreementFactory,
    CommitmentFactory,
    GuaranteeFactory,
    ParticipantFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


def get(client, slug):
    return client.get(reverse("commitments:agreement_detail", kwargs={"slug": slug}))


def page(client, slug):
    response = get(client, slug)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_gives_the_agreements_details(client):
    agreement = AgreementFactory(
        slug="london",
        title="London declaration",
        kind=AgreementKind.DECLARATION,
        signed_on=datetime.date(2025, 2, 1),
        place="London",
        summary="Allies pledge support.",
    )
    agreement.sources.add(
        SourceFactory(title="The declaration", publisher="Gov", url="https://gov.example.org/decl")
    )

    html = page(client, "london")

    assert "<h1>London declaration" in html
    assert "Declaration" in html and "1 February 2025" in html and "London" in html
    assert "Allies pledge support." in html
    assert (
        '<a href="https://gov.example.org/decl" rel="noopener noreferrer">The declaration</a>, Gov'
        in html
    )


def test_each_guarantee_has_its_counts_per_status_and_its_link(client, story):
    agreement = story.commitment.guarantee.agreement
    second = GuaranteeFactory(
        agreement=agreement, title="Sea patrols", slug="sea-patrols", position=1
    )
    CommitmentFactory.create_batch(2, guarantee=second, status=S.RATIFIED)
    CommitmentFactory(guarantee=second, status=S.SIGNED)

    response = get(client, "paris-statement")

    rows = {r.guarantee.slug: r.totals for r in response.context["rows"]}
    assert dict((s, n) for s, _, n in rows["sea-patrols"].counts if n) == {
        S.SIGNED: 1,
        S.RATIFIED: 2,
    }
    assert (rows["sea-patrols"].done, rows["sea-patrols"].total) == (2, 3)
    assert (rows["air-policing"].done, rows["air-policing"].total) == (1, 1)
    html = response.content.decode()
    assert 'href="/guarantees/sea-patrols/"' in html
    assert "Ratified or in force: 3 of 4" in html


def test_the_page_links_the_matrix_of_the_agreement(client, story):
    assert 'href="/?agreement=paris-statement"' in page(client, "paris-statement")


def test_the_chart_covers_every_commitment_under_the_agreement(client, story, author, checker):
    other = commitment_create(
        participant=ParticipantFactory(),
        guarantee=GuaranteeFactory(agreement=story.commitment.guarantee.agreement),
        actor=None,
    )
    tell(other, S.SIGNED, datetime.date(2024, 4, 20), author=author, reviewer=checker, name="other")

    response = get(client, "paris-statement")

    chart = response.context["chart"]
    assert [(r.day.isoformat(), r.total) for r in chart.rows] == [
        ("2024-03-15", 2),
        ("2024-04-10", 2),
        ("2024-04-20", 2),
        ("2024-05-05", 2),
    ]
    html = response.content.decode()
    assert '<title id="progress-title">Progress of “Paris statement”</title>' in html
    assert re.search(r'<table class="visually-hidden chart-figures">', html)


@pytest.mark.parametrize("path", ["/agreements/nothing-here/", "/agreements/%C3%A9/"])
def test_an_unknown_or_malformed_slug_is_a_404(client, path):
    assert client.get(path).status_code == 404


def test_sample_data_is_marked(client):
    AgreementFactory(slug="demo", is_sample=True)

    assert "sample data" in page(client, "demo")


def test_an_agreement_without_guarantees_says_so(client):
    AgreementFactory(slug="empty")

    html = page(client, "empty")

    assert "No guarantees recorded yet." in html
    assert "No status changes recorded yet." in html


def test_drafts_and_pending_updates_never_appear(client, story, analyst):
    client.force_login(analyst)

    html = page(client, "paris-statement")

    assert PENDING_SUMMARY not in html and DRAFT_SUMMARY not in html


def test_the_page_costs_a_fixed_number_of_queries_however_many_guarantees(
    client, story, author, checker, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        page(client, "paris-statement")

    agreement = story.commitment.guarantee.agreement
    agreement.sources.add(*SourceFactory.create_batch(3))
    for g in range(6):
        guarantee = GuaranteeFactory(agreement=agreement)
        for p in range(3):
            commitment = commitment_create(
                participant=ParticipantFactory(), guarantee=guarantee, actor=None
            )
            tell(
                commitment,
                S.SIGNED,
                datetime.date(2024, 4, 1 + p),
                author=author,
                reviewer=checker,
                name=f"g{g}p{p}",
            )

    with django_assert_max_num_queries(6):
        response = get(client, "paris-statement")
    assert len(response.context["rows"]) == 7
