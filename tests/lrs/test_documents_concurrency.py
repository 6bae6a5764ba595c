"""Two writers with the same If-Match: exactly one wins (PostgreSQL: needs real row locks).

Both writers are held at the precondition check until the other arrives (or a short
timeout passes), so without the row lock both would read the old ETag and both would
write; the second test removes the lock and shows that the first would then fail.
"""

from __future__ import annotations

import contextlib
import threading

import pytest
from django.db import connection, connections

from lrs import services
from lrs.models import Document

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite locks the file)"
)

ADDRESS = services.DocumentAddress(
    kind=Document.Kind.STATE,
    activity_id="http://taynghe.example/activities/an-toan-dien",
    agent_key="Agent|mbox|mailto:lan@example.com",
)


def _race(institution, monkeypatch) -> list[str]:
    original = services.document_save(
        institution=institution,
        address=ADDRESS,
        document_id="bookmark",
        content=b'{"page": 1}',
        content_type="application/json",
    )
    barrier = threading.Barrier(2, timeout=2)
    check = services._check_preconditions

    def held_check(existing, **kwargs):
        # Each writer has read the row; wait until the other has too (if it can).
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return check(existing, **kwargs)

    monkeypatch.setattr(services, "_check_preconditions", held_check)
    outcomes: list[str] = []

    def writer(page: int) -> None:
        try:
            services.document_save(
                institution=institution,
                address=ADDRESS,
                document_id="bookmark",
                content=f'{{"page": {page}}}'.encode(),
                content_type="application/json",
                if_match=f'"{original.etag}"',
            )
            outcomes.append("won")
        except services.DocumentPreconditionFailed:
            outcomes.append("412")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(page,)) for page in (2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_writers_with_the_same_etag_exactly_one_wins(institution, monkeypatch):
    assert _race(institution, monkeypatch) == ["412", "won"]
    stored = Document.objects.get()
    assert bytes(stored.content) in (b'{"page": 2}', b'{"page": 3}')


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_the_row_lock_both_writers_would_win(institution, monkeypatch):
    def unlocked(institution, address, document_id):
        return Document.objects.filter(
            institution=institution, scope=address.scope, document_id=document_id
        ).first()

    monkeypatch.setattr(services, "_locked", unlocked)
    assert _race(institution, monkeypatch) == ["won", "won"]
