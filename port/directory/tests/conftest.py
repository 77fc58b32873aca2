"""Fixtures the directory's tests share: the real HSDS files in ../shared/data and the HSDS schemas."""

import json
import os
from pathlib import Path

import pytest
from django.conf import settings
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012


@pytest.fixture(scope="session")
def shared_data() -> Path:
    # ../shared/data from the main checkout (/work/main); a worktree under /work/wt finds it one floor up.
    base = Path(settings.BASE_DIR).resolve()
    candidates = [Path(os.environ["PORT_SHARED_DATA"])] if os.environ.get("PORT_SHARED_DATA") else []
    candidates += [parent / "shared" / "data" for parent in base.parents]
    folder = next((c for c in candidates if c.is_dir()), candidates[0])
    if not folder.is_dir():
        pytest.fail(f"The shared test data is missing: expected it at {folder} (see the README's test data section).")
    return folder


@pytest.fixture(scope="session")
def spec(shared_data) -> Path:
    return shared_data / "hsds" / "spec-3.0"


@pytest.fixture(scope="session")
def validators(spec) -> dict[str, Draft202012Validator]:
    schemas = {p.name: json.loads(p.read_text()) for p in (spec / "schema").glob("*.json") if p.name != "openapi.json"}
    registry = Registry().with_resources(
        (name, Resource.from_contents(s, default_specification=DRAFT202012)) for name, s in schemas.items()
    )
    return {
        name: Draft202012Validator(s, registry=registry, format_checker=FormatChecker()) for name, s in schemas.items()
    }
