"""`make screenshots`: a 1280 x 800 PNG of each page below, on the demo data, in
docs/screenshots/<name>.png.

Runs the app on its embedded defaults (DEBUG, SQLite in a throwaway directory, tasks in
process) with the demo loaded, and Debian's Chromium (tests/browser/chromium.py) to take the
shots. `python -m tests.browser.screenshots [name ...]` takes only the pages named.
"""

import datetime
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import django
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"


@dataclass(frozen=True)
class Shot:
    path: str
    # A demo username (commitments.demo.DEMO_USERS) to sign in as first; None: signed out.
    user: str | None = None
    # A CSS selector to wait for before the shot: the page is drawn (say, by a script).
    ready: str | None = None
    # A CSS selector to scroll to the top of the window before the shot (a long page's part).
    scroll_to: str | None = None
    # What to do on the page once it is open, before the shot (fill a form, press a button):
    # a callable taking the Playwright page and the placeholders; it ends on the page to shoot.
    action: Callable[[Any, dict[str, str]], None] | None = None


def propose(page: Any, commitment: str, *, button: str, effective: str, summary: str) -> None:
    """Fill in the propose form of commitment `commitment` with one source, and press
    `button`."""
    page.goto(f"/commitments/{commitment}/propose/", wait_until="networkidle")
    page.get_by_label("Proposed status").select_option(index=1)
    page.get_by_label("Effective date").fill(effective)
    page.get_by_label("Summary").fill(summary)
    page.get_by_label("Source URL").fill("https://news.example.org/parliament-vote")
    page.get_by_label("Source title").fill("Parliament votes on the guarantee")
    page.get_by_label("Publisher").fill("Example Gazette")
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state("networkidle")


def propose_with_an_error(page: Any, filled: dict[str, str]) -> None:
    """The propose form after "Submit for review" with an effective date in the future."""
    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
    propose(
        page,
        filled["signed"],
        button="Submit for review",
        effective=tomorrow,
        summary="The bill passed its first reading.",
    )


def my_updates_with_a_draft_and_a_submission(page: Any, filled: dict[str, str]) -> None:
    """My updates, once the analyst has saved a draft and submitted an update."""
    today = datetime.date.today().isoformat()
    propose(
        page,
        filled["pledged"],
        button="Save draft",
        effective=today,
        summary="Signed, says the ministry.",
    )
    propose(
        page,
        filled["signed"],
        button="Submit for review",
        effective=today,
        summary="The bill was tabled in parliament.",
    )


def follow_some(page: Any, filled: dict[str, str]) -> None:
    """The subscriptions page once Ukraine is followed from its page (the inbox), and a daily
    digest of one guarantee added on the subscriptions page."""
    page.goto("/participants/UA/")
    page.get_by_role("button", name="Follow", exact=True).click()
    page.goto("/subscriptions/")
    page.get_by_role("group", name="Guarantees").get_by_role("checkbox").first.check()
    page.get_by_label("E-mail, daily digest").check()
    page.get_by_role("button", name="Add subscription").click()
    page.get_by_text("Subscription added.").wait_for()


def check_an_import_with_an_error(page: Any, filled: dict[str, str]) -> None:
    """The import page's dry run of a CSV (made on the demo by placeholders()) with one bad
    row."""
    page.get_by_label("File").set_input_files(
        {
            "name": "updates.csv",
            "mimeType": "text/csv",
            "buffer": filled["import_with_an_error"].encode(),
        }
    )
    page.get_by_role("button", name="Check file").click()
    page.wait_for_load_state("networkidle")


# name -> what to shoot. docs/screenshots/<name>.png; the README shows some of them.
PAGES: dict[str, Shot] = {
    "home": Shot("/"),
    "matrix": Shot("/", scroll_to="#matrix table"),
    "matrix-as-of": Shot("/?as_of=2024-06-01"),
    "login": Shot("/login/"),
    "participant": Shot("/participants/FR/"),
    "guarantee": Shot("/guarantees/front-line-equipment/"),
    "agreement": Shot("/agreements/paris-joint-statement-2024/"),
    "commitment": Shot("/commitments/{commitment}/", user="reviewer"),
    "changes": Shot("/changes/"),
    "api-docs": Shot("/api/docs/", ready=".swagger-ui .opblock"),
    "audit-log": Shot("/audit/", user="reviewer"),
    "review-queue": Shot("/review/", user="reviewer"),
    "propose-error": Shot(
        "/my/updates/", user="analyst", action=propose_with_an_error, ready=".error-summary"
    ),
    "my-updates": Shot(
        "/my/updates/",
        user="analyst",
        action=my_updates_with_a_draft_and_a_submission,
        ready="#state-submitted",
    ),
    "subscriptions": Shot("/subscriptions/", user="analyst", action=follow_some),
    "import-dry-run": Shot(
        "/import/",
        user="analyst",
        action=check_an_import_with_an_error,
        ready=".import-rows",
        scroll_to="#content",  # the heading, the form and the whole report
    ),
    # The demo tells nobody of its history: the analyst's inbox holds what inbox_decisions()
    # placed there.
    "inbox": Shot("/inbox/", user="analyst", ready="li.notification"),
}


def placeholders() -> dict[str, str]:
    """What a path's placeholders stand for in the demo: {commitment} is the first demo
    commitment with a history of applied changes; {pledged} and {signed} below. Made before
    Playwright starts: its loop makes this thread refuse database calls."""
    from commitments.models import Commitment
    from tests.commitments.import_files import csv_bytes, demo_rows, row

    commitment = Commitment.objects.filter(updates__isnull=False).order_by("pk").first()
    filled = {"commitment": str(commitment.pk)}
    # {pledged}, {signed}: the first demo commitment at that status with no update pending.
    for status in ("pledged", "signed"):
        at = Commitment.objects.filter(status=status).exclude(
            updates__state__in=["draft", "submitted"]
        )
        filled[status] = str(at.order_by("pk").values_list("pk", flat=True).first())
    # A CSV of four withdrawals on the demo, the last for a participant that is not there.
    good = demo_rows(4)
    bad = row("XX", good[0][1], "withdrawn", good[0][3])
    filled["import_with_an_error"] = csv_bytes([*good, bad]).decode()
    return filled


def inbox_decisions() -> None:
    """Something for the inbox's shot: two of the analyst's updates, rejected with a comment,
    on signed commitments no other shot shows (the newest ones). Neither the live record nor
    the review queue, which other shots show, changes."""
    import datetime

    from django.utils import timezone

    from accounts.models import User
    from commitments import services
    from commitments.choices import CommitmentStatus
    from commitments.models import Commitment

    analyst, reviewer = (User.objects.get(username=name) for name in ("analyst", "reviewer"))
    signed = Commitment.objects.filter(status=CommitmentStatus.SIGNED).order_by("-pk")[:2]
    comments = [
        "The source reports a draft bill, not its tabling.",
        "Please add the parliament's own record as a source.",
    ]
    for commitment, comment in zip(signed, comments, strict=True):
        day = min(commitment.status_date + datetime.timedelta(days=1), timezone.localdate())
        update = services.update_create(
            commitment=commitment,
            author=analyst,
            proposed_status=CommitmentStatus.IN_PARLIAMENT,
            effective_date=day,
            summary=f"{commitment.participant.name}: the bill was tabled (sample).",
            sources=[{"url": "https://example.org/sample/tabled", "title": "Bill tabled (sample)"}],
        )
        services.update_reject(update=update, reviewer=reviewer, comment=comment)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_server(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (exit {server.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.25)
    raise SystemExit(f"the server did not answer {url} within {timeout:.0f} s")


def take(names: list[str], base_url: str) -> list[str]:
    """Shoot each named page; return the problems seen: a page that never got ready (it is
    not shot)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    from tests.browser.chromium import CHROMIUM, VIEWPORT, launch_args
    from tests.browser.helpers import sign_in

    if not CHROMIUM.exists():
        raise SystemExit(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    problems = []
    OUT.mkdir(parents=True, exist_ok=True)
    filled = placeholders()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_args())
        for name in names:
            shot = PAGES[name]
            context = browser.new_context(
                base_url=base_url, viewport=VIEWPORT, device_scale_factor=1
            )
            page = context.new_page()
            if shot.user:
                sign_in(page, shot.user)
            page.goto(shot.path.format(**filled), wait_until="networkidle")
            if shot.action:
                shot.action(page, filled)
            target = OUT / f"{name}.png"
            try:
                if shot.ready:
                    page.locator(shot.ready).first.wait_for(timeout=10_000)
            except PlaywrightTimeout:
                # A blank page is not a screenshot: the previous PNG, if any, stays.
                problems.append(f"{name}: {shot.ready} never appeared on {shot.path}; not shot")
            else:
                if shot.scroll_to:
                    page.locator(shot.scroll_to).first.evaluate("e => e.scrollIntoView()")
                page.screenshot(path=target)
                print(f"{target.relative_to(ROOT)}  <- {shot.path}")
            context.close()
        browser.close()
    return problems


def main(argv: list[str]) -> int:
    names = argv or list(PAGES)
    if unknown := [n for n in names if n not in PAGES]:
        print(f"unknown page(s): {', '.join(unknown)}; known: {', '.join(PAGES)}")
        return 2
    with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp:
        # The embedded defaults: no PostgreSQL, no Redis, DEBUG on; this process (which loads
        # the demo) and the server share the throwaway database.
        for key in ("REDIS_URL", "CELERY_BROKER_URL", "DJANGO_DEBUG"):
            os.environ.pop(key, None)
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/db.sqlite3"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
        django.setup()
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        inbox_decisions()
        # The audit log's page shows the chain's last verification: record one.
        call_command("verify_audit", stdout=open(os.devnull, "w"))  # noqa: SIM115
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        with open(Path(tmp) / "server.log", "w") as log:
            server = subprocess.Popen(
                [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                wait_for_server(f"{base_url}/login/", server)
                problems = take(names, base_url)
            except BaseException:
                print((Path(tmp) / "server.log").read_text()[-4000:], file=sys.stderr)
                raise
            finally:
                server.terminate()
                server.wait(timeout=10)
    for problem in problems:
        print(f"WARNING: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
