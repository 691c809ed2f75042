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
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """A browser test runs in a transactional test, which empties every table
    afterwards: each one loads the reference data (idempotent) for itself."""
    from django.core.management import call_command

    call_command("load_reference", verbosity=0)
