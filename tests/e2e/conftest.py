"""Browser tests: Debian's chromium driven by Playwright against live_server.

Run with ``make e2e`` (``.ci/run`` does); the default ``pytest`` run deselects them.
"""

import os
import shutil

import pytest

# Playwright's sync API keeps an event loop in this thread; the ORM calls the
# test makes between browser steps are ordinary synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")


# Chromium reports a blocked script or style on the console; the listener
# below also reports every violation event (init scripts are not subject to
# the page's policy).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI);
});
"""


class CheckedBrowser:
    """The browser, whose pages collect Content-Security-Policy violations
    and uncaught script errors: a test fails if any page reported one."""

    def __init__(self, browser):
        self.browser = browser
        self.problems = []

    def new_page(self, **kwargs):
        page = self.browser.new_page(**kwargs)
        page.add_init_script(REPORT_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"error: {error}"))
        return page

    def _console(self, message):
        text = message.text
        if "Content Security Policy" in text or text.startswith("CSP violation"):
            self.problems.append(text)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"chromium not found at {CHROMIUM}: run `make e2e`, which installs it"
        )
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        checked = CheckedBrowser(browser)
        yield checked
        browser.close()
    assert checked.problems == [], "\n".join(checked.problems)


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """A browser test runs in a transactional test, which empties every table
    afterwards: each one loads the reference data (idempotent) for itself."""
    from django.core.management import call_command

    call_command("load_reference", verbosity=0)
