import datetime

import pytest
from django.utils import timezone

from commitments.choices import CommitmentStatus, UpdateState
from commitments.models import AuditEvent, StatusUpdate
from tests.factories import CommitmentFactory, StatusUpdateFactory
from tests.helpers import bearer

pytestmark = pytest.mark.django_db

URL = "/api/v1/commitments/"


def new_update(target, **overrides):
    return {
        "commitment": target.pk,
        "proposed_status": "in_parliament",
        "effective_date": "2024-05-02",
        "summary": "The bill was tabled.",
        "sources": [{"url": "https://news.example.org/bill", "title": "Bill tabled"}],
        **overrides,
    }


def test_an_anonymous_request_gets_401_in_the_common_error_shape(client):
    response = client.get(URL)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_revoked_token_gets_401(analyst):
    from accounts.services import api_token_revoke

    api = bearer(analyst)
    api_token_revoke(token=analyst.api_tokens.get(), actor=None)

    response = api.get(URL)

    assert response.status_code == 401
    assert response.json()["detail"] == "The token was revoked."


def test_commitments_list_shows_the_contract_fields(as_reader):
    commitment = CommitmentFactory(participant__code="FR", guarantee__slug="air-support")

    item = as_reader.get(URL).json()["results"][0]

    assert item["id"] == commitment.pk
    assert item["participant"] == "FR"
    assert item["guarantee"] == "air-support"
    assert item["agreement"] == commitment.guarantee.agreement.slug
    assert item["status"] == "signed"
    assert item["version"] == 1
    assert {"status_changed_at", "signed_on", "in_force_on"} <= set(item)


def test_a_list_item_is_exactly_what_the_detail_shows(as_reader):
    commitment = CommitmentFactory()

    item = as_reader.get(URL).json()["results"][0]
    detail = as_reader.get(f"{URL}{commitment.pk}/").json()

    assert item == detail
    assert item["status_on"] is None


def test_commitments_filter_by_participant_status_and_domain(as_reader):
    fr = CommitmentFactory(participant__code="FR", status=CommitmentStatus.RATIFIED)
    CommitmentFactory(participant__code="DE", status=CommitmentStatus.RATIFIED)
    CommitmentFactory(participant=fr.participant, status=CommitmentStatus.SIGNED)

    response = as_reader.get(URL, {"participant": "fr", "status": "ratified", "domain": "air"})

    assert [c["id"] for c in response.json()["results"]] == [fr.pk]


def test_as_of_answers_the_status_on_that_date(as_analyst, as_reviewer, analyst):
    from commitments.services import commitment_create
    from tests.factories import GuaranteeFactory, ParticipantFactory

    commitment = commitment_create(
        participant=ParticipantFactory(), guarantee=GuaranteeFactory(), actor=None
    )
    created = as_analyst.post(
        "/api/v1/status-updates/",
        new_update(commitment, proposed_status="signed", effective_date="2024-04-10"),
        format="json",
    ).json()
    as_reviewer.post(f"/api/v1/status-updates/{created['id']}/approve/", {}, format="json")

    before = as_analyst.get(URL, {"as_of": "2024-04-09"}).json()["results"][0]
    after = as_analyst.get(URL, {"as_of": "2024-04-10"}).json()["results"][0]

    assert (before["status_on"], after["status_on"]) == ("pledged", "signed")


def test_a_date_in_the_wrong_format_is_a_400_naming_the_parameter(as_reader):
    response = as_reader.get(URL, {"as_of": "2024-13-01"})

    assert response.status_code == 400
    assert "as_of" in response.json()["fields"]


def test_a_matching_if_none_match_answers_304(as_reader):
    CommitmentFactory()
    first = as_reader.get(URL)

    again = as_reader.get(URL, HTTP_IF_NONE_MATCH=first.headers["ETag"])

    assert again.status_code == 304
    assert again.headers["ETag"] == first.headers["ETag"]


def test_a_change_changes_the_list_etag(as_reader, reviewer):
    from commitments.services import update_approve

    update = StatusUpdateFactory()
    first = as_reader.get(URL)
    update_approve(update=update, reviewer=reviewer)

    again = as_reader.get(URL, HTTP_IF_NONE_MATCH=first.headers["ETag"])

    assert again.status_code == 200


def test_an_analyst_files_an_update_that_is_submitted(as_analyst):
    commitment = CommitmentFactory()

    response = as_analyst.post("/api/v1/status-updates/", new_update(commitment), format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "submitted"
    assert body["base_version"] == 1
    assert body["sources"][0]["url"] == "https://news.example.org/bill"


def test_a_draft_stays_its_authors_own_until_submitted(as_analyst, as_reviewer):
    commitment = CommitmentFactory()
    draft = as_analyst.post(
        "/api/v1/status-updates/", new_update(commitment, draft=True), format="json"
    ).json()

    assert as_reviewer.get(f"/api/v1/status-updates/{draft['id']}/").status_code == 404
    submitted = as_analyst.post(f"/api/v1/status-updates/{draft['id']}/submit/", format="json")
    assert submitted.json()["state"] == "submitted"
    assert as_reviewer.get(f"/api/v1/status-updates/{draft['id']}/").status_code == 200


def test_unknown_fields_are_refused_and_nothing_is_written(as_analyst):
    commitment = CommitmentFactory()

    response = as_analyst.post(
        "/api/v1/status-updates/", new_update(commitment, colour="blue"), format="json"
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"colour": ["Unknown field."]}
    assert not StatusUpdate.objects.exists()


def test_malformed_json_is_a_400(as_analyst):
    response = as_analyst.post(
        "/api/v1/status-updates/", data="{bad", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_an_unknown_commitment_id_is_a_400_naming_the_field(as_analyst):
    response = as_analyst.post(
        "/api/v1/status-updates/", new_update(CommitmentFactory(), commitment=999999), format="json"
    )

    assert response.status_code == 400
    assert "commitment" in response.json()["fields"]


def test_an_oversized_body_is_refused(as_analyst):
    payload = new_update(CommitmentFactory(), summary="x" * 300_000)

    response = as_analyst.post("/api/v1/status-updates/", payload, format="json")

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert not StatusUpdate.objects.exists()


def test_a_read_token_never_writes(api_client_user, analyst):
    reader = bearer(analyst, scope="read")

    response = reader.post(
        "/api/v1/status-updates/", new_update(CommitmentFactory()), format="json"
    )

    assert response.status_code == 403
    assert not StatusUpdate.objects.exists()


def test_a_reviewer_approves_and_gets_the_new_commitment(as_reviewer):
    update = StatusUpdateFactory()

    response = as_reviewer.post(
        f"/api/v1/status-updates/{update.pk}/approve/", {"comment": "ok"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["version"]) == ("in_parliament", 2)


def test_approving_ones_own_update_is_403(analyst, reviewer):
    update = StatusUpdateFactory(proposed_by=reviewer)

    response = bearer(reviewer).post(f"/api/v1/status-updates/{update.pk}/approve/", format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "self_review_forbidden"


def test_a_stale_approval_is_409_naming_the_newer_change(as_reviewer):
    first = StatusUpdateFactory()
    second = StatusUpdateFactory(commitment=first.commitment, proposed_status="withdrawn")
    as_reviewer.post(f"/api/v1/status-updates/{first.pk}/approve/", format="json")

    response = as_reviewer.post(f"/api/v1/status-updates/{second.pk}/approve/", format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "stale_update"
    assert "in_parliament" in response.json()["detail"]


def test_a_stale_approval_with_an_idempotency_key_still_marks_the_update_stale(as_reviewer):
    first = StatusUpdateFactory()
    second = StatusUpdateFactory(commitment=first.commitment, proposed_status="withdrawn")
    as_reviewer.post(f"/api/v1/status-updates/{first.pk}/approve/", format="json")

    response = as_reviewer.post(
        f"/api/v1/status-updates/{second.pk}/approve/", format="json", HTTP_IDEMPOTENCY_KEY="k"
    )

    assert response.status_code == 409
    second.refresh_from_db()
    assert second.state == UpdateState.STALE


def test_rejecting_without_a_comment_is_a_400(as_reviewer):
    update = StatusUpdateFactory()

    response = as_reviewer.post(f"/api/v1/status-updates/{update.pk}/reject/", format="json")

    assert response.status_code == 400
    assert "comment" in response.json()["fields"]
    update.refresh_from_db()
    assert update.state == UpdateState.SUBMITTED


def test_approve_with_a_stale_if_match_is_412_and_changes_nothing(as_reviewer, as_reader):
    update = StatusUpdateFactory()
    etag = as_reader.get(f"{URL}{update.commitment_id}/").headers["ETag"]
    update.commitment.notes = "edited meanwhile"
    from commitments.services import commitment_save

    commitment_save(commitment=update.commitment, actor=None)

    response = as_reviewer.post(
        f"/api/v1/status-updates/{update.pk}/approve/", format="json", HTTP_IF_MATCH=etag
    )

    assert response.status_code == 412
    update.refresh_from_db()
    assert update.state == UpdateState.SUBMITTED


def test_approve_with_a_current_if_match_goes_through(as_reviewer, as_reader):
    update = StatusUpdateFactory()
    etag = as_reader.get(f"{URL}{update.commitment_id}/").headers["ETag"]

    response = as_reviewer.post(
        f"/api/v1/status-updates/{update.pk}/approve/", format="json", HTTP_IF_MATCH=etag
    )

    assert response.status_code == 200


def test_the_same_idempotency_key_and_body_replays_without_creating_twice(as_analyst):
    payload = new_update(CommitmentFactory())

    first = as_analyst.post(
        "/api/v1/status-updates/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    second = as_analyst.post(
        "/api/v1/status-updates/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert StatusUpdate.objects.count() == 1


def test_the_same_idempotency_key_with_another_body_is_422(as_analyst):
    commitment = CommitmentFactory()
    as_analyst.post(
        "/api/v1/status-updates/", new_update(commitment), format="json", HTTP_IDEMPOTENCY_KEY="k"
    )

    response = as_analyst.post(
        "/api/v1/status-updates/",
        new_update(commitment, summary="other"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )

    assert response.status_code == 422
    assert StatusUpdate.objects.count() == 1


def test_the_throttle_answers_429_with_retry_after(as_reader, settings):
    from django.core.cache import cache

    cache.clear()
    settings.API_THROTTLE_RATE = "3/min"

    codes = [as_reader.get("/api/v1/participants/").status_code for _ in range(3)]
    last = as_reader.get("/api/v1/participants/")

    assert codes == [200, 200, 200]
    assert last.status_code == 429
    assert last.json()["code"] == "throttled"
    assert int(last.headers["Retry-After"]) > 0


def test_the_history_lists_the_commitments_events(as_reader, reviewer):
    from commitments.services import update_approve

    update = StatusUpdateFactory(effective_date=datetime.date(2024, 6, 1))
    update_approve(update=update, reviewer=reviewer)

    events = as_reader.get(f"{URL}{update.commitment_id}/history/").json()

    assert [e["action"] for e in events] == ["commitment.status_changed"]
    assert events[0]["actor"] == reviewer.username
    assert events[0]["sequence"] == AuditEvent.objects.latest("sequence").sequence


def test_the_schema_is_served_and_documents_every_path(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/changes/" in paths
    assert "/api/v1/status-updates/{id}/approve/" in paths


def test_an_unchanged_list_is_served_from_the_page_cache_and_a_change_refreshes_it(
    as_reader, reviewer, settings, django_assert_max_num_queries
):
    from django.core.cache import cache

    from accounts.authentication import token_cache_seconds
    from commitments.services import update_approve

    settings.API_PAGE_CACHE_SECONDS = 60
    cache.clear()
    update = StatusUpdateFactory()
    update_approve(update=update, reviewer=reviewer)
    first = as_reader.get(URL).json()

    # The chain's head; the token comes from a shared cache, from the database without one.
    with django_assert_max_num_queries(1 if token_cache_seconds() else 2):
        again = as_reader.get(URL).json()
    update_approve(
        update=StatusUpdateFactory(commitment=update.commitment, proposed_status="rejected"),
        reviewer=reviewer,
    )
    after_change = as_reader.get(URL).json()

    assert again == first
    assert after_change["results"][0]["status"] == "rejected"
    assert first["results"][0]["status"] == "in_parliament"


def test_a_retry_while_the_first_request_is_at_work_is_409_and_writes_nothing(as_analyst, analyst):
    from accounts.models import IdempotencyRecord
    from commitments.api.http import request_fingerprint

    payload = new_update(CommitmentFactory())
    # The first request has claimed the key and not finished.
    IdempotencyRecord.objects.create(
        user=analyst,
        key="k-busy",
        fingerprint=request_fingerprint("POST", "/api/v1/status-updates/", payload),
        status_code=0,
    )

    response = as_analyst.post(
        "/api/v1/status-updates/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-busy"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_in_progress"
    assert not StatusUpdate.objects.exists()


def test_a_retry_takes_over_a_claim_left_by_a_request_that_died(as_analyst, analyst, settings):
    from accounts.models import IdempotencyRecord
    from commitments.api.http import request_fingerprint

    payload = new_update(CommitmentFactory())
    claim = IdempotencyRecord.objects.create(
        user=analyst,
        key="k-dead",
        fingerprint=request_fingerprint("POST", "/api/v1/status-updates/", payload),
        status_code=0,
    )
    IdempotencyRecord.objects.filter(pk=claim.pk).update(
        created_at=timezone.now()
        - datetime.timedelta(seconds=settings.IDEMPOTENCY_CLAIM_SECONDS + 1)
    )

    response = as_analyst.post(
        "/api/v1/status-updates/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-dead"
    )

    assert response.status_code == 201
    claim.refresh_from_db()
    assert claim.status_code == 201 and claim.response["id"] == response.json()["id"]


def test_a_failed_request_releases_its_idempotency_key(as_analyst):
    commitment = CommitmentFactory()
    bad = as_analyst.post(
        "/api/v1/status-updates/",
        new_update(commitment, summary=" "),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-2",
    )

    good = as_analyst.post(
        "/api/v1/status-updates/",
        new_update(commitment, summary=" "),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-2",
    )

    assert bad.status_code == good.status_code == 400
    assert not StatusUpdate.objects.exists()


def test_renaming_a_participant_changes_its_commitments_etag(as_reader, admin_user):
    from commitments.services import participant_save

    commitment = CommitmentFactory()
    first = as_reader.get(f"{URL}{commitment.pk}/")
    participant = commitment.participant
    participant.name = "Renamed"
    participant_save(participant=participant, actor=admin_user)

    again = as_reader.get(f"{URL}{commitment.pk}/", HTTP_IF_NONE_MATCH=first.headers["ETag"])

    assert again.status_code == 200
    assert again.json()["participant_name"] == "Renamed"


@pytest.mark.parametrize(
    ("value", "status"),
    [("7403-05-08T14:33:22.81-20:37", 200), ("9999-12-31T23:59:59-23:59", 400), ("soon", 400)],
)
def test_updated_since_takes_any_offset_python_reads_and_refuses_the_rest(as_reader, value, status):
    CommitmentFactory()

    response = as_reader.get(URL, {"updated_since": value})

    assert response.status_code == status


@pytest.mark.parametrize("accept", [None, "*/*", "application/json"])
def test_a_client_that_asks_for_json_or_anything_gets_json(as_reader, accept):
    headers = {"HTTP_ACCEPT": accept} if accept else {}

    response = as_reader.get(URL, **headers)

    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("", {"HTTP_ACCEPT": "text/html"}),
        ("?format=api", {}),
        ("?format=api", {"HTTP_ACCEPT": "*/*"}),
    ],
)
def test_a_browser_or_format_api_gets_the_browsable_api(admin_user, client, query, headers):
    client.force_login(admin_user)

    response = client.get(URL + query, **headers)

    assert response["Content-Type"].startswith("text/html")


def test_an_empty_accept_header_is_406_as_drf_answers_it(as_reader):
    assert as_reader.get(URL, HTTP_ACCEPT="").status_code == 406


def own_draft(client) -> dict:
    body = new_update(CommitmentFactory(), draft=True)
    return client.post("/api/v1/status-updates/", body, format="json").json()


def test_an_analyst_edits_their_draft_and_only_the_fields_sent_change(as_analyst):
    draft = own_draft(as_analyst)

    response = as_analyst.patch(
        f"/api/v1/status-updates/{draft['id']}/",
        {"summary": "Tabled, second reading."},
        format="json",
    )

    assert response.status_code == 200
    edited = response.json()
    assert edited["summary"] == "Tabled, second reading."
    assert (edited["proposed_status"], edited["sources"]) == (
        draft["proposed_status"],
        draft["sources"],
    )
    assert AuditEvent.objects.filter(action="update.edited", update_id=draft["id"]).exists()


def test_editing_a_submitted_update_is_409_and_changes_nothing(as_analyst):
    body = new_update(CommitmentFactory())
    submitted = as_analyst.post("/api/v1/status-updates/", body, format="json").json()

    response = as_analyst.patch(
        f"/api/v1/status-updates/{submitted['id']}/", {"summary": "Changed."}, format="json"
    )

    assert response.status_code == 409
    assert StatusUpdate.objects.get(pk=submitted["id"]).summary == body["summary"]


def test_a_patch_with_an_unknown_field_is_400_naming_it(as_analyst):
    draft = own_draft(as_analyst)

    response = as_analyst.patch(
        f"/api/v1/status-updates/{draft['id']}/", {"state": "approved"}, format="json"
    )

    assert response.status_code == 400
    assert "state" in response.json()["fields"]


def test_a_patch_with_a_stale_if_match_is_412_and_changes_nothing(as_analyst):
    draft = own_draft(as_analyst)
    etag = as_analyst.get(f"/api/v1/status-updates/{draft['id']}/").headers["ETag"]
    as_analyst.patch(f"/api/v1/status-updates/{draft['id']}/", {"summary": "First."}, format="json")

    response = as_analyst.patch(
        f"/api/v1/status-updates/{draft['id']}/",
        {"summary": "Second."},
        format="json",
        HTTP_IF_MATCH=etag,
    )

    assert response.status_code == 412
    assert StatusUpdate.objects.get(pk=draft["id"]).summary == "First."


def test_deleting_an_own_draft_is_204_and_it_is_gone(as_analyst):
    draft = own_draft(as_analyst)

    response = as_analyst.delete(f"/api/v1/status-updates/{draft['id']}/")

    assert response.status_code == 204
    assert not StatusUpdate.objects.filter(pk=draft["id"]).exists()
    assert AuditEvent.objects.filter(action="update.deleted").count() == 1
