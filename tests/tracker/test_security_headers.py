"""Responses under the production settings (tracker/settings.py read with DJANGO_DEBUG=false,
as `make serve` runs it): HTTPS only with HSTS, a CSP that no page may frame, nosniff, a
referrer policy, and cookies that are Secure, SameSite and (the session's) HttpOnly."""

import base64
import importlib.util
from pathlib import Path

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pass-word-123"  # tests.factories.UserFactory's
# What the production settings decide about HTTPS, headers and cookies.
SECURITY_SETTINGS = [
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CSP",
    "X_FRAME_OPTIONS",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_SAMESITE",
]


def production_module(monkeypatch, **environment: str):
    """tracker/settings.py executed afresh as production reads it (throwaway keys)."""
    for name in ("DJANGO_SECURE_SSL_REDIRECT", "DJANGO_SECURE_HSTS_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DJANGO_DEBUG", "false")
    monkeypatch.setenv("DJANGO_SECRET_KEY", "a-long-random-production-key-" + "x7Qp2" * 10)
    monkeypatch.setenv("AUDIT_SIGNING_KEY", base64.b64encode(bytes(range(32))).decode())
    monkeypatch.setenv(
        "WEBHOOK_SECRET_KEYS", base64.urlsafe_b64encode(bytes(range(32, 64))).decode()
    )
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location(
        "production_settings", ROOT / "tracker/settings.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def production(settings, monkeypatch):
    """The test settings, with production's decisions about HTTPS, headers and cookies."""
    module = production_module(monkeypatch)
    for name in SECURITY_SETTINGS:
        setattr(settings, name, getattr(module, name))
    return settings


@pytest.fixture
def user(db):
    return UserFactory(username="maria")


def cookie_flags(response, name: str) -> dict:
    morsel = response.cookies[name]
    return {
        "secure": bool(morsel["secure"]),
        "httponly": bool(morsel["httponly"]),
        "samesite": morsel["samesite"],
    }


def test_plain_http_is_redirected_to_https(production, client):
    response = client.get("/login/")

    assert response.status_code == 301
    assert response.headers["Location"] == "https://testserver/login/"


def test_https_responses_carry_hsts_for_a_year_with_subdomains_and_preload(production, client):
    response = client.get("/login/", secure=True)

    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )


def test_a_request_the_tls_proxy_marks_as_https_is_served_with_hsts(production, client):
    response = client.get("/login/", headers={"X-Forwarded-Proto": "https"})

    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]


def test_the_csp_forbids_framing_and_foreign_scripts(production, client):
    response = client.get("/login/", secure=True)

    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response.headers["Content-Security-Policy"].split(";")
    )
    assert policy["frame-ancestors"] == "'none'"
    assert policy["default-src"] == "'self'"
    assert policy["script-src"].startswith("'self' 'nonce-")
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", ["/login/", "/api/v1/"], ids=["page", "api"])
def test_pages_and_the_api_say_nosniff_and_a_same_origin_referrer_policy(production, client, path):
    response = client.get(path, secure=True)

    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" in response.headers


def test_the_session_cookie_is_secure_httponly_and_same_site(production, client, user):
    response = client.post("/login/", {"username": "maria", "password": PASSWORD}, secure=True)

    assert response.status_code == 302
    assert cookie_flags(response, "sessionid") == {
        "secure": True,
        "httponly": True,
        "samesite": "Lax",
    }


def test_the_csrf_cookie_is_secure_and_same_site(production, client):
    response = client.get("/login/", secure=True)

    flags = cookie_flags(response, "csrftoken")
    assert flags["secure"] is True
    assert flags["samesite"] == "Lax"


def test_the_https_redirect_can_be_switched_off_for_a_server_without_tls_in_front(monkeypatch):
    module = production_module(monkeypatch, DJANGO_SECURE_SSL_REDIRECT="false")

    assert module.SECURE_SSL_REDIRECT is False
    assert module.SECURE_HSTS_SECONDS == 31536000
    assert module.SESSION_COOKIE_SECURE is True
