"""What a browser test does as a person would: sign in through the /login/ form."""

from playwright.sync_api import Page

from commitments.demo import DEMO_USERS

# The demo's accounts (printed by seed_demo), by username.
DEMO_PASSWORDS = {username: password for username, password, _ in DEMO_USERS}


def sign_in(page: Page, username: str, password: str | None = None) -> Page:
    """Sign `username` in through the /login/ form (`password` defaults to the demo user's),
    and wait until the page that follows names them in its header."""
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password or DEMO_PASSWORDS[username])
    page.get_by_role("button", name="Log in").click()
    page.locator("header.site .who", has_text=username).wait_for()
    return page
