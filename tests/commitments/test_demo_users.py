"""The demo users work out of the box: seed_demo prints each one's password, roles and what
they may do; they sign in with it; the analysts propose, the reviewer decides, the admin
manages the record in the admin."""

import datetime
import io
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from accounts.models import User
from commitments.choices import CommitmentStatus, UpdateState
from commitments.demo import DEMO_USERS
from commitments.models import Commitment
from commitments.services import update_approve, update_create

pytestmark = pytest.mark.django_db

PASSWORDS = {username: password for username, password, _ in DEMO_USERS}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The demo, loaded once for this module (it takes a while) and committed; each test
    still runs in a transaction rolled back after it, and the database is emptied after the
    last one. Yields what seed_demo printed."""
    # The tests' fast hasher (tests/conftest.py), which must also read the demo's passwords.
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast:
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
        try:
            yield out.getvalue()
        finally:
            call_command("flush", interactive=False, verbosity=0)


def signed_in(username: str) -> Client:
    """A browser signed in through the login form with the password seed_demo printed."""
    browser = Client()
    response = browser.post("/login/", {"username": username, "password": PASSWORDS[username]})
    assert response.status_code == 302, f"{username} could not sign in"
    return browser


def a_signed_commitment() -> Commitment:
    return Commitment.objects.filter(status=CommitmentStatus.SIGNED).order_by("pk").first()


@pytest.mark.parametrize(
    ("username", "line"),
    [
        ("analyst", "  analyst / analyst-demo-pass: Analyst: proposes status updates"),
        ("analyst2", "  analyst2 / analyst2-demo-pass: Analyst: proposes status updates"),
        ("reviewer", "  reviewer / reviewer-demo-pass: Reviewer: approves or rejects"),
        ("admin", "  admin / admin-demo-pass: Admin: manages participants"),
    ],
)
def test_seed_demo_prints_each_user_s_password_roles_and_what_they_may_do(seeded, username, line):
    assert line in seeded


@pytest.mark.parametrize("username", PASSWORDS)
def test_each_demo_user_signs_in_with_the_printed_password(seeded, username):
    browser = signed_in(username)

    body = browser.get("/changes/").content.decode()
    assert f'<span class="who">{username}</span>' in body


def test_a_demo_analyst_proposes_and_the_demo_reviewer_approves(seeded):
    commitment = a_signed_commitment()
    update = update_create(
        commitment=commitment,
        author=User.objects.get(username="analyst"),
        proposed_status=CommitmentStatus.IN_PARLIAMENT,
        effective_date=max(commitment.status_date, datetime.date(2024, 3, 15)),
        summary="Tabled.",
        sources=[{"url": "https://example.org/sample/tabled"}],
    )

    approved = update_approve(update=update, reviewer=User.objects.get(username="reviewer"))

    update.refresh_from_db()
    assert update.state == UpdateState.APPROVED
    assert approved.status == CommitmentStatus.IN_PARLIAMENT


def test_the_demo_reviewer_s_header_leads_to_the_review_and_audit_pages(seeded):
    browser = signed_in("reviewer")

    body = browser.get("/changes/").content.decode()

    assert '<span class="roles">(Reviewer)</span>' in body
    assert 'href="/review/">Review</a>' in body
    assert 'href="/audit/">Audit log</a>' in body
    assert 'href="/admin/"' not in body
    assert browser.get("/review/").status_code == 200


def test_the_demo_analyst_s_header_has_no_review_link_and_the_queue_refuses_them(seeded):
    browser = signed_in("analyst")

    body = browser.get("/changes/").content.decode()

    assert 'href="/review/"' not in body
    assert browser.get("/review/").status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/commitments/participant/",
        "/admin/commitments/participant/add/",
        "/admin/commitments/agreement/",
        "/admin/commitments/commitment/",
        "/admin/accounts/user/",
        "/admin/commitments/webhookendpoint/",
    ],
)
def test_the_demo_admin_manages_the_record_in_the_admin(seeded, path):
    assert signed_in("admin").get(path).status_code == 200


@pytest.mark.parametrize("username", ["analyst", "reviewer"])
def test_the_other_demo_users_are_kept_out_of_the_admin(seeded, username):
    response = signed_in(username).get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
