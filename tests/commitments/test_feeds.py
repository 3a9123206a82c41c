"""The Atom feeds of applied changes: the whole record, one participant, guarantee or
agreement. Read as a feed reader reads them (feedparser)."""

import feedparser
import pytest

from tests.commitments.change_history import build_history, grow

pytestmark = pytest.mark.django_db

FEEDS = [
    "/changes/feed/",
    "/participants/FR/feed/",
    "/guarantees/air-support/feed/",
    "/agreements/paris/feed/",
]


@pytest.fixture
def history(analyst, reviewer):
    return build_history(analyst=analyst, reviewer=reviewer)


def read(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/atom+xml")
    return feedparser.parse(response.content)


@pytest.mark.parametrize("url", FEEDS)
def test_each_feed_is_well_formed_atom(client, history, url):
    feed = read(client, url)

    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert feed.feed.title.startswith("Commitment Tracker")


def test_the_record_s_feed_lists_every_applied_change_newest_first(client, history):
    feed = read(client, "/changes/feed/")

    ids = [entry.id for entry in feed.entries]
    sequences = [int(i.rsplit("-", 1)[1]) for i in ids]
    assert sequences == sorted(sequences, reverse=True)
    # Two commitments recorded, four changes applied.
    assert len(feed.entries) == 6


def test_an_entry_s_title_names_the_participant_the_guarantee_and_the_move(client, history):
    feed = read(client, "/changes/feed/")

    titles = [entry.title for entry in feed.entries]
    assert titles[0] == "France: Air support — ratified → in force (correction)"
    assert "France: Air support — signed → ratified" in titles
    assert "Germany: Sea patrol — pledged" in titles


def test_an_entry_s_id_is_a_tag_uri_naming_its_event(client, history):
    feed = read(client, "/changes/feed/")

    assert feed.entries[0].id == f"tag:testserver,2024:event-{history.sequences['fr_corrected']}"


def test_an_entry_keeps_its_id_in_every_feed_it_appears_in(client, history):
    whole = {e.title: e.id for e in read(client, "/changes/feed/").entries}
    france = {e.title: e.id for e in read(client, "/participants/FR/feed/").entries}

    assert france and all(whole[title] == id_ for title, id_ in france.items())


def test_an_entry_links_its_commitment_page(client, history):
    feed = read(client, "/participants/FR/feed/")

    assert {entry.link for entry in feed.entries} == {
        f"http://testserver/commitments/{history.french_air.pk}/"
    }


def test_an_entry_is_updated_when_it_was_recorded(client, history):
    feed = read(client, "/changes/feed/")

    first = feed.entries[0]
    assert first.updated_parsed is not None
    assert feed.feed.updated == first.updated


def test_an_entry_s_summary_gives_the_effective_date_sources_and_comment(client, history):
    feed = read(client, "/changes/feed/")

    summary = feed.entries[0].summary
    assert "Effective 1 September 2024" in summary
    assert "https://news.example.org/in_force/2024-09-01" in summary
    assert "The earlier report was wrong." in summary


def test_the_participant_feed_holds_only_that_participant_s_changes(client, history):
    feed = read(client, "/participants/DE/feed/")

    assert [entry.title for entry in feed.entries] == [
        "Germany: Sea patrol — pledged → signed",
        "Germany: Sea patrol — pledged",
    ]


def test_the_guarantee_feed_holds_only_that_guarantee_s_changes(client, history):
    feed = read(client, "/guarantees/sea-patrol/feed/")

    assert all(entry.title.startswith("Germany: Sea patrol") for entry in feed.entries)
    assert len(feed.entries) == 2


def test_the_agreement_feed_holds_the_changes_of_its_guarantees(client, history, analyst, reviewer):
    grow(analyst=analyst, reviewer=reviewer, participants=2)  # under other agreements

    feed = read(client, "/agreements/paris/feed/")

    assert len(feed.entries) == 6


def test_a_feed_links_its_page(client, history):
    assert read(client, "/changes/feed/").feed.link == "http://testserver/changes/"
    assert read(client, "/participants/FR/feed/").feed.link == "http://testserver/participants/FR/"


def test_feeds_never_carry_pending_updates_or_drafts(client, history):
    content = client.get("/changes/feed/").content.decode()

    assert "Pending: the bill was tabled." not in content
    assert "Draft: a rumour of withdrawal." not in content


def test_feeds_never_name_who_proposed_or_approved_to_anonymous_readers(client, history):
    content = client.get("/changes/feed/").content.decode()

    assert "<author>" not in content
    assert "Proposed by" not in content


def test_signed_in_readers_see_who_proposed_and_who_approved(client, history, analyst):
    client.force_login(analyst)

    entry = read(client, "/changes/feed/").entries[0]

    assert entry.author == "rev"
    assert "Proposed by ana, approved by rev." in entry.summary


def test_the_home_page_and_the_changes_page_link_the_record_s_feed(client, history):
    link = (
        '<link rel="alternate" type="application/atom+xml" '
        'title="Changes to the record (Atom)" href="/changes/feed/">'
    )

    assert link in client.get("/").content.decode()
    assert link in client.get("/changes/").content.decode()


def test_a_feed_holds_the_fifty_newest_changes(client, analyst, reviewer):
    grow(analyst=analyst, reviewer=reviewer, participants=30)  # 60 changes

    feed = read(client, "/changes/feed/")

    assert len(feed.entries) == 50


@pytest.mark.parametrize(
    "url", ["/participants/XX/feed/", "/guarantees/nope/feed/", "/agreements/nope/feed/"]
)
def test_an_unknown_participant_guarantee_or_agreement_is_a_404(client, history, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", FEEDS)
@pytest.mark.parametrize("participants", [1, 30])
def test_a_feed_costs_the_same_queries_whatever_the_data(
    client, analyst, reviewer, history, django_assert_max_num_queries, url, participants
):
    grow(analyst=analyst, reviewer=reviewer, participants=participants)

    # The participant, guarantee or agreement; the events with their commitments; sources.
    with django_assert_max_num_queries(3):
        client.get(url)


def test_a_feed_answers_only_safe_methods(client):
    response = client.post("/changes/feed/")

    assert response.status_code == 405
