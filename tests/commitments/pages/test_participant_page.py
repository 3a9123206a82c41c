import datetime

import pytest
from django.urls import reverse

from commitments.choices import CommitmentStatus as S
from commitments.choices import ParticipantKind
from commitments.services import commitment_create
from tests.commitments.stories import DRAFT_SUMMARY, PENDING_SUMMARY, tell
from tests.factories import AgreementFactory, GuaranteeFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def get(client, code):
    return client.get(reverse("commitments:participant_detail", kwargs={"code": code}))


def page(client, code):
    response = get(client, code)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_describes_the_participant(client):
    ParticipantFactory(
        code="DE",
        name="Germany",
        kind=ParticipantKind.COUNTRY,
        approval_body="Bundestag",
        needs_parliamentary_approval=True,
    )

    html = page(client, "DE")

    assert "<h1>Germany" in html
    assert "Country" in html and "Bundestag" in html
    assert "<dt>Parliament must approve</dt><dd>Yes</dd>" in html


def test_a_participant_whose_parliament_need_not_approve_says_no(client):
    ParticipantFactory(code="NO", needs_parliamentary_approval=False)

    assert "<dt>Parliament must approve</dt><dd>No</dd>" in page(client, "NO")


@pytest.mark.parametrize("spell", [str.lower, str.title, lambda code: code[0] + code[1].lower()])
def test_the_code_is_accepted_in_any_case(client, story, spell):
    assert "<h1>Norway" in page(client, spell(story.code))


@pytest.mark.parametrize(
    "path", ["/participants/ZZ/", "/participants/z/", "/participants/%00X/", "/participants/1A/"]
)
def test_an_unknown_or_malformed_code_is_a_404(client, path):
    assert client.get(path).status_code == 404


def test_a_code_longer_than_any_is_a_404(client):
    assert client.get("/participants/ABCDEFGHIJKLMNOP/").status_code == 404


def test_sample_data_is_marked(client):
    ParticipantFactory(code="XS", is_sample=True)

    assert "sample data" in page(client, "XS")


def test_real_data_carries_no_sample_badge(client, story):
    assert "sample data" not in page(client, story.code)


def test_commitments_are_grouped_by_agreement_and_link_their_pages(client, story):
    other = GuaranteeFactory(
        title="Sea patrols", slug="sea-patrols", agreement__title="London declaration"
    )
    extra = commitment_create(participant=story.commitment.participant, guarantee=other, actor=None)

    response = get(client, story.code)

    groups = response.context["groups"]
    assert {g.agreement.title for g in groups} == {"Paris statement", "London declaration"}
    html = response.content.decode()
    assert 'href="/guarantees/air-policing/"' in html and 'href="/guarantees/sea-patrols/"' in html
    assert f'href="/commitments/{story.commitment.pk}/"' in html
    assert f'href="/commitments/{extra.pk}/"' in html


def test_each_commitment_shows_its_status_as_a_word_and_colour_with_its_date(client, story):
    html = page(client, story.code)

    assert '<span class="status status-in_force">In force</span>' in html
    assert '<time datetime="2024-05-05">5 May 2024</time>' in html


def test_the_totals_count_ratified_or_in_force(client, story):
    commitment_create(
        participant=story.commitment.participant, guarantee=GuaranteeFactory(), actor=None
    )

    response = get(client, story.code)

    assert response.context["totals"].done == 1
    assert response.context["totals"].total == 2
    assert "Ratified or in force: 1 of 2" in response.content.decode()


def test_the_timeline_lists_applied_changes_newest_first_with_both_dates(client, story):
    timeline = get(client, story.code).context["timeline"]

    assert [c.to_status for c in timeline] == [S.IN_FORCE, S.IN_PARLIAMENT, S.SIGNED, S.PLEDGED]
    assert timeline[0].effective_date == datetime.date(2024, 5, 5)
    html = page(client, story.code)
    assert "Effective" in html and "Recorded" in html
    assert html.count("Superseded by a later correction") == 1
    assert '<span class="badge correction">Correction</span>' in html


def test_drafts_and_pending_updates_never_appear(client, story, analyst):
    client.force_login(analyst)

    html = page(client, story.code)

    assert PENDING_SUMMARY not in html and DRAFT_SUMMARY not in html
    assert "Withdrawn" not in html


def test_names_only_for_signed_in_users(client, story, analyst):
    assert "alice-analyst" not in page(client, story.code)

    client.force_login(analyst)

    assert "Proposed by alice-analyst · approved by rory-reviewer" in page(client, story.code)


def test_a_participant_without_commitments_says_so(client):
    ParticipantFactory(code="IS")

    html = page(client, "IS")

    assert "No commitments recorded yet." in html
    assert "Ratified or in force: 0 of 0" in html


def _grow(participant, author, checker, *, agreements, guarantees_each):
    for a in range(agreements):
        agreement = AgreementFactory()
        for g in range(guarantees_each):
            commitment = commitment_create(
                participant=participant,
                guarantee=GuaranteeFactory(agreement=agreement),
                actor=None,
            )
            tell(
                commitment,
                S.SIGNED,
                datetime.date(2024, 4, 1 + g),
                author=author,
                reviewer=checker,
                name=f"a{a}-g{g}",
            )


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_page_costs_a_fixed_number_of_queries_however_many_commitments(
    client, story, author, checker, analyst, signed_in, django_assert_max_num_queries
):
    if signed_in:
        client.force_login(analyst)
    # Signed in: the session, the user, the header's roles and unread count, and whether
    # they follow the participant.
    bound = 9 if signed_in else 4
    with django_assert_max_num_queries(bound):
        page(client, story.code)

    _grow(story.commitment.participant, author, checker, agreements=3, guarantees_each=4)

    with django_assert_max_num_queries(bound):
        response = get(client, story.code)
    assert len(response.context["groups"]) == 4
