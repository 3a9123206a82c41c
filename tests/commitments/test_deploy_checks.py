"""`manage.py check --deploy`: the audit history's guarantees need the right database role
and a signing key."""

import uuid

import pytest
from django.core import checks

from tests.commitments.conftest import raw

pytestmark = pytest.mark.django_db


def deploy_check_ids() -> set[str]:
    return {message.id for message in checks.run_checks(include_deployment_checks=True)}


@pytest.fixture
def role():
    """A role of the test's own (created and dropped with the test's transaction), which the
    connection then acts as."""
    name = f"audit_check_{uuid.uuid4().hex[:10]}"
    raw(f'CREATE ROLE "{name}" NOLOGIN')
    yield name
    raw("RESET ROLE")


@pytest.mark.postgres
def test_the_deploy_check_warns_when_the_app_connects_as_a_superuser():
    # The tests connect as the superuser postgres.
    assert "commitments.W001" in deploy_check_ids()


@pytest.mark.postgres
def test_the_deploy_check_warns_when_the_apps_role_owns_the_audit_table(role):
    raw(f'ALTER TABLE commitments_auditevent OWNER TO "{role}"')
    raw(f'SET LOCAL ROLE "{role}"')

    assert "commitments.W001" in deploy_check_ids()


@pytest.mark.postgres
def test_the_deploy_check_is_quiet_for_a_role_that_neither_owns_the_table_nor_is_superuser(role):
    raw(f'GRANT SELECT, INSERT ON commitments_auditevent TO "{role}"')
    raw(f'SET LOCAL ROLE "{role}"')

    assert "commitments.W001" not in deploy_check_ids()


def test_the_deploy_check_reports_a_production_without_a_signing_key(settings):
    settings.AUDIT_SIGNING_KEY = ""
    settings.AUDIT_SIGNING_KEY_FROM_SECRET = False

    assert "commitments.E001" in deploy_check_ids()


def test_the_deploy_check_reports_a_signing_key_that_is_not_a_key(settings):
    settings.AUDIT_SIGNING_KEY = "not base64!"

    assert "commitments.E001" in deploy_check_ids()
