"""A draft's sources: deleted with their last reference, and as private as the draft."""

import datetime

import pytest

from accounts.roles import Role
from commitments.models import Source
from commitments.services import update_create, update_delete, update_edit, update_withdraw
from tests.factories import AgreementFactory, CommitmentFactory, SourceFactory, UserFactory
from tests.helpers import bearer

pytestmark = pytest.mark.django_db

SECRET = "https://news.example.org/draft-source"


def draft_by(author, sources=None):
    return update_create(
        commitment=CommitmentFactory(),
        author=author,
        proposed_status="in_parliament",
        effective_date=datetime.date(2024, 5, 2),
        summary="Secret until submitted.",
        sources=sources or [{"url": SECRET}],
        draft=True,
    )


def only_source(update) -> Source:
    return update.sources.get()


def test_a_source_replaced_in_a_draft_is_deleted_and_nobody_reads_it(analyst, reviewer):
    draft = draft_by(analyst)
    old = only_source(draft)

    update_edit(update=draft, author=analyst, sources=[{"url": "https://example.org/new"}])

    assert bearer(reviewer).get(f"/api/v1/sources/{old.pk}/").status_code == 404
    assert not Source.objects.filter(pk=old.pk).exists()


def test_the_sources_of_a_deleted_draft_are_deleted_and_nobody_reads_them(analyst, reviewer):
    draft = draft_by(analyst)
    old = only_source(draft)

    update_delete(update=draft, author=analyst)

    assert bearer(reviewer).get(f"/api/v1/sources/{old.pk}/").status_code == 404
    assert not Source.objects.filter(pk=old.pk).exists()


def test_a_source_an_agreement_still_cites_outlives_the_draft_that_cited_it(analyst):
    shared = SourceFactory()
    AgreementFactory().sources.set([shared])
    draft = draft_by(analyst, sources=[shared])

    update_delete(update=draft, author=analyst)

    assert Source.objects.filter(pk=shared.pk).exists()


def test_a_source_kept_in_an_edited_draft_is_not_deleted(analyst):
    draft = draft_by(analyst)
    kept = only_source(draft)

    update_edit(update=draft, author=analyst, sources=[kept, {"url": "https://example.org/new"}])

    assert Source.objects.filter(pk=kept.pk).exists()


def test_the_sources_of_a_draft_withdrawn_before_submission_stay_its_authors(analyst, reviewer):
    draft = draft_by(analyst)
    source = only_source(draft)

    update_withdraw(update=draft, author=analyst)

    assert bearer(reviewer).get(f"/api/v1/sources/{source.pk}/").status_code == 404
    assert bearer(analyst).get(f"/api/v1/sources/{source.pk}/").status_code == 200


def test_a_source_nothing_cites_is_hidden_from_everyone_but_admins(analyst, reviewer):
    orphan = SourceFactory()

    for user in (analyst, reviewer, UserFactory(roles=[Role.API_CLIENT])):
        assert bearer(user).get(f"/api/v1/sources/{orphan.pk}/").status_code == 404, user


def test_an_admin_reads_a_source_nothing_cites_to_clean_it_up(admin_user):
    orphan = SourceFactory()

    response = bearer(admin_user).get(f"/api/v1/sources/{orphan.pk}/")

    assert response.status_code == 200


def test_an_admin_does_not_read_a_source_only_another_users_draft_cites(analyst, admin_user):
    source = only_source(draft_by(analyst))

    response = bearer(admin_user).get(f"/api/v1/sources/{source.pk}/")

    assert response.status_code == 404
