"""Calls go down: no part imports a part above it (docs/architecture.md)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {
    "config": 0,
    "institutions": 1,
    "lrs": 2,
    "media": 2,
    "courseware": 3,
    "assessment": 3,
    "marketplace": 4,
    "lms": 5,
    "search": 6,
}


def _imported_parts(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parts = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        parts.update(name.split(".")[0] for name in names if name.split(".")[0] in LAYERS)
    return parts


def _violations(package: str) -> list[str]:
    found = []
    for path in (ROOT / package).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for part in _imported_parts(path):
            if LAYERS[part] > LAYERS[package]:
                found.append(f"{path.relative_to(ROOT)} imports {part}")
    return found


# config wires the URLs of every part together, which is its job: it is checked
# only for its settings and environment modules.
@pytest.mark.parametrize("package", [p for p in LAYERS if p != "config"])
def test_parts_import_only_parts_below(package):
    assert _violations(package) == []


def test_settings_import_no_part():
    for name in ["env.py", "settings/base.py", "settings/production.py", "celery.py"]:
        assert _imported_parts(ROOT / "config" / name) <= {"config"}


def test_checker_sees_a_violation(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from lms.models import CoursePage\nimport search.views\n")
    assert _imported_parts(sample) == {"lms", "search"}
