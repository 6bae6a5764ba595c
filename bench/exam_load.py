"""Benchmark: an exam sat by many learners at once, against the framework floor.

`python -m bench.exam_load` (issue 5's benchmark, part of `make bench`):
a fresh PostgreSQL database, one exam of `--items` single-choice questions and `--learners`
learners whose attempts are prepared before the start, each with a logged-in session;
gunicorn with the production settings on loopback. Then:

1. **start**: every learner starts within `--start-window` seconds (the spike; goal p95 < 1 s);
2. **save**: each learner saves an answer every 20–40 s, compressed by `--compress`
   (the exam's length is compressed, not the concurrency), with an increasing seq per
   question and the save token the start handed out, as the exam client sends them; failed
   requests are retried with the same seq (goal p95 < 100 ms);
3. **floor**: the same save schedule against `/bench/floor` (same body, no database).

Afterwards every question's stored answer is checked against the load script's own log of
confirmed saves: the stored seq and response must be the last confirmed ones (zero lost,
zero misordered). Results go to `bench/results/exam-load-<UTC>.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.run import HOST, ROOT, start_gunicorn, stop, wait_healthy
from bench.write_load import Phase, fresh_database, log, production_env

GOAL_START_P95_MS = 1000.0
GOAL_SAVE_P95_MS = 100.0
DATABASE = "taynghe_bench_exam"


@dataclass
class Sitter:
    """One simulated examinee: session, attempt, questions and what the server confirmed."""

    session: str
    csrf: str
    attempt: str
    questions: dict[str, list[str]] = field(default_factory=dict)  # key -> option tokens
    seq: dict[str, int] = field(default_factory=dict)
    confirmed: dict[str, tuple[int, str]] = field(default_factory=dict)
    sent: dict[tuple[str, int], str] = field(default_factory=dict)  # (key, seq) -> response
    token: str = ""  # the save token the start hands out, sent with every save


def prepare(learners: int, items: int) -> list[Sitter]:
    """Migrate, then make the exam, the learners, their prepared attempts and sessions."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from assessment import attempts, exams, services
    from institutions import services as institution_services
    from institutions.models import Institution, Membership

    institution = institution_services.institution_create(
        actor=None, code="BENCH", name="Bench", kind=Institution.Kind.COLLEGE, province="Hà Nội"
    )
    bank = services.bank_create(actor=None, institution=institution, name="Bench")
    versions = [
        services.item_create(
            actor=None,
            bank=bank,
            question_type="single_choice",
            stem=f"<p>Câu {n}</p>",
            body={
                "options": [{"id": x, "text": x.upper()} for x in "abcd"],
                "correct": "a",
                "shuffle": True,
            },
        )
        for n in range(items)
    ]
    exam = exams.exam_create(
        actor=None,
        institution=institution,
        title="Bench",
        time_limit_minutes=600,
        sections=[exams.SectionSpec(items=versions)],
    )
    exams.exam_publish(actor=None, exam=exam)
    users = [
        institution_services.user_create(username=f"bench{n:05d}", password=None)
        for n in range(learners)
    ]
    Membership.objects.bulk_create(
        [Membership(user=user, institution=institution, role="learner") for user in users]
    )
    prepared = attempts.exam_attempts_prepare(actor=None, exam=exam, learners=users)
    sitters = []
    for user, attempt in zip(users, prepared, strict=True):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        sitters.append(
            Sitter(
                session=session.session_key,
                csrf=secrets.token_hex(16),  # a 32-character secret, as Django's cookie holds
                attempt=str(attempt.public_id),
                questions={row.key: sorted(row.id_map) for row in attempt.questions.all()},
            )
        )
    return sitters


async def request(port: int, method: str, path: str, sitter: Sitter, body: bytes, timeout: float):
    """One HTTP/1.1 request on its own connection (gunicorn's sync workers close after each)."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), timeout)
    try:
        token = f"X-Attempt-Token: {sitter.token}\r\n" if sitter.token else ""
        writer.write(
            f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
            f"Cookie: sessionid={sitter.session}; csrftoken={sitter.csrf}\r\n"
            f"X-CSRFToken: {sitter.csrf}\r\n{token}"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    head, _sep, payload = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
    return status, payload


async def start_one(sitter: Sitter, port: int, phase: Phase, window: float) -> None:
    await asyncio.sleep(random.uniform(0, window))
    for attempt in range(5):
        began = time.perf_counter()
        try:
            status, payload = await request(
                port, "POST", f"/exam/attempts/{sitter.attempt}/start", sitter, b"{}", 30
            )
        except (TimeoutError, OSError):
            status = 0
        if status == 200:
            phase.latencies.append(time.perf_counter() - began)
            sitter.token = json.loads(payload).get("save_token", "")
            return
        phase.retries += attempt < 4
        await asyncio.sleep(0.5 * (attempt + 1))
    phase.errors += 1


async def save_loop(sitter: Sitter, port: int, phase: Phase, *, floor, low, high, until) -> None:
    await asyncio.sleep(random.uniform(0, high))
    keys = list(sitter.questions)
    while time.perf_counter() < until:
        key = random.choice(keys)
        seq = sitter.seq.get(key, 0) + 1
        sitter.seq[key] = seq
        response = random.choice(sitter.questions[key])
        sitter.sent[(key, seq)] = response
        body = json.dumps({"question": key, "seq": seq, "response": response}).encode()
        path = "/bench/floor" if floor else f"/exam/attempts/{sitter.attempt}/answers"
        began = time.perf_counter()
        for attempt in range(5):  # a retry repeats the same seq and response: idempotent
            started = time.perf_counter()
            try:
                status, _ = await request(port, "POST", path, sitter, body, 10)
            except (TimeoutError, OSError):
                status = 0
            if status == 200:
                phase.latencies.append(time.perf_counter() - started)
                if not floor:
                    sitter.confirmed[key] = (seq, response)
                break
            phase.retries += attempt < 4
            await asyncio.sleep(0.2 * (attempt + 1))
        else:
            phase.errors += 1
        await asyncio.sleep(max(0.0, random.uniform(low, high) - (time.perf_counter() - began)))


async def run_saves(sitters, port, *, floor: bool, low, high, seconds) -> Phase:
    phase = Phase("floor" if floor else "save")
    phase.started = time.perf_counter()
    until = phase.started + seconds
    await asyncio.gather(
        *(save_loop(s, port, phase, floor=floor, low=low, high=high, until=until) for s in sitters)
    )
    phase.ended = time.perf_counter()
    return phase


async def run_start(sitters, port, window: float) -> Phase:
    phase = Phase("start")
    phase.started = time.perf_counter()
    await asyncio.gather(*(start_one(s, port, phase, window) for s in sitters))
    phase.ended = time.perf_counter()
    return phase


def check_stored(sitters: list[Sitter]) -> dict:
    """Every confirmed answer against what the database holds."""
    from django.db import connection

    from assessment.models import Answer

    connection.close()  # a fresh read
    stored = {
        (str(a.question.attempt.public_id), a.question.key): (a.seq, a.response)
        for a in Answer.objects.select_related("question__attempt")
    }
    lost = misordered = checked = later = 0
    for sitter in sitters:
        for key, (seq, response) in sitter.confirmed.items():
            checked += 1
            found = stored.get((sitter.attempt, key))
            if found is None or found[0] < seq:
                lost += 1  # an older answer than one the server confirmed
            elif found[0] == seq:
                misordered += found[1] != response
            else:
                # A newer save whose confirmation the script never saw (it timed out):
                # the server must hold exactly what was sent with that seq.
                later += 1
                misordered += sitter.sent.get((key, found[0])) != found[1]
    return {
        "checked": checked,
        "lost": lost,
        "misordered": misordered,
        "stored_newer_than_confirmed": later,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=5000)
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--start-window", type=float, default=60.0)
    # The schedule: a save every 20–40 s per examinee. The exam's length is what is
    # compressed (a phase lasts --seconds), not the rate; --compress > 1 is an overload test.
    parser.add_argument("--compress", type=float, default=1.0, help="2: 20–40 s becomes 10–20 s")
    parser.add_argument("--seconds", type=float, default=120.0, help="per save phase")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)

    env = production_env(fresh_database(args.server, DATABASE))
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    log(f"preparing {args.learners} learners, {args.items} items each")
    began = time.perf_counter()
    sitters = prepare(args.learners, args.items)
    log(f"prepared in {time.perf_counter() - began:.1f} s")

    logs = ROOT / "var" / "bench"
    logs.mkdir(parents=True, exist_ok=True)
    process, port = start_gunicorn("exam", env, args.workers, logs)
    low, high = 20 / args.compress, 40 / args.compress
    try:
        wait_healthy(process, port)
        start = asyncio.run(run_start(sitters, port, args.start_window))
        log(f"start: {start.summary()}")
        save = asyncio.run(
            run_saves(sitters, port, floor=False, low=low, high=high, seconds=args.seconds)
        )
        log(f"save: {save.summary()}")
        floor = asyncio.run(
            run_saves(sitters, port, floor=True, low=low, high=high, seconds=args.seconds)
        )
        log(f"floor: {floor.summary()}")
    finally:
        stop(process)

    integrity = check_stored(sitters)
    results = {
        "benchmark": "exam_load",
        "when": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
        "cpus": os.cpu_count(),
        "learners": args.learners,
        "items": args.items,
        "start_window_s": args.start_window,
        "save_interval_s": [low, high],
        "seconds_per_phase": args.seconds,
        "workers": args.workers,
        "start": start.summary(),
        "save": save.summary(),
        "floor": floor.summary(),
        "integrity": integrity,
        "met": start.summary()["p95_ms"] < GOAL_START_P95_MS
        and save.summary()["p95_ms"] < GOAL_SAVE_P95_MS
        and integrity["lost"] == 0
        and integrity["misordered"] == 0,
    }
    log(f"stored vs confirmed: {integrity}; goals {'met' if results['met'] else 'NOT met'}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"exam-load-{results['when']}.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
