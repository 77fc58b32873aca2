"""House rules for the tests: no test module imports another test module (a helper two test modules need
lives in port/testing), and only tests and conftests import port.testing (the app never does)."""

import ast
from pathlib import Path

import port

PACKAGE = Path(port.__file__).parent


def is_test_module(module: str) -> bool:
    """port.x.tests.test_y, port.x.tests.conftest, port.conftest: modules pytest loads, never libraries."""
    parts = module.split(".")
    return "tests" in parts or parts[-1] == "conftest" or parts[-1].startswith("test_")


def module_name(path: Path, root: Path = PACKAGE.parent) -> str:
    relative = path.relative_to(root).with_suffix("")
    parts = list(relative.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, root: Path = PACKAGE.parent) -> list[tuple[int, str]]:
    """(line, module) for every import in the file, relative ones resolved, inner ones included."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            found.append((node.lineno, module))
            # `from port.x.tests import test_y` names a module too
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names if module.startswith("port")]
    return found


SOURCES = sorted(path for path in PACKAGE.rglob("*.py") if "migrations" not in path.parts)


def test_the_walk_sees_the_whole_package():
    names = {module_name(path) for path in SOURCES}
    assert {"port.conftest", "port.testing.cast", "port.core.tests.test_permission_matrix"} <= names


def cross_test_imports(sources: list[Path], root: Path = PACKAGE.parent) -> list[str]:
    known = {module_name(path, root) for path in sources}
    return [
        f"{path.relative_to(root)}:{line} imports {module}"
        for path in sources
        for line, module in imports(path, root)
        if module in known and is_test_module(module) and module != module_name(path, root)
    ]


def test_no_test_module_imports_another_test_module():
    wrong = cross_test_imports(SOURCES)
    assert not wrong, "Move the shared helper to port/testing and import it from there:\n" + "\n".join(wrong)


def test_only_tests_import_the_test_builders():
    wrong = [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}"
        for path in SOURCES
        if not is_test_module(module_name(path)) and not module_name(path).startswith("port.testing")
        for line, module in imports(path)
        if module == "port.testing" or module.startswith("port.testing.")
    ]
    assert not wrong, "port.testing is for tests only:\n" + "\n".join(wrong)


def test_the_rule_catches_a_test_importing_a_test_or_a_conftest(tmp_path):
    tests = tmp_path / "port" / "referrals" / "tests"
    tests.mkdir(parents=True)
    for name in ("__init__.py", "conftest.py", "test_queue.py"):
        (tests / name).write_text("")
    (tmp_path / "port" / "conftest.py").write_text("")
    (tests / "test_assign.py").write_text(
        "from port.referrals.tests.test_queue import rows\nfrom .conftest import x\nfrom port.conftest import y\n"
        "from port.testing.cast import Cast\n"
    )
    wrong = cross_test_imports(sorted(tmp_path.rglob("*.py")), tmp_path)
    assert wrong == [
        "port/referrals/tests/test_assign.py:1 imports port.referrals.tests.test_queue",
        "port/referrals/tests/test_assign.py:2 imports port.referrals.tests.conftest",
        "port/referrals/tests/test_assign.py:3 imports port.conftest",
    ]
