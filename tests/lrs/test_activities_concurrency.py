"""Two batches adding languages to one activity definition at once: both are kept.

PostgreSQL only (row locks). Both batches are held after reading the definition until
the other has read it too (or a short timeout passes); the second test removes the lock
and shows that one language would then be lost.
"""

from __future__ import annotations

import contextlib
import threading

import pytest
from django.db import connection, connections
from django.db.models import QuerySet

from lrs import services
from lrs.models import Activity

from .conftest import make_statement

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite locks the file)"
)

IRI = "http://taynghe.example/activities/an-toan-dien"


def _statement(language: str, name: str) -> dict:
    return make_statement(
        object={"objectType": "Activity", "id": IRI, "definition": {"name": {language: name}}}
    )


def _race(institution, monkeypatch) -> dict:
    authority = services.platform_authority()
    services.statements_store(
        institution=institution, statements=[_statement("vi", "An toàn điện")], authority=authority
    )
    barrier = threading.Barrier(2, timeout=2)
    merge = services.merge_definition

    def held_merge(current, incoming, *, owner):
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return merge(current, incoming, owner=owner)

    monkeypatch.setattr(services, "merge_definition", held_merge)

    def writer(language: str, name: str) -> None:
        try:
            services.statements_store(
                institution=institution,
                statements=[_statement(language, name)],
                authority=authority,
            )
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=writer, args=("en", "Electrical safety")),
        threading.Thread(target=writer, args=("fr", "Sécurité électrique")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    return Activity.objects.get().definition["name"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_batches_keep_every_language(institution, monkeypatch):
    assert set(_race(institution, monkeypatch)) == {"vi", "en", "fr"}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_the_row_lock_a_language_would_be_lost(institution, monkeypatch):
    monkeypatch.setattr(QuerySet, "select_for_update", lambda self, **kwargs: self)
    assert len(_race(institution, monkeypatch)) == 2
