"""The house rule: a room imports only rooms on its own floor or below (docs/architecture.md, "Floors").

The floors are written once, as import-linter contracts in pyproject.toml; this test runs them (in a
process of their own: import-linter sets up logging as a command does), so a change that makes a room
reach up fails the suite and names the import that does it.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def test_no_room_imports_a_room_on_a_higher_floor():
    result = subprocess.run(  # noqa: S603 (our own virtualenv's command, fixed arguments)
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "Rooms stand on floors KEPT" in report
    assert "The ledger knows no encounter: outreach points at supplies, never back KEPT" in report
