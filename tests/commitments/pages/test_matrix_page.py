"""The matrix page at `/`: content, links, legend, filters, dates, bad input, query counts."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from commitments.choices import CommitmentStatus as S
from tests.commitments.matrix_records import D, bulk_matrix, corrected_history, pledge_on
from tests.factories import (
    AgreementFactory,
    CommitmentFactory,
    GuaranteeFactory,
    ParticipantFactory,
)

pytestmark = pytest.mark.django_db

HOME = reverse("commitments:home")


@pytest.fixture
def record(analyst, reviewer):
    agreement = AgreementFactory(
        slug="paris", title="Paris joint statement", signed_on=D(2024, 3, 15)
    )
    air = GuaranteeFactory(agreement=agreement, slug="air-support", title="Air support")
    france = ParticipantFactory(code="FR", name="France", needs_parliamentary_approval=False)
    commitment = pledge_on(france, air, D(2024, 3, 15), recorded=D(2024, 3, 16))
    corrected_history(commitment, author=analyst, reviewer=reviewer)
    return commitment


def page(client, **params):
    response = client.get(HOME, params)
    return response, response.content.decode()


def test_the_matrix_shows_each_participant_guarantee_and_status_with_links(client, record):
    response, html = page(client)

    assert response.status_code == 200
    assert 'href="/participants/FR/"' in html
    assert 'href="/guarantees/air-support/"' in html
    assert f'href="/commitments/{record.pk}/"' in html
    assert 'class="status status-in_force">In force<' in html
    assert 'datetime="2024-05-05">2024-05-05<' in html


def test_the_page_says_it_shows_the_record_now(client, record):
    _, html = page(client)

    assert "Now: the record as it stands today" in html


def test_as_of_a_date_the_page_says_so_and_shows_the_status_then(client, record):
    _, html = page(client, as_of="2024-04-20")

    assert "As the world stood on 20 April 2024, by effective dates" in html
    assert 'status-signed">Signed<' in html
    assert "status-in_force" not in html.split("<h3>Legend</h3>")[0]


def test_known_on_a_day_the_page_says_so_and_shows_what_the_record_said(client, record):
    _, html = page(client, known_on="2024-07-15")

    assert "As the record described it on 15 July 2024" in html
    assert 'status-in_parliament">In parliament<' in html


def test_both_dates_are_named_on_the_page(client, record):
    _, html = page(client, known_on="2024-07-15", as_of="2024-06-15")

    assert "As the record described it on 15 July 2024, about the world on 15 June 2024" in html


def test_the_legend_names_every_status(client, record):
    _, html = page(client)

    legend = html.split("<h3>Legend</h3>")[1]
    for status in S.values:
        assert f"status-{status}" in legend
    assert "not yet recorded" in legend


def test_totals_have_words_and_an_accessible_progress_bar(client, record):
    _, html = page(client)

    assert "Ratified or in force: 1 of 1" in html
    assert (
        '<progress max="100" value="100" aria-label="France: ratified or in force, 1 of 1">' in html
    )
    assert "style=" not in html


def test_every_filter_has_a_visible_label_and_the_form_redraws_with_htmx(client, record):
    _, html = page(client)

    for name, label in [
        ("domain", "Domain"),
        ("status", "Status"),
        ("kind", "Participant kind"),
        ("q", "Search"),
        ("sort", "Sort"),
        ("as_of", "As of"),
        ("known_on", "Known on"),
    ]:
        assert f'<label for="id_{name}">{label}</label>' in html
    assert 'type="date" name="as_of"' in html
    assert 'hx-get="/"' in html and 'hx-push-url="true"' in html and 'hx-target="#matrix"' in html
    assert ">Apply</button>" in html


def test_an_htmx_request_gets_the_fragment_only(client, record):
    response = client.get(HOME, {"as_of": "2024-04-20"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "As the world stood on 20 April 2024" in html
    assert "HX-Request" in response["Vary"]


def test_the_download_links_carry_the_query_string(client, record):
    _, html = page(client, as_of="2024-04-20", domain="air")

    for fmt in ("csv", "json", "xlsx"):
        assert f'href="/exports/matrix.{fmt}?as_of=2024-04-20&amp;domain=air"' in html


def test_a_filter_narrows_the_rows(client, record):
    CommitmentFactory(
        guarantee=record.guarantee, participant__name="Belgium", participant__code="BE"
    )

    _, html = page(client, q="belg")

    assert "/participants/BE/" in html and "/participants/FR/" not in html


def test_a_filter_that_matches_nobody_says_so(client, record):
    _, html = page(client, q="nobody")

    assert "No participant matches these filters" in html


def test_the_picker_offers_every_agreement_and_shows_the_chosen_one(client, record):
    other = GuaranteeFactory(agreement__slug="london", agreement__title="London declaration")
    CommitmentFactory(guarantee=other, participant__code="GB", participant__name="United Kingdom")

    _, html = page(client, agreement="london")

    assert '<option value="paris">' in html and '<option value="london" selected>' in html
    assert "/participants/GB/" in html and "/participants/FR/" not in html


def test_sample_data_is_marked_on_the_matrix(client):
    CommitmentFactory(guarantee__agreement__is_sample=True)

    _, html = page(client)

    assert "sample data" in html


def test_an_agreement_without_commitments_says_so(client):
    GuaranteeFactory()

    _, html = page(client)

    assert "No commitments recorded under this agreement yet" in html


def test_without_agreements_the_page_says_none_is_recorded(client):
    _, html = page(client)

    assert "No agreements recorded yet" in html


@pytest.mark.parametrize(
    ("params", "name", "says"),
    [
        ({"as_of": "2024-02-30"}, "as_of", "not a date on the calendar"),
        ({"as_of": "abc"}, "as_of", "YYYY-MM-DD"),
        ({"as_of": "20240601"}, "as_of", "YYYY-MM-DD"),
        ({"known_on": "2024-13-01"}, "known_on", "not a date on the calendar"),
        ({"status": "bogus"}, "status", "Select a valid choice"),
        ({"domain": "x"}, "domain", "Select a valid choice"),
        ({"kind": "x"}, "kind", "Select a valid choice"),
        ({"sort": "x"}, "sort", "Select a valid choice"),
        ({"as_of": "2024-03-14"}, "as_of", "before any record of this agreement"),
        ({"known_on": "2024-03-15"}, "known_on", "before the record began"),
        ({"q": "x" * 101}, "q", "at most 100 characters"),
    ],
)
def test_bad_input_is_a_400_page_naming_the_parameter(client, record, params, name, says):
    response, html = page(client, **params)

    assert response.status_code == 400
    assert f"<code>{name}</code>" in html and says in html
    assert "Commitment Tracker" in html  # the site's layout


def test_a_known_on_in_the_future_is_a_400(client, record):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response, html = page(client, known_on=tomorrow.isoformat())

    assert response.status_code == 400
    assert "in the future" in html


def test_an_htmx_request_with_bad_input_is_sent_to_the_full_400_page(client, record):
    response = client.get(HOME, {"as_of": "abc"}, headers={"HX-Request": "true"})

    assert response.status_code == 400
    assert response["HX-Redirect"] == "/?as_of=abc"


def test_an_unknown_agreement_is_a_404(client, record):
    response, _ = page(client, agreement="nowhere")

    assert response.status_code == 404


def test_a_date_on_the_first_pledge_is_accepted(client, record):
    response, html = page(client, as_of="2024-03-15")

    assert response.status_code == 200
    assert 'status-pledged">Pledged<' in html


@pytest.mark.parametrize(
    "params", [{}, {"as_of": "2024-06-01"}, {"known_on": "2024-06-01", "as_of": "2024-06-01"}]
)
def test_the_matrix_of_50_by_40_costs_at_most_12_queries(
    client, django_assert_max_num_queries, params
):
    agreement = bulk_matrix(50, 40)

    with django_assert_max_num_queries(12):
        response = client.get(HOME, {"agreement": agreement.slug, **params})

    assert response.status_code == 200
    assert response.content.decode().count('href="/commitments/') == 2000
