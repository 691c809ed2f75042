"""Adding a programme is a folder plus declarations (docs/architecture.md):
the test programme in ``tests/testprogramme`` — its own case model, flow,
migration and pages — is handled by the home page, case numbering, the
audit timeline and search, per-case grants and the workload, with no change
to shared code. Its tests run in a child pytest with the app installed."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_a_programme_plugs_into_the_spine_by_declarations_alone():
    env = {**os.environ, "DATABASE_URL": "sqlite:///:memory:"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--ds=tests.testprogramme.settings",
            "tests/testprogramme/test_plugged.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "2 passed" in result.stdout
