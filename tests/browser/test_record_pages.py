"""The record's pages in Chromium, on the shared demo: what they show (axe-core and the CSP:
test_every_page.py)."""

import re

import pytest
from playwright.sync_api import expect

from commitments.demo import GUARANTEES

pytestmark = pytest.mark.browser

AGREEMENT = "Paris joint statement on security guarantees for Ukraine"


def test_the_home_page_shows_the_demo_agreement_and_its_guarantees(page, demo):
    page.goto("/")

    expect(page.get_by_role("heading", level=2, name=AGREEMENT)).to_be_visible()
    for _, title, _, _ in GUARANTEES:
        # A column header: the title, then the guarantee's domain.
        expect(
            page.get_by_role("columnheader", name=re.compile(rf"^{re.escape(title)}\b"))
        ).to_be_visible()


def test_the_home_page_marks_the_demo_as_sample_data(page, demo):
    page.goto("/")

    expect(page.get_by_text("sample data", exact=True)).to_be_visible()
