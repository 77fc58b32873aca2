"""`make run PORT=…` points the links in emails at the address it serves (PORT_BASE_URL)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
STUB = """#!/bin/sh
echo "$(basename "$0") PORT_BASE_URL=$PORT_BASE_URL" >> "{log}"
"""

MAKE = shutil.which("make") or "make"
pytestmark = pytest.mark.skipif(MAKE is None, reason="needs make")


def run_make(tmp_path: Path, *args: str, env: dict | None = None) -> list[str]:
    """`make run` with every program it starts replaced by a stub that records PORT_BASE_URL."""
    venv, log = tmp_path / "venv", tmp_path / "log"
    (venv / "bin").mkdir(parents=True)
    for name in ("python", "pip", "gunicorn"):
        stub = venv / "bin" / name
        stub.write_text(STUB.format(log=log))
        stub.chmod(0o755)
    (venv / ".installed").touch()
    os.utime(venv / ".installed", (2**31, 2**31))  # newer than pyproject.toml: nothing to install
    environment = {key: value for key, value in os.environ.items() if key != "PORT_BASE_URL"} | (env or {})
    command = [MAKE, "-s", "-C", str(ROOT), "run", f"VENV={venv}", *args]
    subprocess.run(command, env=environment, check=True, capture_output=True, timeout=60)  # noqa: S603
    return log.read_text().splitlines()


def test_make_run_on_another_port_sets_the_base_url_from_its_host_and_port(tmp_path):
    lines = run_make(tmp_path, "PORT=8123", "HOST=localhost")
    assert lines and all(line.endswith("PORT_BASE_URL=http://localhost:8123") for line in lines)
    assert any(line.startswith("gunicorn") for line in lines)


def test_a_base_url_already_set_is_kept(tmp_path):
    lines = run_make(tmp_path, "PORT=8123", env={"PORT_BASE_URL": "https://port.example.org"})
    assert lines and all(line.endswith("PORT_BASE_URL=https://port.example.org") for line in lines)
