"""What the browser says about a page: CSP violations, script errors, failed requests
(`watch`, then `assert_no_csp_violation`, `assert_no_browser_errors`); and what axe-core finds
(`assert_accessible`).

Our pages must work under the app's real Content Security Policy, so the CSP and error checks
run on a page in a normal context. axe-core can only be injected into a page whose context
bypasses the CSP (the conftest's `axe_page`); the two are separate pages on purpose.
"""

from dataclasses import dataclass, field

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import ConsoleMessage, Page, Request, Response

# The impacts axe-core grades "serious" and "critical": a page of ours has none.
BLOCKING_IMPACTS = {"serious", "critical"}

# Records the `securitypolicyviolation` events of every document the page loads (the console
# names most, not all, of them). Added through the DevTools protocol, so the CSP allows it.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} refused ${event.blockedURI || "inline"} ` +
    `(${event.sourceFile || document.URL}:${event.lineNumber})`
  );
});
"""


@dataclass
class BrowserLog:
    """What went wrong in a page, across every document it loaded."""

    csp: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.csp.append(message.text)
        elif message.type == "error" and not message.text.startswith("Failed to load resource"):
            # A failed load is logged by on_response, with its URL, unless it is the document
            # (a 404 page on purpose) or the favicon the browser asks for on its own.
            self.errors.append(f"console error: {message.text} ({message.location})")

    def on_page_error(self, error: Exception) -> None:
        self.errors.append(f"uncaught: {error}")

    def on_request_failed(self, request: Request) -> None:
        self.failed_requests.append(f"{request.method} {request.url}: {request.failure}")

    def on_response(self, response: Response) -> None:
        # The document itself may answer 4xx on purpose (a 404 page); what it loads may not.
        if response.status >= 400 and response.request.resource_type != "document":
            self.failed_requests.append(
                f"{response.request.method} {response.url}: {response.status}"
            )


def watch(page: Page) -> Page:
    """Log, from now on, what the browser says about `page` (read by the asserts below)."""
    log = BrowserLog()
    page.add_init_script(CSP_LISTENER)
    page.on("console", log.on_console)
    page.on("pageerror", log.on_page_error)
    page.on("requestfailed", log.on_request_failed)
    page.on("response", log.on_response)
    page.browser_log = log
    return page


def _log(page: Page) -> BrowserLog:
    log = getattr(page, "browser_log", None)
    assert log is not None, "this page is not watched: use the `page` fixture or watch(page)"
    return log


def assert_no_csp_violation(page: Page) -> None:
    """The CSP refused nothing on any document `page` loaded (the current one is also asked
    directly, in case the console said nothing)."""
    log = _log(page)
    current = page.evaluate("window.__cspViolations || []")
    found = [*log.csp, *(v for v in current if v not in log.csp)]
    assert not found, (
        "The CSP refused something on " + page.url + ":\n" + "\n".join(f"  - {v}" for v in found)
    )


def assert_no_browser_errors(page: Page) -> None:
    """No script error, no console error, no request for an asset that failed."""
    log = _log(page)
    problems = [*log.errors, *log.failed_requests]
    assert not problems, (
        "The browser complained on " + page.url + ":\n" + "\n".join(f"  - {p}" for p in problems)
    )


def axe_violations(page: Page) -> list[dict]:
    """axe-core's violations on the page as it stands (axe-playwright-python's bundled
    axe.min.js; the page's context must bypass the CSP)."""
    return Axe().run(page).response["violations"]


def format_violations(violations: list[dict]) -> str:
    """One paragraph per violation: rule, impact, what it means, and the elements at fault."""
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} "
            f"[{violation['helpUrl']}]"
        )
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"    at {target}: {node['html'][:160]}")
            if summary := node.get("failureSummary"):
                lines.extend(f"      {line}" for line in summary.splitlines())
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """axe-core finds no serious or critical violation on the page as it stands."""
    blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, (
        f"axe-core finds {len(blocking)} serious or critical violation(s) on {page.url}:\n"
        + format_violations(blocking)
    )
