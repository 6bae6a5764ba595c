"""The statement store stays independent of its size: fixed query counts, and on
PostgreSQL plans that walk indexes (statement ids by the primary key, an agent's page by
its indexes in `stored` order), and writers of known activities that take no row lock."""

from __future__ import annotations

import json
import threading
import uuid

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from lrs import selectors, services, validation
from lrs.models import Activity, Statement

from .conftest import make_statement

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="plans and row locks are PostgreSQL's"
)

LAN = {"objectType": "Agent", "name": "Lan", "mbox": "mailto:lan@example.com"}
MAI = {"objectType": "Agent", "name": "Mai", "mbox": "mailto:mai@example.com"}


def _statements(count: int, **overrides) -> list[dict]:
    return [make_statement(id=str(uuid.uuid4()), **overrides) for _ in range(count)]


def _store_many(xapi) -> None:
    """1,000 statements of 100 other learners and 10 of Lan, then fresh statistics: the
    planner then chooses as it does on a large store (Lan is a small part of it)."""
    others = [
        make_statement(id=str(uuid.uuid4()), actor={"mbox": f"mailto:l{n % 100}@example.com"})
        for n in range(1000)
    ]
    for start in range(0, len(others), 250):
        xapi.post(others[start : start + 250])
    xapi.post(_statements(10, actor=LAN))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE lrs_statement")


def _plan(sql: str) -> tuple[list[str], dict]:
    """The node types and index names of a query's plan, with sequential scans disabled
    (a small test table would otherwise be read whole): what an index can serve."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    nodes, stack = [], [plan[0]["Plan"]]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node.get("Plans", []))
    indexes = {n.get("Index Name") for n in nodes} - {None}
    for node in nodes:  # an INSERT ... ON CONFLICT checks its conflicts on these
        indexes.update(node.get("Conflict Arbiter Indexes", []))
    return [n["Node Type"] for n in nodes], indexes


# Query counts (every database) ---------------------------------------------------------


def test_a_batch_costs_the_queries_of_one_statement(xapi):
    # 100 on PostgreSQL; 50 on SQLite, whose 999 parameters a query would split an
    # INSERT of 100 rows into two.
    size = 100 if connection.vendor == "postgresql" else 50
    # Warm: the activity exists, as it does for content that has run once.
    xapi.post(make_statement())
    with CaptureQueriesContext(connection) as one:
        assert xapi.post(make_statement(id=str(uuid.uuid4()))).status_code == 200
    with CaptureQueriesContext(connection) as batch:
        assert xapi.post(_statements(size)).status_code == 200
    assert len(batch.captured_queries) == len(one.captured_queries)
    assert Statement.objects.count() == size + 2


def test_an_agent_page_is_one_query_whatever_the_store_holds(xapi):
    xapi.post(_statements(30, actor=LAN) + _statements(30, actor=MAI))
    # A statement about Lan as the object, and one referring to a statement of hers.
    [about] = xapi.post(make_statement(actor=MAI, object={**LAN})).json()
    target = Statement.objects.filter(actor_key=validation.agent_key(LAN)).first()
    xapi.post(
        make_statement(actor=MAI, object={"objectType": "StatementRef", "id": str(target.id)})
    )
    institution = xapi.lrs_client.institution
    query = selectors.StatementFilter(agent_key=validation.agent_key(LAN), limit=10)
    with CaptureQueriesContext(connection) as captured:
        page = selectors.statements_page(institution=institution, query=query)
    assert len(captured.captured_queries) == 1
    assert len(page.statements) == 10
    # All three branches answer, newest first, and the cursor pages through the rest once.
    seen = [s["id"] for s in page.statements]
    while page.next_position is not None:
        page = selectors.statements_page(
            institution=institution, query=query, position=page.next_position
        )
        seen += [s["id"] for s in page.statements]
    assert len(seen) == len(set(seen)) == 32
    assert about in seen
    stored = [Statement.objects.get(pk=i).stored for i in seen]
    assert stored == sorted(stored, reverse=True)


# Plans (PostgreSQL) --------------------------------------------------------------------


@postgresql_only
def test_the_id_check_of_a_write_reads_the_primary_key_and_the_voids_index(xapi):
    # The insert is the id check (ON CONFLICT on the primary key) and looks, per row, for a
    # voiding statement stored before its target.
    _store_many(xapi)
    batch = [make_statement(id=str(uuid.uuid4())) for _ in range(100)]
    with CaptureQueriesContext(connection) as captured:
        assert xapi.post(batch).status_code == 200
    [insert] = [
        q["sql"] for q in captured.captured_queries if "INSERT INTO lrs_statement " in q["sql"]
    ]
    nodes, indexes = _plan(insert)
    assert "Seq Scan" not in nodes
    assert "lrs_statement_pkey" in indexes
    assert "lrs_st_voids" in indexes


@postgresql_only
def test_an_agent_page_walks_indexes_in_stored_order(xapi):
    _store_many(xapi)
    query = selectors.StatementFilter(agent_key=validation.agent_key(LAN), limit=5)
    with CaptureQueriesContext(connection) as captured:
        selectors.statements_page(institution=xapi.lrs_client.institution, query=query)
    nodes, indexes = _plan(captured.captured_queries[0]["sql"])
    assert "Seq Scan" not in nodes
    assert {"lrs_st_actor", "lrs_st_object_agent", "lrs_st_ref"} <= indexes
    # Each branch stops at the page's size instead of reading all of the agent's rows.
    assert nodes.count("Limit") >= 3


@postgresql_only
def test_known_activities_are_written_without_a_row_lock(xapi):
    xapi.post(make_statement())
    with CaptureQueriesContext(connection) as same:
        xapi.post(make_statement())
    assert not any("FOR UPDATE" in q["sql"] for q in same.captured_queries)
    changed = make_statement()
    changed["object"]["definition"]["name"]["fr"] = "Sécurité électrique"
    with CaptureQueriesContext(connection) as changing:
        xapi.post(changed)
    assert any("FOR UPDATE" in q["sql"] for q in changing.captured_queries)
    assert "fr" in Activity.objects.get().definition["name"]


def _at_once(work, arguments: list) -> list:
    """`work(argument)` in one thread per argument, released together; what each returned,
    or the repr of what it raised (the test sees any failure)."""
    barrier = threading.Barrier(len(arguments), timeout=10)
    outcomes = []

    def run(argument) -> None:
        try:
            barrier.wait()
            outcomes.append(work(argument))
        except Exception as exc:  # reported to the test as an outcome
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(argument,)) for argument in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_writers_creating_the_same_new_activity_at_once_all_succeed(institution):
    # Before: the second creator's INSERT hit the unique key and its batch failed (500).
    authority = services.platform_authority()
    iri = "http://taynghe.example/activities/moi"
    languages = ["vi", "en", "fr", "de", "ja", "ko"]

    def writer(language: str) -> str:
        statement = make_statement(
            object={"objectType": "Activity", "id": iri, "definition": {"name": {language: "x"}}}
        )
        services.statements_store(
            institution=institution, statements=[statement], authority=authority
        )
        return "stored"

    assert _at_once(writer, languages) == ["stored"] * len(languages)
    assert Statement.objects.count() == len(languages)
    assert set(Activity.objects.get(iri=iri).definition["name"]) == set(languages)


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_writers_of_one_statement_id_at_once_store_it_once(institution):
    # The insert waits for a concurrent insert of the same id, then finds it stored: equal
    # content is a no-op, other content a conflict — never a 500, never two rows.
    authority = services.platform_authority()
    statement_id = str(uuid.uuid4())
    same = make_statement(id=statement_id)
    different = make_statement(id=statement_id, result={"success": True})
    bodies = [same, same, same, same, different, different]

    def writer(statement: dict) -> tuple:
        try:
            services.statements_store(
                institution=institution, statements=[dict(statement)], authority=authority
            )
        except services.StatementConflict:
            return ("conflict", "result" in statement)
        return ("stored", "result" in statement)

    outcomes = _at_once(writer, bodies)
    assert all(isinstance(outcome, tuple) for outcome in outcomes), outcomes  # no failure
    assert Statement.objects.filter(pk=statement_id).count() == 1
    winner_has_result = "result" in Statement.objects.get(pk=statement_id).payload
    expected = sorted(
        ("stored" if ("result" in body) == winner_has_result else "conflict", "result" in body)
        for body in bodies
    )
    assert sorted(outcomes) == expected
