"""The audit log (/audit/): reviewers and admins read the history's events, filtered and
paged, newest first, under the state of the chain's last verification."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from commitments import audit
from commitments.choices import VerificationTrigger
from commitments.models import AuditVerification
from commitments.selectors import FieldChange
from tests.factories import CommitmentFactory, ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/audit/"


@pytest.fixture
def admin(db):
    return UserFactory(username="boss", roles=[Role.ADMIN])


@pytest.fixture
def commitment(db):
    return CommitmentFactory(participant__code="FR", guarantee__slug="air-cover")


@pytest.fixture
def other_commitment(db):
    return CommitmentFactory(participant__code="DE", guarantee__slug="sea-lanes")


def status_changed(commitment, actor, old="signed", new="ratified"):
    return audit.record(
        action=audit.STATUS_CHANGED,
        actor=actor,
        obj=commitment,
        commitment=commitment,
        effective_date=datetime.date(2024, 6, 1),
        before={"status": old, "version": 1},
        after={"status": new, "version": 2},
    )


def sequences_on(response) -> list[int]:
    return [entry.sequence for entry, _url in response.context["entries"]]


def test_the_page_has_its_url(db):
    assert reverse("commitments:audit_log") == URL


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/audit/"


def test_an_analyst_is_refused(client, analyst, commitment, reviewer):
    status_changed(commitment, reviewer)
    client.force_login(analyst)

    response = client.get(URL)

    assert response.status_code == 403
    assert "Ratified" not in response.content.decode()


def test_a_reviewer_reads_the_log(client, reviewer, commitment):
    status_changed(commitment, reviewer)
    client.force_login(reviewer)

    response = client.get(URL)

    assert response.status_code == 200
    assert len(response.context["entries"]) == 1


def test_an_admin_reads_the_log(client, admin, commitment, reviewer):
    status_changed(commitment, reviewer)
    client.force_login(admin)

    assert client.get(URL).status_code == 200


def test_events_are_listed_newest_first(client, reviewer, commitment):
    for _ in range(3):
        status_changed(commitment, reviewer)
    client.force_login(reviewer)

    listed = sequences_on(client.get(URL))

    assert listed == sorted(listed, reverse=True) and len(listed) == 3


def test_an_event_shows_its_sequence_hash_prefix_actor_action_and_object(
    client, reviewer, commitment
):
    event = status_changed(commitment, reviewer)
    client.force_login(reviewer)

    body = client.get(URL).content.decode()

    assert f'<tr id="event-{event.sequence}">' in body
    assert '<code class="hash" title="The first 12 hex digits' in body
    assert f">{event.hash[:12]}</code>" in body
    assert event.hash[:13] not in body
    assert "<td>rev</td>" in body
    assert "Status changed" in body
    assert f'<a href="/commitments/{commitment.pk}/">Commitment {commitment.pk}: FR · ' in body


def test_the_before_and_after_are_read_as_field_old_and_new(client, reviewer, commitment):
    status_changed(commitment, reviewer)
    client.force_login(reviewer)

    entry, _url = client.get(URL).context["entries"][0]

    assert entry.changes == (
        FieldChange("status", "Signed", "Ratified"),
        FieldChange("version", "1", "2"),
    )


def test_an_event_about_a_participant_names_it_and_links_its_page(client, reviewer, admin):
    participant = ParticipantFactory(code="PL", name="Poland")
    audit.record(action=audit.REFERENCE_CREATED, actor=admin, obj=participant, after={"code": "PL"})
    client.force_login(reviewer)

    body = client.get(URL).content.decode()

    assert '<a href="/participants/PL/">Participant: PL · Poland</a>' in body


def test_a_reviewer_does_not_see_the_private_actions(client, reviewer, admin, commitment):
    audit.record(
        action=audit.WEBHOOK_CREATED,
        actor=admin,
        object_type="commitments.webhookendpoint",
        object_id=1,
    )
    status_changed(commitment, reviewer)
    client.force_login(reviewer)

    response = client.get(URL)

    assert [e.action for e, _url in response.context["entries"]] == [audit.STATUS_CHANGED]
    assert audit.WEBHOOK_CREATED not in response.content.decode()


def test_an_admin_sees_the_private_actions(client, admin):
    audit.record(
        action=audit.WEBHOOK_CREATED,
        actor=admin,
        object_type="commitments.webhookendpoint",
        object_id=1,
    )
    client.force_login(admin)

    response = client.get(URL)

    assert [e.action for e, _url in response.context["entries"]] == [audit.WEBHOOK_CREATED]


def test_other_people_s_drafts_stay_hidden_even_from_admins(client, admin, analyst, commitment):
    audit.record(
        action=audit.UPDATE_CREATED,
        actor=analyst,
        object_type="commitments.statusupdate",
        object_id=7,
        commitment=commitment,
        after={"summary": "Draft: a rumour."},
    )
    client.force_login(admin)

    response = client.get(URL)

    assert response.context["entries"] == []
    assert "Draft: a rumour." not in response.content.decode()


def test_the_action_filter_offers_a_reviewer_no_private_action(client, reviewer):
    client.force_login(reviewer)

    choices = dict(client.get(URL).context["filter"].form.fields["action"].choices)

    assert audit.STATUS_CHANGED in choices
    assert audit.WEBHOOK_CREATED not in choices


# Filters ------------------------------------------------------------------------------


@pytest.fixture
def history(reviewer, analyst, admin, commitment, other_commitment):
    """Events about two commitments, by two actors, and one about a participant."""
    return {
        "fr_by_rev": status_changed(commitment, reviewer),
        "de_by_rev": status_changed(other_commitment, reviewer),
        "fr_submitted_by_ana": audit.record(
            action=audit.UPDATE_SUBMITTED,
            actor=analyst,
            object_type="commitments.statusupdate",
            object_id=3,
            commitment=commitment,
            after={"state": "submitted"},
        ),
        "fr_participant": audit.record(
            action=audit.REFERENCE_CHANGED,
            actor=admin,
            obj=commitment.participant,
            before={"name": "France"},
            after={"name": "French Republic"},
        ),
    }


def listed_with(client, reviewer, **query) -> set[int]:
    client.force_login(reviewer)
    response = client.get(URL, query)
    assert response.status_code == 200
    return set(sequences_on(response))


def seqs(history, *names) -> set[int]:
    return {history[name].sequence for name in names}


def test_filtering_by_commitment_keeps_its_events_and_its_updates(
    client, reviewer, history, commitment
):
    listed = listed_with(client, reviewer, commitment=commitment.pk)

    assert listed == seqs(history, "fr_by_rev", "fr_submitted_by_ana")


def test_filtering_by_participant_keeps_its_commitments_events_and_its_own(
    client, reviewer, history
):
    listed = listed_with(client, reviewer, participant="fr")

    assert listed == seqs(history, "fr_by_rev", "fr_submitted_by_ana", "fr_participant")


def test_filtering_by_guarantee_keeps_its_commitments_events(client, reviewer, history):
    listed = listed_with(client, reviewer, guarantee="sea-lanes")

    assert listed == seqs(history, "de_by_rev")


def test_filtering_by_object_type_and_id(client, reviewer, history, other_commitment):
    listed = listed_with(
        client, reviewer, object_type="commitments.commitment", object_id=str(other_commitment.pk)
    )

    assert listed == seqs(history, "de_by_rev")


def test_filtering_by_actor(client, reviewer, history):
    listed = listed_with(client, reviewer, actor="ANA")

    assert listed == seqs(history, "fr_submitted_by_ana")


def test_filtering_by_action(client, reviewer, history):
    listed = listed_with(client, reviewer, action=audit.REFERENCE_CHANGED)

    assert listed == seqs(history, "fr_participant")


def test_filtering_by_a_date_range(client, reviewer, history):
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)

    assert len(listed_with(client, reviewer, since=today.isoformat(), until=today.isoformat())) == 4
    assert listed_with(client, reviewer, until=yesterday.isoformat()) == set()


def test_an_empty_result_says_so(client, reviewer, history):
    client.force_login(reviewer)

    response = client.get(URL, {"actor": "nobody"})

    assert response.status_code == 200
    assert "No events match these filters." in response.content.decode()


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"action": "commitment.exploded"}, "action", "Select a valid choice."),
        ({"object_type": "commitments.nothing"}, "object_type", "Select a valid choice."),
        ({"commitment": "abc"}, "commitment", "Enter a whole number."),
        ({"commitment": "0"}, "commitment", "greater than or equal to 1"),
        ({"participant": "ZZ"}, "participant", "No participant has the code ZZ."),
        ({"guarantee": "no-such-thing"}, "guarantee", "No guarantee has the slug no-such-thing."),
        ({"since": "2024-1-1"}, "since", "YYYY-MM-DD"),
        ({"until": "2024-02-30"}, "until", "2024-02-30 is not a date on the calendar."),
        (
            {"since": "2024-06-02", "until": "2024-06-01"},
            "until",
            "The range ends before it begins.",
        ),
        ({"actor": "x" * 151}, "actor", "at most 150 characters"),
    ],
    ids=[
        "unknown-action",
        "unknown-object-type",
        "commitment-not-a-number",
        "commitment-zero",
        "unknown-participant",
        "unknown-guarantee",
        "malformed-date",
        "impossible-date",
        "range-backwards",
        "actor-too-long",
    ],
)
def test_a_bad_filter_is_a_400_with_its_message_beside_the_field_and_no_events(
    client, reviewer, history, query, field, message
):
    client.force_login(reviewer)

    response = client.get(URL, query)

    assert response.status_code == 400
    errors = response.context["filter"].form.errors
    assert list(errors) == [field]
    assert message in " ".join(errors[field])
    body = response.content.decode()
    assert f'id="id_{field}_error"' in body
    assert response.context["entries"] is None
    assert 'class="audit-log"' not in body


# Pages ---------------------------------------------------------------------------------


def test_fifty_events_fill_a_page_and_the_next_link_keeps_the_filters(client, reviewer, commitment):
    for _ in range(51):
        status_changed(commitment, reviewer)
    client.force_login(reviewer)

    first = client.get(URL, {"actor": "rev"})
    second = client.get(URL, {"actor": "rev", "page": 2})

    assert len(first.context["entries"]) == 50
    assert 'href="?actor=rev&amp;page=2"' in first.content.decode()
    assert len(second.context["entries"]) == 1


def test_a_page_that_does_not_exist_is_a_404(client, reviewer, commitment):
    status_changed(commitment, reviewer)
    client.force_login(reviewer)

    assert client.get(URL, {"page": 9}).status_code == 404
    assert client.get(URL, {"page": "x"}).status_code == 404


# The chain's state -----------------------------------------------------------------------


def verification(ok: bool, problem: str = "") -> AuditVerification:
    now = timezone.now()
    return AuditVerification.objects.create(
        started_at=now - datetime.timedelta(seconds=2),
        finished_at=now,
        events_checked=4711,
        checkpoints_checked=1,
        seconds=1.25,
        ok=ok,
        problem=problem,
        trigger=VerificationTrigger.SCHEDULE,
    )


def test_before_any_verification_the_page_says_so(client, reviewer):
    client.force_login(reviewer)

    body = client.get(URL).content.decode()

    assert "The chain has not been verified yet" in body


def test_the_last_verification_shows_when_how_many_how_long_and_the_result(client, reviewer):
    verification(ok=False, problem="old problem")
    verification(ok=True)
    client.force_login(reviewer)

    response = client.get(URL)

    body = response.content.decode()
    assert '<span class="result-intact">Intact</span>' in body
    assert "<dd>4711</dd>" in body
    assert "1.25 s" in body
    assert "UTC</time>" in body
    assert "chain-broken" not in body


BROKEN = "The chain is broken at event #12: its hash does not match its content."


def test_a_broken_chain_is_a_red_banner_for_admins(client, admin):
    verification(ok=False, problem=BROKEN)
    client.force_login(admin)

    body = client.get(URL).content.decode()

    assert '<div class="chain-broken" role="alert">' in body
    assert '<strong class="result-broken">Broken</strong>' in body
    assert BROKEN in body


def test_a_reviewer_sees_the_broken_result_but_no_banner(client, reviewer):
    verification(ok=False, problem=BROKEN)
    client.force_login(reviewer)

    body = client.get(URL).content.decode()

    assert '<span class="result-broken">Broken</span>' in body
    assert "chain-broken" not in body


# Queries -----------------------------------------------------------------------------------


def many_events(count: int, reviewer, analyst, admin) -> None:
    """`count` events spread over several actors and kinds of object."""
    commitments = [CommitmentFactory() for _ in range(5)]
    participants = [c.participant for c in commitments]
    guarantees = [c.guarantee for c in commitments]
    for i in range(count):
        kind = i % 5
        commitment = commitments[i % len(commitments)]
        if kind == 0:
            status_changed(commitment, reviewer)
        elif kind == 1:
            audit.record(
                action=audit.UPDATE_SUBMITTED,
                actor=analyst,
                object_type="commitments.statusupdate",
                object_id=i,
                commitment=commitment,
                after={"state": "submitted", "summary": "s" * 300},
            )
        elif kind == 2:
            audit.record(
                action=audit.REFERENCE_CHANGED,
                actor=admin,
                obj=participants[i % 5],
                before={"name": "a"},
                after={"name": "b"},
            )
        elif kind == 3:
            audit.record(
                action=audit.REFERENCE_CHANGED,
                actor=admin,
                obj=guarantees[i % 5],
                before={"title": "a"},
                after={"title": "b"},
            )
        else:
            audit.record(
                action=audit.REFERENCE_CHANGED,
                actor=admin,
                obj=guarantees[i % 5].agreement,
                before={"sources": []},
                after={"sources": [1, 2]},
            )


def queries_for(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


@pytest.mark.parametrize("viewer", ["reviewer", "admin"])
def test_the_page_takes_a_fixed_number_of_queries(
    client, request, reviewer, analyst, admin, django_assert_max_num_queries, viewer
):
    verification(ok=False, problem=BROKEN)
    many_events(10, reviewer, analyst, admin)
    client.force_login(request.getfixturevalue(viewer))
    few = queries_for(client, URL)
    many_events(90, reviewer, analyst, admin)

    with django_assert_max_num_queries(few):
        response = client.get(URL)

    assert len(response.context["entries"]) == 50
    assert few <= 11
