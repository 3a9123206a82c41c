import datetime
import re

import pytest
from django.urls import reverse

from commitments.choices import CommitmentStatus as S
from commitments.services import commitment_create
from tests.commitments.stories import DRAFT_SUMMARY, PENDING_SUMMARY, tell
from tests.factories import CommitmentFactory, GuaranteeFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def get(client, slug):
    return client.get(reverse("commitments:guarantee_detail", kwargs={"slug": slug}))


def page(client, slug):
    response = get(client, slug)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_describes_the_guarantee_and_its_agreement(client, story):
    guarantee = story.commitment.guarantee
    guarantee.description = "Allied jets patrol the airspace."
    from commitments.services import guarantee_save

    guarantee_save(guarantee=guarantee, actor=None)

    html = page(client, "air-policing")

    assert "<h1>Air policing" in html
    assert "Allied jets patrol the airspace." in html
    assert 'href="/agreements/paris-statement/"' in html
    assert "15 March 2024" in html


def test_the_countries_are_listed_with_their_status_and_links(client, story):
    html = page(client, "air-policing")

    assert f'href="/participants/{story.code}/"' in html and ">Norway</a>" in html
    assert '<span class="status status-in_force">In force</span>' in html
    assert f'href="/commitments/{story.commitment.pk}/"' in html


def test_the_totals_count_ratified_or_in_force(client, story):
    CommitmentFactory(guarantee=story.commitment.guarantee, status=S.SIGNED)

    assert "Ratified or in force: 1 of 2" in page(client, "air-policing")


@pytest.mark.parametrize("path", ["/guarantees/nothing-here/", "/guarantees/bad%20slug/"])
def test_an_unknown_or_malformed_slug_is_a_404(client, path):
    assert client.get(path).status_code == 404


def test_sample_data_is_marked(client):
    GuaranteeFactory(slug="demo-g", agreement__is_sample=True)

    assert "sample data" in page(client, "demo-g")


def test_the_chart_is_an_svg_image_with_a_title_and_a_description(client, story):
    html = page(client, "air-policing")

    svg = re.search(r"<svg[^>]*>.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg
    assert 'aria-labelledby="progress-title progress-desc"' in svg
    assert '<title id="progress-title">Progress of “Air policing”</title>' in svg
    assert '<desc id="progress-desc">' in svg
    assert "style=" not in svg and "<script" not in svg
    assert 'class="band status-in_force"' in svg


def test_the_chart_has_a_legend_in_words(client, story):
    html = page(client, "air-policing")

    legend = re.search(r'<ul class="legend".*?</ul>', html, re.S).group(0)
    assert "Pledged" in legend and "Signed" in legend and "In force" in legend


def test_the_charts_table_gives_the_same_figures_as_the_chart(client, story):
    response = get(client, "air-policing")

    chart = response.context["chart"]
    table = re.search(
        r'<table class="visually-hidden chart-figures">.*?</table>', response.content.decode(), re.S
    ).group(0)
    headers = re.findall(r'<th scope="col">([^<]+)</th>', table)
    assert headers == ["Date", *[label for _, label in chart.statuses], "Total"]
    rows = re.findall(
        r'<tr><th scope="row"><time datetime="([-\d]+)">.*?</th>(.*?)</tr>', table, re.S
    )
    figures = [(day, [int(n) for n in re.findall(r"<td>(\d+)</td>", cells)]) for day, cells in rows]
    assert figures == [(r.day.isoformat(), [*r.counts, r.total]) for r in chart.rows]
    # Pledged, then signed, then in force (the correction back-dated to 5 May supersedes the
    # move to parliament of 1 June).
    assert [(day, counts) for day, counts in figures] == [
        ("2024-03-15", [1, 0, 0, 1]),
        ("2024-04-10", [0, 1, 0, 1]),
        ("2024-05-05", [0, 0, 1, 1]),
    ]


def test_without_any_recorded_change_the_chart_says_so(client):
    CommitmentFactory(guarantee=GuaranteeFactory(slug="quiet"))

    html = page(client, "quiet")

    assert "<svg" not in html
    assert "No status changes recorded yet." in html


def test_drafts_and_pending_updates_never_appear(client, story, analyst):
    client.force_login(analyst)

    html = page(client, "air-policing")

    assert PENDING_SUMMARY not in html and DRAFT_SUMMARY not in html
    assert "status-withdrawn" not in html


def test_the_page_costs_a_fixed_number_of_queries_however_many_commitments(
    client, story, author, checker, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        page(client, "air-policing")

    guarantee = story.commitment.guarantee
    for i in range(15):
        commitment = commitment_create(
            participant=ParticipantFactory(), guarantee=guarantee, actor=None
        )
        tell(
            commitment,
            S.SIGNED,
            datetime.date(2024, 4, 1 + i),
            author=author,
            reviewer=checker,
            name=f"p{i}",
        )

    with django_assert_max_num_queries(4):
        response = get(client, "air-policing")
    assert len(response.context["commitments"]) == 16
