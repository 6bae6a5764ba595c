"""Every transactional test rolls back by serialization, or the browser tests after it break.

A transactional test without `serialized_rollback` ends with a flush that re-creates content
types and permissions; a later test that restores the serialized database (the browser tests
do) then fails on duplicate rows. This test keeps new transactional tests from doing that.
"""

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_every_transactional_mark_also_serializes():
    offenders = []
    for path in TESTS.rglob("test_*.py"):
        text = path.read_text("utf-8")
        for match in re.finditer(r"django_db\(([^)]*)\)", text):
            arguments = match.group(1)
            if "transaction=True" in arguments and "serialized_rollback=True" not in arguments:
                offenders.append(f"{path.relative_to(TESTS)}: {match.group(0)}")
        uses_fixture = re.search(r"\(\s*[^)]*\b(transactional_db|live_server)\b", text)
        if uses_fixture and "serialized_rollback=True" not in text and path.parent.name != "e2e":
            offenders.append(f"{path.relative_to(TESTS)}: uses {uses_fixture.group(1)}")
    assert offenders == []
