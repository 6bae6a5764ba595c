"""Benchmark: the LRS statement resource at 0, 100,000 and 1,000,000 stored statements,
against the raw PostgreSQL insert rate of the same rows (the ceiling), in the same run.

`python -m bench.lrs_load` (part of `make bench`): a fresh PostgreSQL database, one
institution with LRS credentials, gunicorn with the production settings on loopback. At
each level the store is first filled to the level, gunicorn started, then:

- `warm_up` (not counted): `--warmup` seconds of single POSTs from 8 clients, then batches
  of 100 that name every one of the 2,000 lessons once (so the canonical activity rows
  exist at every level before anything is measured, as they do after level 0), then
  `--warmup` seconds of GETs; then `ANALYZE` of every lrs table, so the planner knows the
  tables the same way at every level;
- `single`: 8 concurrent clients POST one statement each request (with its id);
- `batch`: 8 concurrent clients POST batches of 100 statements;
- the probe pool: 120 statements for each of 50 probe learners outside the 20,000 of the
  fill (learner-20000 to learner-20049), written by the fill's own bulk SQL, then `ANALYZE`;
- `get`: `--readers` clients GET `?limit=100&agent=<probe>`: every page must hold 100
  statements at every level (each page's size is checked; the mean is recorded), so the
  levels compare the same work;
- `get_random`: the same GET for random learners of the fill's pool, whose pages grow with
  the store (~0.3 statements at 0, ~50 at 1,000,000): a second figure, not the goal's;
- `ceiling_single` / `ceiling_batch`: 8 processes insert the same row shapes into the same
  tables with psycopg (statement row, its related-agent and related-activity rows), one
  statement per transaction, then 100 statements per transaction.

Each phase records the machine's load average (1, 5, 15 min) at its start and end, so a
reader can tell a noisy run.

The fill is one bulk INSERT ... SELECT per table, generated inside PostgreSQL with
`generate_series` and `random()` (20,000 learners as accounts, 14 ADL verbs, 2,000 lessons
with their course and programme as context, registrations, scores, durations; the same
shapes as `make_statement`, with the agent and activity rows the LRS itself writes), with
the tables' secondary indexes dropped meanwhile and rebuilt after, then ANALYZE. After each
level the statements written since the level began (warm-up, phases, probe pool, ceiling)
are deleted again, so each level is measured at its size.

Beside the rates (machine noise) the run records what does not depend on the machine:
the SQL queries one request of each kind makes, and the plan and buffers of the agent
read (a pool learner's and a probe learner's) and of the id check at each level.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import multiprocessing
import os
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from bench.run import HOST, ROOT, start_gunicorn, stop, wait_healthy
from bench.write_load import Phase, fresh_database, log, production_env

DATABASE = "taynghe_bench_lrs"
LEVELS = (0, 100_000, 1_000_000)
GOALS = {"single_per_s": 1_000, "batch_per_s": 10_000, "get_p95_ms": 30.0, "slowdown": 0.20}
CLIENTS = 8
# Clients keep their connection between requests (`--close-connections`: one per request).
KEEP_ALIVE = True
BATCH = 100
AGENTS = 20_000
ACTIVITIES = 2_000
PAGE = 100
# Probe learners, numbered after the pool's (learner-20000 ...): each holds more than a page.
PROBES = 50
PROBE_STATEMENTS = 120
HOME = "https://taynghe.example"
VERBS = [
    "http://adlnet.gov/expapi/verbs/" + verb
    for verb in (
        "launched",
        "initialized",
        "experienced",
        "attempted",
        "answered",
        "interacted",
        "progressed",
        "completed",
        "passed",
        "failed",
        "scored",
        "suspended",
        "resumed",
        "terminated",
    )
]
STATEMENT_COLUMNS = (
    "id",
    "institution_id",
    "client_id",
    "stored",
    "verb_id",
    "activity_id",
    "registration",
    "actor_key",
    "object_agent_key",
    "voided",
    "voids",
    "ref_target",
    "payload",
)


# --- realistic statements and their rows -------------------------------------------------


def agent(n: int) -> dict:
    return {
        "objectType": "Agent",
        "name": f"Học viên {n:05d}",
        "account": {"homePage": HOME, "name": f"learner-{n:05d}"},
    }


def agent_key(n: int) -> str:
    return f"Agent|account|{HOME}|learner-{n:05d}"


def activity_iri(n: int) -> str:
    return f"{HOME}/courses/{n // 40:03d}/lessons/{n:04d}"


def make_statement(rng: random.Random, *, with_id: bool = True, lesson: int | None = None) -> dict:
    """One statement as content sends it: an account actor, a verb, a lesson in a course."""
    learner = rng.randrange(AGENTS)
    lesson = rng.randrange(ACTIVITIES) if lesson is None else lesson
    verb = rng.choice(VERBS)
    statement = {
        "actor": agent(learner),
        "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[1]}},
        "object": {
            "objectType": "Activity",
            "id": activity_iri(lesson),
            "definition": {
                "type": "http://adlnet.gov/expapi/activities/lesson",
                "name": {"vi": f"Bài {lesson}", "en-US": f"Lesson {lesson}"},
            },
        },
        "context": {
            "registration": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "platform": "Taynghe",
            "language": "vi",
            "contextActivities": {
                "parent": [{"id": f"{HOME}/courses/{lesson // 40:03d}"}],
                "grouping": [{"id": f"{HOME}/programmes/{lesson // 400:02d}"}],
            },
        },
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    if verb.endswith(("passed", "failed", "scored", "completed", "answered")):
        raw = rng.randint(0, 100)
        statement["result"] = {
            "score": {"scaled": raw / 100, "raw": raw, "min": 0, "max": 100},
            "success": raw >= 50,
            "completion": True,
            "duration": f"PT{rng.randint(1, 3600)}S",
        }
    if with_id:
        statement["id"] = str(uuid.uuid4())
    return statement


def rows_of(statement: dict, *, institution_id: int, client_id: int, stored: datetime, authority):
    """The statement row (STATEMENT_COLUMNS), its agent keys and activity IRIs, as the LRS
    writes them (`lrs.services._row`, `_agents_of`, `_activities_of`)."""
    from lrs import services, validation

    statement = {
        **statement,
        "stored": stored.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "authority": authority,
        "version": "1.0.0",
    }
    keys: set[str] = set()
    services._agents_of(statement, keys)
    iris: set[str] = set()
    services._activities_of(statement, iris)
    row = (
        statement["id"],
        institution_id,
        client_id,
        stored,
        statement["verb"]["id"],
        statement["object"]["id"],
        statement["context"]["registration"],
        validation.agent_key(statement["actor"]),
        "",
        False,
        None,
        None,
        json.dumps(statement, ensure_ascii=False),
    )
    return row, sorted(keys), sorted(iris)


# --- the fill ----------------------------------------------------------------------------


def statement_count(conn) -> int:
    return conn.execute("SELECT count(*) FROM lrs_statement").fetchone()[0]


FILL_SQL = """
CREATE TEMP TABLE fill ON COMMIT DROP AS
SELECT id, stored, learner, lesson, verb, registration, raw,
       'learner-' || lpad(learner::text, 5, '0') AS account,
       %(home)s || '/courses/' || lpad((lesson / 40)::text, 3, '0') AS course,
       %(home)s || '/programmes/' || lpad((lesson / 400)::text, 2, '0') AS programme,
       %(home)s || '/courses/' || lpad((lesson / 40)::text, 3, '0') || '/lessons/'
         || lpad(lesson::text, 4, '0') AS activity,
       to_char(stored AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS stamp
FROM (
  SELECT gen_random_uuid() AS id,
         %(start)s::timestamptz + %(step)s::interval * n AS stored,
         {learner} AS learner,
         floor(random() * %(activities)s)::int AS lesson,
         (%(verbs)s::text[])[1 + floor(random() * %(nverbs)s)::int] AS verb,
         gen_random_uuid() AS registration,
         floor(random() * 101)::int AS raw
  FROM generate_series(0, %(need)s - 1) AS n
) AS drawn;

INSERT INTO lrs_statement (id, institution_id, client_id, stored, verb_id, activity_id,
  registration, actor_key, object_agent_key, voided, voids, ref_target, payload)
SELECT id, %(institution)s, %(client)s, stored, verb, activity, registration,
  'Agent|account|' || %(home)s || '|' || account, '', false, NULL, NULL,
  jsonb_strip_nulls(jsonb_build_object(
    'id', id,
    'actor', jsonb_build_object('objectType', 'Agent', 'name', 'Học viên ' || lpad(learner::text, 5, '0'),
      'account', jsonb_build_object('homePage', %(home)s, 'name', account)),
    'verb', jsonb_build_object('id', verb, 'display', jsonb_build_object('en-US', split_part(verb, '/', 6))),
    'object', jsonb_build_object('objectType', 'Activity', 'id', activity,
      'definition', jsonb_build_object('type', 'http://adlnet.gov/expapi/activities/lesson',
        'name', jsonb_build_object('vi', 'Bài ' || lesson, 'en-US', 'Lesson ' || lesson))),
    'context', jsonb_build_object('registration', registration, 'platform', 'Taynghe',
      'language', 'vi', 'contextActivities', jsonb_build_object(
        'parent', jsonb_build_array(jsonb_build_object('id', course)),
        'grouping', jsonb_build_array(jsonb_build_object('id', programme)))),
    'result', CASE WHEN split_part(verb, '/', 6) IN ('passed', 'failed', 'scored', 'completed', 'answered')
      THEN jsonb_build_object('score', jsonb_build_object('scaled', raw / 100.0, 'raw', raw, 'min', 0, 'max', 100),
        'success', raw >= 50, 'completion', true, 'duration', 'PT' || (1 + raw * 36) || 'S') END,
    'timestamp', stamp, 'stored', stamp, 'authority', %(authority)s::jsonb, 'version', '1.0.0'))
FROM fill;

INSERT INTO lrs_statementagent (statement_id, key)
SELECT id, 'Agent|account|' || %(home)s || '|' || account FROM fill
UNION ALL SELECT id, %(authority_key)s FROM fill;

INSERT INTO lrs_statementactivity (statement_id, iri)
SELECT id, activity FROM fill
UNION ALL SELECT id, course FROM fill
UNION ALL SELECT id, programme FROM fill;
"""


def generate(conn, need: int, *, learner: str, start, step, ids: tuple, **params) -> None:
    """Run FILL_SQL for `need` statements stored from `start` every `step`, the learner of
    statement `n` drawn by the SQL expression `learner`, in the caller's transaction."""
    from lrs import validation

    institution_id, client_id, authority = ids
    params = {
        **params,
        "home": HOME,
        "start": start,
        "step": step,
        "activities": ACTIVITIES,
        "verbs": VERBS,
        "nverbs": len(VERBS),
        "need": need,
        "institution": institution_id,
        "client": client_id,
        "authority": json.dumps(authority),
        "authority_key": validation.agent_key(authority),
    }
    for sql in FILL_SQL.replace("{learner}", learner).split(";\n\n"):
        conn.execute(sql, {k: v for k, v in params.items() if f"%({k})s" in sql})


def fill(conn, target: int, *, institution_id: int, client_id: int, authority: dict) -> dict:
    """Generate statements (with their agent and activity rows) in PostgreSQL until the
    store holds `target`, with the tables' secondary indexes dropped meanwhile and rebuilt
    after: the rows are those `make_statement` and the LRS write (checked by the bench's
    GETs, which parse them), drawn by `generate_series` and `random()` server-side."""
    have = statement_count(conn)
    need = target - have
    if need <= 0:
        return {"copied": 0, "seconds": 0.0}
    started = time.perf_counter()
    tables = ("lrs_statement", "lrs_statementagent", "lrs_statementactivity")
    indexes = conn.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i "
        "WHERE i.tablename = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
        "WHERE c.conname = i.indexname)",
        [list(tables)],
    ).fetchall()
    with conn.transaction():
        for name, _definition in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        # History: the filled statements were stored over the past year, before the load's.
        generate(
            conn,
            need,
            learner="floor(random() * %(agents)s)::int",
            start=datetime.now(UTC) - timedelta(days=365),
            step=timedelta(days=364) / need,
            ids=(institution_id, client_id, authority),
            agents=AGENTS,
        )
    copied = time.perf_counter()
    for _name, definition in indexes:
        conn.execute(definition)
    for table in tables:
        conn.execute(f"VACUUM ANALYZE {table}")
    done = time.perf_counter()
    return {
        "copied": need,
        "copy_seconds": copied - started,
        "index_seconds": done - copied,
        "rows_per_s": need / max(copied - started, 1e-9),
    }


def probe_pool(conn, since: datetime, *, ids: tuple) -> dict:
    """PROBE_STATEMENTS statements for each of the PROBES probe learners, by the fill's SQL,
    stored between `since` (so the level's deletion removes them) and now (a GET's page
    stops at the time of its request); then ANALYZE, and a count per probe to check."""
    need = PROBES * PROBE_STATEMENTS
    started = time.perf_counter()
    now = datetime.now(UTC)
    start = since + (now - since) / 2
    with conn.transaction():
        generate(
            conn,
            need,
            learner="(%(first)s + n / %(each)s)::int",
            start=start,
            step=(now - start) / (need + 1),
            ids=ids,
            first=AGENTS,
            each=PROBE_STATEMENTS,
        )
    written = time.perf_counter()
    analysed = analyse(conn)
    counts = [
        row[0]
        for row in conn.execute(
            "SELECT count(*) FROM lrs_statementagent WHERE key = ANY(%s) GROUP BY key",
            [[agent_key(AGENTS + n) for n in range(PROBES)]],
        )
    ]
    if len(counts) != PROBES or set(counts) != {PROBE_STATEMENTS}:
        raise RuntimeError(f"the probe pool holds {sorted(counts)} statements per probe")
    return {
        "probes": PROBES,
        "statements_each": PROBE_STATEMENTS,
        "write_seconds": written - started,
        "analyze_seconds": analysed,
    }


def analyse(conn) -> float:
    """ANALYZE every lrs table (the planner then knows them the same way at every level)."""
    started = time.perf_counter()
    tables = conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
        "AND tablename LIKE 'lrs\\_%' ORDER BY tablename"
    ).fetchall()
    for (table,) in tables:
        conn.execute(f'ANALYZE "{table}"')
    return time.perf_counter() - started


def forget_since(conn, since: datetime) -> int:
    """Delete what the phases of a level wrote, so the next level starts at its size."""
    ids = "SELECT id FROM lrs_statement WHERE stored >= %s"
    with conn.transaction():
        deleted = _forget(conn, ids, since)
    conn.execute("VACUUM ANALYZE lrs_statement")
    conn.execute("VACUUM ANALYZE lrs_statementagent")
    conn.execute("VACUUM ANALYZE lrs_statementactivity")
    return deleted


def _forget(conn, ids: str, since: datetime) -> int:
    for table in ("lrs_statementagent", "lrs_statementactivity"):
        conn.execute(f"DELETE FROM {table} WHERE statement_id IN ({ids})", [since])  # noqa: S608 - fixed names
    for table in ("lrs_forwardingitem",):
        exists = conn.execute("SELECT to_regclass(%s)", [table]).fetchone()[0]
        if exists:
            conn.execute(f"DELETE FROM {table}")  # noqa: S608 - a fixed name
    return conn.execute("DELETE FROM lrs_statement WHERE stored >= %s", [since]).rowcount


# --- what does not depend on the machine -------------------------------------------------


def explain(conn, sql: str, params: list) -> dict:
    plan = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params).fetchone()[0]
    top = plan[0]["Plan"]
    nodes, stack = [], [top]
    while stack:
        node = stack.pop()
        nodes.append(node["Node Type"] + (f" {node['Index Name']}" if "Index Name" in node else ""))
        stack.extend(node.get("Plans", []))
    return {
        "nodes": nodes,
        "shared_buffers": top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0),
        "ms": plan[0]["Execution Time"],
    }


def plans(database_url: str, institution_id: int, agents: dict[str, dict]) -> dict:
    """The id check of a write and the agent read of a GET (for each of `agents`, by the
    name of its plan), as the LRS issues them."""
    import psycopg
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from institutions.models import Institution
    from lrs import selectors, services, validation

    institution = Institution.objects.get(pk=institution_id)
    out = {}
    with psycopg.connect(database_url) as conn:
        for name, who in agents.items():
            query = selectors.StatementFilter(agent_key=validation.agent_key(who), limit=PAGE)
            with CaptureQueriesContext(connection) as captured:
                selectors.statements_page(institution=institution, query=query)
            out.setdefault("get_queries", [q["sql"] for q in captured.captured_queries])
            out[name] = explain(conn, captured.captured_queries[-1]["sql"], [])
        # The id check of a write is its INSERT ... ON CONFLICT on the primary key, with a
        # probe of the voids index per row: its plan (EXPLAIN without ANALYZE runs nothing).
        rng = random.Random(3)
        now = datetime.now(UTC)
        rows = [
            services.new_row(
                {**make_statement(rng), "stored": now.isoformat(), "authority": {}},
                institution=institution,
                client=None,
                stored=now,
            )
            for _ in range(BATCH)
        ]
        sql, params = services.statement_insert_sql(rows)
        with connection.cursor() as cursor:
            sql = cursor.mogrify(sql, params)
    with psycopg.connect(database_url) as probe:  # EXPLAIN ANALYZE inserts: rolled back
        out["id_check_plan"] = explain(probe, sql, [])
        probe.rollback()
    return out


def queries_per_request(key: str, secret: str) -> dict:
    """The SQL statements one request of each kind makes (in this process, same code)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST)
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    headers = {"HTTP_AUTHORIZATION": f"Basic {token}", "HTTP_X_EXPERIENCE_API_VERSION": "1.0.3"}
    rng = random.Random(7)
    counts = {}
    for name, body in (
        ("single", make_statement(rng)),
        ("batch", [make_statement(rng) for _ in range(BATCH)]),
    ):
        with CaptureQueriesContext(connection) as captured:
            response = client.post(
                "/xapi/statements", json.dumps(body), content_type="application/json", **headers
            )
        assert response.status_code == 200, response.content
        counts[name] = len(captured.captured_queries)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(
            "/xapi/statements", {"limit": 100, "agent": json.dumps(agent(1))}, **headers
        )
    assert response.status_code == 200, response.content
    counts["get"] = len(captured.captured_queries)
    return counts


# --- the HTTP load -----------------------------------------------------------------------


class Client:
    """One load client's HTTP/1.1 connection, kept open between its requests as xAPI content
    in a browser and xAPI tools keep theirs (`keep_alive=False`: a new connection per request,
    the server closing it after the answer). A kept connection the server has closed while
    idle is reopened once; the bodies carry statement ids, so a resend is harmless."""

    def __init__(self, port: int, *, keep_alive: bool = True):
        self.port = port
        self.keep_alive = keep_alive
        self.reader = self.writer = None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, method: str, path: str, headers: str, body: bytes, timeout=30.0):
        connection = "keep-alive" if self.keep_alive else "close"
        message = (
            f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\n{headers}"
            f"Content-Length: {len(body)}\r\nConnection: {connection}\r\n\r\n".encode()
            + body
        )
        for _try in range(2):
            fresh = self.writer is None
            if fresh:
                self.reader, self.writer = await asyncio.wait_for(
                    asyncio.open_connection(HOST, self.port), timeout
                )
            try:
                self.writer.write(message)
                await self.writer.drain()
                head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), timeout)
            except (asyncio.IncompleteReadError, ConnectionError):
                self.close()
                if fresh:
                    raise
                continue  # closed by the server while idle: once more, on a new connection
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1]) if lines[0].startswith("HTTP/") else 0
            fields = {
                k.strip().lower(): v.strip() for k, _s, v in (x.partition(":") for x in lines[1:])
            }
            if "content-length" in fields:
                payload = await asyncio.wait_for(
                    self.reader.readexactly(int(fields["content-length"])), timeout
                )
            else:  # no length: the body ends with the connection
                payload = await asyncio.wait_for(self.reader.read(), timeout)
                fields["connection"] = "close"
            if not self.keep_alive or fields.get("connection", "").lower() == "close":
                self.close()
            return status, payload
        raise ConnectionError("the server closed the connection twice")


async def run_phase(
    name, port, auth, *, clients, seconds, budget, make, inspect=None, keep_alive=True
) -> Phase:
    """`clients` loops sending `make()` requests until `seconds` or `budget` requests, each
    on its own connection (`Client`); `inspect(payload)` sees each answered body after its
    latency is taken."""
    phase = Phase(name)
    headers = (
        f"Authorization: Basic {auth}\r\nX-Experience-API-Version: 1.0.3\r\n"
        "Content-Type: application/json\r\n"
    )
    sent = 0
    phase.started = time.perf_counter()
    until = phase.started + seconds

    async def loop():
        nonlocal sent
        client = Client(port, keep_alive=keep_alive)
        while time.perf_counter() < until and sent < budget:
            sent += 1
            method, path, body = make()
            began = time.perf_counter()
            try:
                status, payload = await client.request(method, path, headers, body)
            except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
                client.close()
                phase.errors += 1
                phase.sample = phase.sample or repr(exc)
                continue
            phase.statuses[status] = phase.statuses.get(status, 0) + 1
            if status == 200:
                phase.latencies.append(time.perf_counter() - began)
                if inspect is not None:
                    inspect(payload)
            else:
                phase.errors += 1
                phase.sample = phase.sample or f"{status} {payload[:300]!r}"
        client.close()

    await asyncio.gather(*(loop() for _ in range(clients)))
    phase.ended = time.perf_counter()
    return phase


def timed(name, port, auth, **kwargs) -> dict:
    """One phase's summary with the machine's load average (1, 5, 15 min) at its start and
    end: a reader can tell a noisy run."""
    load_start = os.getloadavg()
    kwargs.setdefault("keep_alive", KEEP_ALIVE)
    summary = asyncio.run(run_phase(name, port, auth, **kwargs)).summary()
    return {**summary, "load_start": load_start, "load_end": os.getloadavg()}


def get_path(who: int) -> str:
    return "/xapi/statements?" + urlencode({"limit": PAGE, "agent": json.dumps(agent(who))})


def warm_up(port: int, auth: str, args, level: int) -> dict:
    """What is not counted: fresh workers' first requests, and the canonical activity rows
    (every lesson once, by batches) that would otherwise be created during level 0's
    phases only. Its statements are stored after the level began: its deletion removes them."""
    rng = random.Random(-level - 1)
    post = "/xapi/statements"
    lessons = list(range(ACTIVITIES))
    rng.shuffle(lessons)
    batches = iter(
        json.dumps([make_statement(rng, lesson=n) for n in lessons[i : i + BATCH]]).encode()
        for i in range(0, len(lessons), BATCH)
    )
    out = {
        "single": timed(
            "warm-up single",
            port,
            auth,
            clients=CLIENTS,
            seconds=args.warmup,
            budget=args.single_budget,
            make=lambda: ("POST", post, json.dumps(make_statement(rng)).encode()),
        ),
        "batch": timed(
            "warm-up batch",
            port,
            auth,
            clients=CLIENTS,
            seconds=600.0,
            budget=-(-ACTIVITIES // BATCH),
            make=lambda: ("POST", post, next(batches)),
        ),
        "get": timed(
            "warm-up get",
            port,
            auth,
            clients=args.readers,
            seconds=args.warmup,
            budget=args.get_budget,
            make=lambda: ("GET", get_path(rng.randrange(AGENTS)), b""),
        ),
    }
    return out


def lrs_phases(port: int, auth: str, args, level: int, *, conn, since, ids) -> dict:
    results = {"warm_up": warm_up(port, auth, args, level)}
    results["warm_up"]["analyze_seconds"] = analyse(conn)
    results["warm_up"]["stored_after"] = statement_count(conn)
    rng = random.Random(level + 1)
    # Bodies are made before each phase so the load script spends its time sending.
    singles = [json.dumps(make_statement(rng)).encode() for _ in range(args.single_budget)]
    batches = [
        json.dumps([make_statement(rng) for _ in range(BATCH)]).encode()
        for _ in range(args.batch_budget)
    ]
    single_iter, batch_iter = iter(singles), iter(batches)
    summary = timed(
        "single",
        port,
        auth,
        clients=CLIENTS,
        seconds=args.seconds,
        budget=len(singles),
        make=lambda: ("POST", "/xapi/statements", next(single_iter)),
    )
    results["single"] = {**summary, "statements_per_s": summary["rate_per_s"]}
    summary = timed(
        "batch",
        port,
        auth,
        clients=CLIENTS,
        seconds=args.seconds,
        budget=len(batches),
        make=lambda: ("POST", "/xapi/statements", next(batch_iter)),
    )
    results["batch"] = {**summary, "statements_per_s": summary["rate_per_s"] * BATCH}

    # The goal's GET: probe learners whose page holds PAGE statements at every level.
    results["probe_pool"] = probe_pool(conn, since, ids=ids)

    def get_phase(name: str, learners: list[int]) -> dict:
        """GETs of these learners' pages, with the size of every page answered."""
        paths = iter([get_path(who) for who in learners])
        sizes = []
        summary = timed(
            name,
            port,
            auth,
            clients=args.readers,
            seconds=args.seconds,
            budget=len(learners),
            make=lambda: ("GET", next(paths), b""),
            inspect=lambda payload: sizes.append(len(json.loads(payload)["statements"])),
        )
        return {
            **summary,
            "pages_checked": len(sizes),
            "pages_short": sum(1 for size in sizes if size != PAGE),
            "statements_per_page_mean": sum(sizes) / max(len(sizes), 1),
        }

    results["get"] = get_phase(
        "get", [AGENTS + rng.randrange(PROBES) for _ in range(args.get_budget)]
    )
    results["get"]["agents"] = "probe"
    if results["get"]["pages_short"]:
        log(f"level {level}: {results['get']['pages_short']} probe pages held fewer than {PAGE}")

    # A second figure: random learners of the pool, whose pages grow with the store.
    results["get_random"] = get_phase(
        "get_random", [rng.randrange(AGENTS) for _ in range(args.get_budget)]
    )
    results["get_random"]["agents"] = "random"
    return results


# --- the ceiling -------------------------------------------------------------------------


def _ceiling_worker(database_url, per_tx, seed, start_at, seconds, ids, queue):
    """Insert the same row shapes with psycopg, `per_tx` statements per transaction."""
    import psycopg

    rng = random.Random(seed)
    templates = []
    stored = datetime.now(UTC)
    for _ in range(500):
        templates.append(
            rows_of(
                make_statement(rng),
                institution_id=ids[0],
                client_id=ids[1],
                stored=stored,
                authority=ids[2],
            )
        )
    columns = ", ".join(STATEMENT_COLUMNS)
    values = ", ".join(["%s"] * (len(STATEMENT_COLUMNS) - 1))
    insert = f"INSERT INTO lrs_statement ({columns}) VALUES ({values}, %s::jsonb)"  # noqa: S608
    count = 0
    with psycopg.connect(database_url) as conn:
        time.sleep(max(0.0, start_at - time.time()))
        until = time.time() + seconds
        while time.time() < until:
            statements, agents, activities = [], [], []
            now = datetime.now(UTC)
            for _ in range(per_tx):
                row, keys, iris = rng.choice(templates)
                new_id = str(uuid.uuid4())
                statements.append((new_id, row[1], row[2], now, *row[4:12], row[12]))
                agents.extend((new_id, key) for key in keys)
                activities.extend((new_id, iri) for iri in iris)
            with conn.transaction(), conn.cursor() as cur:
                cur.executemany(insert, statements)
                cur.executemany(
                    "INSERT INTO lrs_statementagent (statement_id, key) VALUES (%s, %s)", agents
                )
                cur.executemany(
                    "INSERT INTO lrs_statementactivity (statement_id, iri) VALUES (%s, %s)",
                    activities,
                )
            count += per_tx
    queue.put(count)


def ceiling(database_url: str, per_tx: int, seconds: float, ids) -> dict:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    load_start = os.getloadavg()
    start_at = time.time() + 3.0  # after every process has made its rows and connected
    processes = [
        context.Process(
            target=_ceiling_worker,
            args=(database_url, per_tx, n, start_at, seconds, ids, queue),
        )
        for n in range(CLIENTS)
    ]
    for process in processes:
        process.start()
    total = sum(queue.get() for _ in processes)
    for process in processes:
        process.join()
    return {
        "statements": total,
        "statements_per_s": total / seconds,
        "per_transaction": per_tx,
        "load_start": load_start,
        "load_end": os.getloadavg(),
    }


# --- the run -----------------------------------------------------------------------------


def prepare():
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from institutions import services as institution_services
    from institutions.models import Institution
    from lrs import services

    institution = institution_services.institution_create(
        actor=None, code="BENCH", name="Bench", kind=Institution.Kind.COLLEGE, province="Hà Nội"
    )
    client, secret = services.lrs_client_create(
        actor=None, institution=institution, name="Bench content", scopes=["all"]
    )
    return institution, client, secret


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", type=int, nargs="+", default=list(LEVELS))
    parser.add_argument("--seconds", type=float, default=10.0, help="at most, per phase")
    parser.add_argument(
        "--warmup", type=float, default=2.0, help="seconds of single POSTs, then of GETs, uncounted"
    )
    parser.add_argument("--single-budget", type=int, default=10_000, help="requests at most")
    parser.add_argument("--batch-budget", type=int, default=1_000, help="requests at most")
    parser.add_argument("--get-budget", type=int, default=2_000, help="requests at most")
    parser.add_argument("--readers", type=int, default=2, help="concurrent GET clients")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument(
        "--close-connections",
        action="store_true",
        help="a new connection per request instead of kept-alive client connections",
    )
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    import psycopg

    global KEEP_ALIVE
    args = parse_args(argv)
    KEEP_ALIVE = not args.close_connections
    database_url = fresh_database(args.server, DATABASE)
    env = production_env(database_url)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    institution, client, secret = prepare()
    ids = (institution.pk, client.pk, client.authority)
    auth = base64.b64encode(f"{client.key}:{secret}".encode()).decode()
    result = {
        "benchmark": "lrs_load",
        "when": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
        "cpus": os.cpu_count(),
        "workers": args.workers,
        "clients": CLIENTS,
        "keep_alive": KEEP_ALIVE,
        "readers": args.readers,
        "batch": BATCH,
        "seconds_per_phase": args.seconds,
        "warmup_seconds": args.warmup,
        "page": PAGE,
        "probes": {"learners": PROBES, "statements_each": PROBE_STATEMENTS},
        "queries_per_request": queries_per_request(client.key, secret),
        "levels": {},
        "goals": GOALS,
    }
    log(f"queries per request: {result['queries_per_request']}")
    logs = ROOT / "var" / "bench"
    logs.mkdir(parents=True, exist_ok=True)
    conn = psycopg.connect(database_url, autocommit=True)
    try:
        for level in args.levels:
            forget_since(conn, datetime.now(UTC) - timedelta(hours=1))
            log(f"level {level}: filling")
            filled = fill(
                conn,
                level,
                institution_id=institution.pk,
                client_id=client.pk,
                authority=client.authority,
            )
            stored_at_start = statement_count(conn)
            log(f"level {level}: {stored_at_start} stored ({filled})")
            begin = datetime.now(UTC)
            process, port = start_gunicorn("lrs", env, args.workers, logs)
            try:
                wait_healthy(process, port)
                measured = lrs_phases(port, auth, args, level, conn=conn, since=begin, ids=ids)
            finally:
                stop(process)
            measured["ceiling_single"] = ceiling(database_url, 1, args.seconds, ids)
            measured["ceiling_batch"] = ceiling(database_url, BATCH, args.seconds, ids)
            measured["plans"] = plans(
                database_url,
                institution.pk,
                {"get_plan": agent(1), "get_plan_probe": agent(AGENTS)},
            )
            measured["stored_at_start"] = stored_at_start
            measured["stored_at_end"] = statement_count(conn)
            measured["fill"] = filled
            for kind in ("single", "batch"):
                measured[kind]["fraction_of_ceiling"] = (
                    measured[kind]["statements_per_s"]
                    / measured[f"ceiling_{kind}"]["statements_per_s"]
                )
            result["levels"][str(level)] = measured
            log(
                f"level {level}: single {measured['single']['statements_per_s']:.0f}/s "
                f"(ceiling {measured['ceiling_single']['statements_per_s']:.0f}/s), batch "
                f"{measured['batch']['statements_per_s']:.0f}/s (ceiling "
                f"{measured['ceiling_batch']['statements_per_s']:.0f}/s), GET probe p50 "
                f"{measured['get']['p50_ms']:.1f} ms p95 {measured['get']['p95_ms']:.1f} ms "
                f"({measured['get']['statements_per_page_mean']:.1f} a page), random p95 "
                f"{measured['get_random']['p95_ms']:.1f} ms; errors "
                f"{measured['single']['errors']}/{measured['batch']['errors']}/"
                f"{measured['get']['errors']}/{measured['get_random']['errors']}; load "
                f"{measured['single']['load_start'][0]:.1f} to "
                f"{measured['get_random']['load_end'][0]:.1f}"
            )
            forget_since(conn, begin)
    finally:
        conn.close()
    first, last = str(args.levels[0]), str(args.levels[-1])
    if first != last:
        a, b = result["levels"][first], result["levels"][last]
        result["slowdown_last_vs_first"] = {
            "single": 1 - b["single"]["statements_per_s"] / a["single"]["statements_per_s"],
            "batch": 1 - b["batch"]["statements_per_s"] / a["batch"]["statements_per_s"],
            "get_p95": b["get"]["p95_ms"] / max(a["get"]["p95_ms"], 1e-9) - 1,
            "get_random_p95": b["get_random"]["p95_ms"] / max(a["get_random"]["p95_ms"], 1e-9) - 1,
        }
        log(f"{last} vs {first}: {result['slowdown_last_vs_first']}")
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"lrs-load-{result['when']}.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    log(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
