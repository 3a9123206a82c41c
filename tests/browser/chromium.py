"""How the browser tests and `make screenshots` start Chromium: Debian's own (apt-get install
chromium), headless, with nothing that reaches the network on its own. A browser is never
downloaded (no `playwright install`)."""

import os
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root in a container, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}


def launch_args(*, headed: bool = False) -> dict:
    """Keyword arguments for playwright's chromium.launch()."""
    return {
        "executable_path": str(CHROMIUM),
        "headless": not headed,
        "args": [arg for arg in CHROMIUM_ARGS if not (headed and arg == "--headless")],
    }


def in_ci() -> bool:
    """CI=true (as .ci/run sets it): a missing Chromium is a failure there, not a skip."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
