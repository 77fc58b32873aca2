"""The house rule: a room imports only rooms on its own floor or below (docs/architecture.md, "Floors").

The floors are written once, as import-linter contracts in pyproject.toml; this test runs them, so a
change that makes a room reach up fails the suite and names the import that does it.
"""

from pathlib import Path

from importlinter import cli

ROOT = Path(__file__).resolve().parents[3]


def test_no_room_imports_a_room_on_a_higher_floor(capsys):
    code = cli.lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)
    report = capsys.readouterr().out
    assert code == 0, report
    assert "Rooms stand on floors KEPT" in report
    assert "The ledger knows no encounter" in report and "BROKEN" not in report
