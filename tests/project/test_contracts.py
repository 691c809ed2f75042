"""The architecture contracts (import-linter, in ``make lint`` and CI) hold,
and they fire: an import from the spine into a programme breaks them."""

import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LINT = Path(sys.executable).parent / "lint-imports"


def lint():
    return subprocess.run(
        [str(LINT), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_contracts_hold_and_fire_on_a_spine_to_programme_import():
    kept = lint()
    assert kept.returncode == 0, kept.stdout[-2000:]
    probe = ROOT / "workflows" / "core" / "contract_probe.py"
    probe.write_text(
        '"""A deliberate violation (test only)."""\n\n'
        "from workflows.dibao import models  # noqa: F401\n",
        encoding="utf-8",
    )
    try:
        broken = lint()
    finally:
        probe.unlink()
    assert broken.returncode != 0
    assert "workflows.core is not allowed to import workflows.dibao" in broken.stdout
