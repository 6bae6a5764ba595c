"""Two commits of the same record at once are serialised by row locks (PostgreSQL only).

SQLite has no row locks (it locks the whole database), so this runs where CI runs it, on
PostgreSQL. Without `select_for_update`, both threads would read seq 0 and both apply their
commit with the same sequence number; with it, exactly one is applied and the other is stale.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection, connections

from courseware import api
from courseware.models import CmiCommit, CmiRecord
from tests.courseware import packages

from .conftest import scos

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite has no row locks; runs on PostgreSQL"
)
def test_concurrent_commits_with_the_same_seq_apply_once(school, imported, open_attempt):
    _i, _t, learner, _o = school
    result = imported(packages.scorm12_single())
    attempt = open_attempt(result)
    activity = scos(result.version)[0]
    api.runtime_load(attempt=attempt, activity=activity, learner=learner)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def commit(location: str) -> None:
        try:
            barrier.wait()
            results.append(
                api.runtime_commit(
                    attempt=attempt,
                    activity=activity,
                    learner=learner,
                    seq=1,
                    commit_id=uuid.uuid4().hex,
                    cmi={
                        "cmi": {"core": {"lesson_location": location, "session_time": "00:01:00"}}
                    },
                    terminate=False,
                )
            )
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=commit, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(r.stale for r in results) == [False, True]
    record = CmiRecord.objects.get()
    assert record.seq == 1
    assert CmiCommit.objects.filter(record=record).count() == 1
    assert record.total_seconds == 60


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite has no row locks; runs on PostgreSQL"
)
def test_concurrent_opens_give_one_active_attempt(school, imported):
    institution, _t, learner, _o = school
    result = imported(packages.scorm12_single())
    barrier = threading.Barrier(2)
    opened, errors = [], []

    def open_one() -> None:
        try:
            barrier.wait()
            opened.append(
                api.attempt_open(
                    learner=learner,
                    package=result.package,
                    version=result.version,
                    institution=institution,
                    placement="lesson:1:block",
                )
            )
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=open_one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({attempt.pk for attempt in opened}) == 1
