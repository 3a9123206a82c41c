"""/api/docs/ (Swagger UI) works under the CSP: every script and style it names is a file
the app serves itself, and nothing is inline (the CSP refuses inline scripts and styles
without the request's nonce)."""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db

DOCS = "/api/docs/"


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def sources(html: str, tag: str, attribute: str) -> list[str]:
    return re.findall(rf"<{tag}\b[^>]*\b{attribute}=\"([^\"]+)\"", html)


def test_the_docs_page_loads_only_same_origin_scripts(client):
    scripts = sources(page(client, DOCS), "script", "src")

    assert len(scripts) == 3  # Swagger UI's bundle, its preset, the settings script
    assert all(not urlsplit(src).netloc and src.startswith("/") for src in scripts)


def test_the_docs_page_has_no_inline_script_nor_style(client):
    html = page(client, DOCS)

    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "<style" not in html
    assert " style=" not in html


def test_the_docs_page_s_files_are_served_by_the_app(client):
    html = page(client, DOCS)
    files = sources(html, "script", "src") + sources(html, "link", "href")

    static = [url for url in files if url.startswith("/static/")]
    assert len(static) >= 4  # two scripts, Swagger UI's style sheet, ours (and the icon)
    for url in static:
        assert finders.find(url.removeprefix("/static/")), url


def test_the_settings_script_is_javascript_naming_the_schema(client):
    html = page(client, DOCS)
    settings_script = next(s for s in sources(html, "script", "src") if "script" in s)

    response = client.get(settings_script.replace("&amp;", "&"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in response.content.decode()


def test_the_docs_page_is_served_under_the_content_security_policy(client):
    response = client.get(DOCS)

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
