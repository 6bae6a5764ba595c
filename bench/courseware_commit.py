"""Benchmark: the SCORM commit endpoint under 500 learners, against the framework floor.

`python -m bench.courseware_commit` (part of `make bench`): a fresh PostgreSQL database, one
SCORM 1.2 package, 500 learners each with an attempt and a launch token; gunicorn with the
production settings; then an asyncio load script on loopback where every learner commits
every `--interval` seconds (30 s in the field, compressed; ±20 % jitter) with an increasing
`seq`, a fresh `commit_id`, its location and suspend_data. The same schedule against the
floor (`/bench/floor`, a POST of the same body that touches no database) is the reference,
in alternating rounds. Afterwards every learner's stored record is checked against the load
script's own log of confirmed commits: the last confirmed seq, location and suspend_data
must be what the server holds (zero lost, zero reordered). Goal: commit p95 under 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import sys
import time
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.run import HOST, ROOT, free_port, start_gunicorn, stop, wait_healthy
from bench.write_load import Phase, fresh_database, log, production_env

GOAL_P95_MS = 50.0
DATABASE = "taynghe_bench_commit"


@dataclass
class Learner:
    user_id: int
    token: str
    activity_id: int
    seq: int = 0
    confirmed: tuple[int, str, str] | None = None  # seq, location, suspend_data


def scorm12_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "imsmanifest.xml",
            '<?xml version="1.0"?><manifest identifier="BENCH" version="1"'
            ' xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"'
            ' xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">'
            "<metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>"
            '<organizations default="O"><organization identifier="O"><title>Bench</title>'
            '<item identifier="I1" identifierref="R1"><title>SCO</title>'
            "<adlcp:masteryscore>80</adlcp:masteryscore></item></organization></organizations>"
            '<resources><resource identifier="R1" type="webcontent" adlcp:scormtype="sco"'
            ' href="index.html"><file href="index.html"/></resource></resources></manifest>',
        )
        archive.writestr("index.html", "<html><body>SCO</body></html>")
    return buffer.getvalue()


def prepare(learners: int, port: int) -> list[Learner]:
    """Migrate a fresh database and make the learners, their attempts and their tokens."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from courseware import api, services
    from courseware.models import Activity
    from institutions import services as institution_services
    from institutions.models import Institution

    institution = institution_services.institution_create(
        actor=None, code="BENCH", name="Bench", kind=Institution.Kind.COLLEGE, province="Hà Nội"
    )
    result = services.package_import(
        actor=None, institution=institution, file=io.BytesIO(scorm12_zip()), title="Bench"
    )
    activity = Activity.objects.get(version=result.version, is_launchable=True)
    made = []
    for n in range(learners):
        user = institution_services.user_create(username=f"bench{n:05d}", password=None)
        attempt = api.attempt_open(
            learner=user,
            package=result.package,
            version=result.version,
            institution=institution,
            placement="bench",
        )
        token = api.launch_token(
            learner_id=user.pk,
            version_id=result.version.pk,
            platform_origin=f"http://{HOST}:{port}",
            attempt=attempt,
        )
        made.append(Learner(user_id=user.pk, token=token, activity_id=activity.pk))
    return made


async def post(port: int, path: str, body: bytes, timeout: float) -> tuple[int, bytes]:
    """One HTTP/1.1 POST on its own connection (gunicorn's sync workers close after each)."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), timeout)
    try:
        writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
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


async def learner_loop(
    learner: Learner, port: int, phase: Phase, *, floor: bool, interval: float, until: float
) -> None:
    await asyncio.sleep(random.uniform(0, interval))
    while time.perf_counter() < until:
        learner.seq += 1
        location = str(learner.seq)
        suspend = f"{learner.user_id}:{learner.seq}:" + "x" * random.randint(200, 6000)
        body = json.dumps(
            {
                "seq": learner.seq,
                "commit_id": uuid.uuid4().hex,
                "cmi": {
                    "cmi": {
                        "core": {"lesson_location": location, "session_time": "00:00:01"},
                        "suspend_data": suspend,
                    }
                },
                "terminate": False,
            }
        ).encode()
        path = (
            "/bench/floor" if floor else f"/courseware/rt/{learner.token}/sco/{learner.activity_id}"
        )
        began = time.perf_counter()
        for attempt in range(5):  # a failed request is retried with the same seq and commit_id
            started = time.perf_counter()
            try:
                status, _payload = await post(port, path, body, timeout=10)
            except (TimeoutError, OSError):
                status = 0
            phase.statuses[status] = phase.statuses.get(status, 0) + 1
            if status != 200 and not phase.sample:
                phase.sample = f"{status}: {_payload[:300]!r}"
            if status == 200:
                phase.latencies.append(time.perf_counter() - started)
                if not floor:
                    learner.confirmed = (learner.seq, location, suspend)
                break
            phase.retries += attempt < 4
            await asyncio.sleep(0.2 * (attempt + 1))
        else:
            phase.errors += 1
        await asyncio.sleep(
            max(0.0, interval * random.uniform(0.8, 1.2) - (time.perf_counter() - began))
        )


async def run_phase(learners, port, *, floor: bool, interval: float, seconds: float) -> Phase:
    phase = Phase("floor" if floor else "commit")
    phase.started = time.perf_counter()
    until = phase.started + seconds
    await asyncio.gather(
        *(
            learner_loop(learner, port, phase, floor=floor, interval=interval, until=until)
            for learner in learners
        )
    )
    phase.ended = time.perf_counter()
    return phase


def check_stored(learners: list[Learner]) -> dict:
    """Every learner's record against the last commit the load script saw confirmed."""
    from django.db import connection

    from courseware.models import CmiRecord

    connection.close()  # a fresh read, not a cached one
    stored = {
        record.attempt.learner_id: record
        for record in CmiRecord.objects.select_related("attempt").filter(
            attempt__learner_id__in=[learner.user_id for learner in learners]
        )
    }
    lost = reordered = 0
    for learner in learners:
        if learner.confirmed is None:
            continue
        seq, location, suspend = learner.confirmed
        record = stored.get(learner.user_id)
        if record is None or record.seq < seq:
            lost += 1
        elif (
            record.seq > learner.seq
            or record.data.get("cmi.core.lesson_location") != location
            or record.data.get("cmi.suspend_data") != suspend
        ):
            reordered += 1
    return {
        "checked": sum(1 for lr in learners if lr.confirmed),
        "lost": lost,
        "reordered": reordered,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between commits")
    parser.add_argument("--seconds", type=float, default=30.0, help="per phase")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)

    port = free_port()
    env = production_env(fresh_database(args.server, DATABASE))
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    log(f"preparing {args.learners} learners with an attempt each")
    learners = prepare(args.learners, port)

    logs = ROOT / "var" / "bench"
    logs.mkdir(parents=True, exist_ok=True)
    process, real_port = start_gunicorn("commit", env, args.workers, logs)
    try:
        wait_healthy(process, real_port)
        if real_port != port:  # tokens name the origin only for CORS; the path is what counts
            log(f"server on port {real_port}")
        phases: dict[str, list[Phase]] = {"floor": [], "commit": []}
        for round_number in range(1, args.rounds + 1):
            for floor in (True, False):
                phase = asyncio.run(
                    run_phase(
                        learners,
                        real_port,
                        floor=floor,
                        interval=args.interval,
                        seconds=args.seconds,
                    )
                )
                phases[phase.name].append(phase)
                log(f"round {round_number} {phase.name}: {phase.summary()}")
    finally:
        stop(process)

    def merged(name: str) -> dict:
        total = Phase(name)
        for phase in phases[name]:
            total.latencies += phase.latencies
            total.errors += phase.errors
            total.retries += phase.retries
        total.started, total.ended = 0, sum(p.ended - p.started for p in phases[name])
        return total.summary()

    floor, commit = merged("floor"), merged("commit")
    integrity = check_stored(learners)
    met = commit["p95_ms"] < GOAL_P95_MS and integrity["lost"] == 0 and integrity["reordered"] == 0
    log(f"floor {floor}")
    log(f"commit {commit}")
    log(f"stored vs confirmed: {integrity}")
    log(
        f"commit p95 {commit['p95_ms']:.1f} ms (goal < {GOAL_P95_MS} ms), "
        f"floor p95 {floor['p95_ms']:.1f} ms, ratio {commit['p95_ms'] / max(floor['p95_ms'], 1e-9):.2f}; "
        f"goal {'met' if met else 'NOT met'}"
    )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"courseware-commit-{stamp}.json").write_text(
        json.dumps(
            {
                "benchmark": "courseware_commit",
                "when": stamp,
                "cpus": os.cpu_count(),
                "learners": args.learners,
                "interval_s": args.interval,
                "seconds_per_phase": args.seconds,
                "rounds": args.rounds,
                "workers": args.workers,
                "floor": floor,
                "commit": commit,
                "integrity": integrity,
                "goal_p95_ms": GOAL_P95_MS,
                "met": met,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
