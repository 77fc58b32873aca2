"""The audit tests' anchor file: one per test (port/testing/audit.py has the tampering helpers)."""

import pytest


@pytest.fixture(autouse=True)
def anchor_path(settings, tmp_path):
    """Anchors go to a fresh file in a directory that does not exist yet (anchor_write creates it)."""
    settings.AUDIT_ANCHOR_PATH = str(tmp_path / "anchors" / "audit-anchors.log")
    return tmp_path / "anchors" / "audit-anchors.log"
