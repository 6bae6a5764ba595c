"""Benchmark the course page and the catalogue against the framework floor, in one run.

`python -m bench.run` (or `make bench`): prepares a PostgreSQL database with 5,000
courses, starts the app under gunicorn with the production settings twice (page
cache on, page cache off), drives bounded load with wrk on loopback, and writes
the results, each page as a ratio to a minimal Django view served by the same
server in the same run. bench/README.md explains the method.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
HOST = "127.0.0.1"  # loopback only: the benchmark never leaves the machine
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

GOALS = {"course_uncached": 0.20, "course_cached": 0.80}


@dataclass
class Target:
    """One address under load, and the floor of the same server to compare it with."""

    name: str
    server: str
    path: str
    floor: str
    runs: list[dict] = field(default_factory=list)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# --- the database ---------------------------------------------------------------------


def admin_connection(server_url: str):
    return psycopg.connect(f"{server_url}/postgres", autocommit=True)


def database_exists(conn, name: str) -> bool:
    return (
        conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
    )


def database_comment(conn, name: str) -> str | None:
    row = conn.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
    ).fetchone()
    return row[0] if row else None


def drop_database(conn, name: str) -> None:
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def data_fingerprint(courses: int) -> str:
    """Changes whenever the loaded data could: the loader, any migration, the course count."""
    digest = hashlib.sha256(f"courses={courses}".encode())
    files = [BENCH_DIR / "load.py", *sorted(ROOT.glob("*/migrations/*.py"))]
    for path in files:
        if ".venv" in path.parts:
            continue
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def prepare_database(args, env: dict) -> dict:
    """Clone the cached template when its fingerprint matches; otherwise build it once."""
    name, template = args.database, f"{args.database}_tpl_{args.courses}"
    fingerprint = data_fingerprint(args.courses)
    info: dict = {"database": name, "template": template, "fingerprint": fingerprint}
    with admin_connection(args.postgres) as conn:
        cached = (
            not args.fresh
            and database_exists(conn, template)
            and database_comment(conn, template) == fingerprint
        )
        drop_database(conn, name)
        if cached:
            started = time.perf_counter()
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            info["cloned_from_template_seconds"] = round(time.perf_counter() - started, 2)
            log(f"cloned {name} from {template} in {info['cloned_from_template_seconds']} s")
        else:
            drop_database(conn, template)
            conn.execute(f'CREATE DATABASE "{name}"')
    started = time.perf_counter()
    manage(env, "migrate", "--noinput", "-v0")
    info["migrate_seconds"] = round(time.perf_counter() - started, 2)
    if not cached:
        log(f"loading {args.courses} courses into {name} (first run; later runs clone a template)")
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "bench.load", "--courses", str(args.courses)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=3600,
        ).stdout
        info["load"] = json.loads(out.strip().splitlines()[-1])
        info["load"]["total_seconds"] = round(time.perf_counter() - started, 2)
        log(f"loaded: {info['load']}")
        with admin_connection(args.postgres) as conn:
            conn.execute(f'CREATE DATABASE "{template}" TEMPLATE "{name}"')
            conn.execute(f"COMMENT ON DATABASE \"{template}\" IS '{fingerprint}'")
    return info


def manage(env: dict, *command: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, timeout=900
    )


def sample_paths(database_url: str) -> dict:
    """A course from the middle of the catalogue, as the site serves its address."""
    with psycopg.connect(database_url) as conn:
        (total,) = conn.execute("SELECT count(*) FROM lms_coursepage").fetchone()
        url_path, title = conn.execute(
            "SELECT p.url_path, p.title FROM wagtailcore_page p "
            "JOIN lms_coursepage c ON c.page_ptr_id = p.id "
            "ORDER BY p.path OFFSET %s LIMIT 1",
            [total // 2],
        ).fetchone()
        (root_path,) = conn.execute(
            "SELECT p.url_path FROM wagtailcore_site s "
            "JOIN wagtailcore_page p ON p.id = s.root_page_id WHERE s.is_default_site"
        ).fetchone()
    return {"course": "/" + url_path[len(root_path) :], "course_title": title, "courses": total}


# --- the servers ----------------------------------------------------------------------


def start_gunicorn(name: str, env: dict, workers: int, logs: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    log_file = (logs / f"gunicorn-{name}.log").open("w")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--config",
            "python:config.gunicorn",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return process, port


def get(port: int, path: str, timeout: float = 10) -> tuple[int, dict, str]:
    request = urllib.request.Request(f"http://{HOST}:{port}{path}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def wait_healthy(process: subprocess.Popen, port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn on port {port} exited with {process.returncode}")
        try:
            if get(port, "/healthz", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"gunicorn on port {port} was not healthy within {seconds} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def verify(ports: dict, paths: dict) -> None:
    """Refuse to measure anything but what the results will claim."""
    cached, uncached = ports["cached"], ports["uncached"]
    for port in (cached, uncached):
        status, _headers, body = get(port, "/bench/floor")
        assert status == 200 and body == "floor", "the floor view is not mounted"
        status, _headers, body = get(port, "/no-such-page-for-the-bench/")
        assert status == 404 and "URLconf" not in body, "DEBUG must be off"
        for path, needle in ((paths["course"], paths["course_title"]), ("/catalogue/", "card")):
            for _attempt in range(2):
                status, headers, body = get(port, path)
                assert status == 200 and needle in body, f"{path} did not render"
                assert "Set-Cookie" not in headers, f"{path} set a cookie for an anonymous visitor"
                assert "csrfmiddlewaretoken" not in body, f"{path} has a CSRF token"
            cache_state = headers.get("X-Page-Cache")
            if port == cached:
                assert cache_state == "hit", f"{path} was not served from the page cache"
            else:
                assert cache_state is None, f"{path} went through the page cache"


# --- the load -------------------------------------------------------------------------


def process_cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def server_pids(master: int) -> list[int]:
    pids = [master]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            pids.append(int(stat.parent.name))
    return pids


def machine_busy_seconds() -> float:
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / CLOCK_TICKS


def wrk(port: int, path: str, *, seconds: float, max_requests: int, connections: int) -> dict:
    """One bounded wrk run (time and request count), with its CPU accounting."""
    env = {**os.environ, "BENCH_MAX_REQUESTS": str(max_requests)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(
        [
            "wrk",
            "--threads",
            "1",
            "--connections",
            str(connections),
            "--duration",
            f"{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "--script",
            str(BENCH_DIR / "wrk_report.lua"),
            f"http://{HOST}:{port}{path}",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next(line for line in result.stdout.splitlines() if line.startswith("BENCH_JSON "))
    report = json.loads(line.removeprefix("BENCH_JSON "))
    report["client_cpu_seconds"] = round(
        after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 3
    )
    return report


def measure(target: Target, port: int, master: int, args, *, warmup: bool = False) -> dict:
    pids = server_pids(master)
    server_before, busy_before = process_cpu_seconds(pids), machine_busy_seconds()
    report = wrk(
        port,
        target.path,
        seconds=args.warmup if warmup else args.duration,
        max_requests=args.max_requests,
        connections=args.connections,
    )
    seconds = report["duration_us"] / 1e6
    report.update(
        rps=round(report["requests"] / seconds, 1),
        server_cpu_seconds=round(process_cpu_seconds(pids) - server_before, 3),
        machine_busy_cpu_seconds=round(machine_busy_seconds() - busy_before, 3),
        errors_total=sum(report["errors"].values()),
    )
    return report


def summarise(targets: dict[str, Target]) -> dict:
    summary = {}
    for name, target in targets.items():
        runs = target.runs
        rps = [run["rps"] for run in runs]
        wall = sum(run["duration_us"] for run in runs) / 1e6
        summary[name] = {
            "server": target.server,
            "path": target.path,
            "rps_median": round(statistics.median(rps), 1),
            "rps_runs": rps,
            "p50_ms": round(statistics.median(r["latency_us"]["p50"] for r in runs) / 1000, 2),
            "p95_ms": round(statistics.median(r["latency_us"]["p95"] for r in runs) / 1000, 2),
            "p99_ms": round(statistics.median(r["latency_us"]["p99"] for r in runs) / 1000, 2),
            "requests": sum(run["requests"] for run in runs),
            "errors": sum(run["errors_total"] for run in runs),
            "client_cpu_share": round(sum(r["client_cpu_seconds"] for r in runs) / wall, 3),
            "server_cpu_share": round(sum(r["server_cpu_seconds"] for r in runs) / wall, 3),
            "machine_busy_share": round(sum(r["machine_busy_cpu_seconds"] for r in runs) / wall, 3),
        }
    for name, target in targets.items():
        floor = summary[target.floor]["rps_median"]
        summary[name]["floor"] = target.floor
        summary[name]["ratio_to_floor"] = round(summary[name]["rps_median"] / floor, 3)
        if name in GOALS:
            summary[name]["goal"] = GOALS[name]
            summary[name]["goal_met"] = summary[name]["ratio_to_floor"] >= GOALS[name]
    return summary


# --- the machine and the report -------------------------------------------------------


def command_version(*command: str) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except OSError:
        return "absent"
    return (out.stdout or out.stderr).strip().splitlines()[0]


def machine(args) -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    meminfo = Path("/proc/meminfo").read_text()
    mem_kb = int(re.search(r"MemTotal:\s*(\d+)", meminfo).group(1))
    import django
    import wagtail

    with psycopg.connect(f"{args.postgres}/postgres") as conn:
        (pg_version,) = conn.execute("SHOW server_version").fetchone()
    return {
        "cpu": model.group(1) if model else platform.processor(),
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "wagtail": wagtail.__version__,
        "postgresql": pg_version,
        "redis": command_version("redis-server", "--version"),
        "wrk": command_version("wrk", "--version"),
        "gunicorn": command_version(str(Path(sys.executable).parent / "gunicorn"), "--version"),
        "load_average_at_start": os.getloadavg(),
    }


def markdown(result: dict) -> str:
    s, m, p = result["summary"], result["machine"], result["parameters"]
    lines = [
        f"# Page benchmark — {result['started_at']}",
        "",
        f"{result['paths']['courses']} courses in PostgreSQL {m['postgresql']}; "
        f"gunicorn {p['workers']} sync workers per server, production settings, DEBUG off; "
        f"wrk 1 thread, {p['connections']} connections, {p['rounds']} rounds × "
        f"{p['duration']} s per address (≤ {p['max_requests']} requests each), median shown.",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; "
        f"load average at start {', '.join(f'{x:.2f}' for x in m['load_average_at_start'])}, "
        f"at end {', '.join(f'{x:.2f}' for x in result['load_average_at_end'])}.",
        "",
        "| address | server | req/s | p50 ms | p95 ms | ratio to floor | goal | met | "
        "client CPU | server CPU | machine busy |",
        "|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for name, row in s.items():
        goal = f"≥ {row['goal']:.0%}" if "goal" in row else ""
        met = ("yes" if row["goal_met"] else "**no**") if "goal" in row else ""
        lines.append(
            f"| {name} (`{row['path']}`) | {row['server']} | {row['rps_median']:.0f} | "
            f"{row['p50_ms']} | {row['p95_ms']} | {row['ratio_to_floor']:.0%} | {goal} | {met} | "
            f"{row['client_cpu_share']:.2f} | {row['server_cpu_share']:.2f} | "
            f"{row['machine_busy_share']:.2f} |"
        )
    q = result.get("queries_at_full_size") or {}
    lines += [
        "",
        "CPU columns are cores in use on average (2.00 = both cores): client = wrk, "
        "server = gunicorn master and workers, machine busy = every process (PostgreSQL, "
        "Redis and anything else running).",
        "",
        f"Queries per anonymous visit at {result['paths']['courses']} courses (page cache off): "
        + ", ".join(f"`{path}` {n}" for path, n in q.items()),
        "",
        f"Database: {json.dumps(result['database'], ensure_ascii=False)}",
    ]
    return "\n".join(lines) + "\n"


# --- the run --------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--courses", type=int, default=5000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per address")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over every address")
    parser.add_argument("--max-requests", type=int, default=200_000, help="cap per measurement")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="taynghe_bench")
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--fresh", action="store_true", help="rebuild the data template")
    parser.add_argument(
        "--check-goals", action="store_true", help="exit 1 when a goal is missed (for CI)"
    )
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results")
    args = parser.parse_args(argv)
    for url in (args.postgres, args.cache_url):
        host = urlparse(url).hostname
        if host not in ("127.0.0.1", "localhost", "::1") and not url.startswith("locmem"):
            parser.error(f"only loopback addresses are allowed: {url}")
    return args


def base_env(args) -> dict:
    var_dir = ROOT / "var" / "bench"
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TAYNGHE_"))},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48)[:64],
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_URL": f"{args.postgres}/{args.database}",
        "CACHE_URL": args.cache_url,
        "TAYNGHE_VAR_DIR": str(var_dir),
        "TAYNGHE_BENCH_ENDPOINTS": "true",
        "PYTHONPATH": str(ROOT),
    }


def flush_cache(cache_url: str) -> None:
    if cache_url.startswith("redis"):
        import redis

        redis.Redis.from_url(cache_url).flushdb()


def main(argv=None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("bench needs wrk: apt-get install wrk")
    started_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    env = base_env(args)
    var_dir = Path(env["TAYNGHE_VAR_DIR"])
    var_dir.mkdir(parents=True, exist_ok=True)
    info_machine = machine(args)

    database = prepare_database(args, env)
    manage(env, "collectstatic", "--noinput", "-v0")
    paths = sample_paths(env["DATABASE_URL"])
    log(f"course under test: {paths['course']} ({paths['courses']} courses)")
    queries = json.loads(
        subprocess.run(
            [sys.executable, "-m", "bench.queries", paths["course"], "/catalogue/"],
            cwd=ROOT,
            env={**env, "TAYNGHE_PAGE_CACHE_SECONDS": "0"},
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        ).stdout.strip()
    )
    log(f"queries per visit at full size: {queries}")
    flush_cache(args.cache_url)

    servers = {
        "cached": {**env, "TAYNGHE_PAGE_CACHE_SECONDS": "60"},
        "uncached": {**env, "TAYNGHE_PAGE_CACHE_SECONDS": "0"},
    }
    processes, ports = {}, {}
    try:
        for name, server_env in servers.items():
            processes[name], ports[name] = start_gunicorn(name, server_env, args.workers, var_dir)
        for name, process in processes.items():
            wait_healthy(process, ports[name])
        verify(ports, paths)
        log(f"servers healthy and verified: {ports}")

        targets = {
            t.name: t
            for t in [
                Target("floor", "cached", "/bench/floor", "floor"),
                Target("course_cached", "cached", paths["course"], "floor"),
                Target("catalogue_cached", "cached", "/catalogue/", "floor"),
                Target(
                    "floor_uncached_server", "uncached", "/bench/floor", "floor_uncached_server"
                ),
                Target("course_uncached", "uncached", paths["course"], "floor_uncached_server"),
                Target("catalogue_uncached", "uncached", "/catalogue/", "floor_uncached_server"),
            ]
        }
        for target in targets.values():
            measure(target, ports[target.server], processes[target.server].pid, args, warmup=True)
        # Rounds interleave the addresses, so drift on the machine touches all of them alike.
        for round_number in range(1, args.rounds + 1):
            for target in targets.values():
                run = measure(target, ports[target.server], processes[target.server].pid, args)
                target.runs.append(run)
                log(
                    f"round {round_number} {target.name}: {run['rps']} req/s, "
                    f"p95 {run['latency_us']['p95'] / 1000:.1f} ms, errors {run['errors_total']}"
                )
    finally:
        for process in processes.values():
            stop(process)

    result = {
        "benchmark": "pages",
        "started_at": started_at,
        "parameters": {
            k: v
            for k, v in vars(args).items()
            if k not in ("out", "fresh", "check_goals", "postgres")
        },
        "machine": info_machine,
        "load_average_at_end": os.getloadavg(),
        "database": database,
        "paths": paths,
        "queries_at_full_size": queries,
        "summary": summarise(targets),
        "runs": {name: target.runs for name, target in targets.items()},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"pages-{started_at.replace(':', '').replace('-', '')}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    report = markdown(result)
    stem.with_suffix(".md").write_text(report)
    print(report)
    log(f"wrote {stem}.json and {stem}.md")
    goals_met = all(row.get("goal_met", True) for row in result["summary"].values())
    return 1 if args.check_goals and not goals_met else 0


if __name__ == "__main__":
    sys.exit(main())
