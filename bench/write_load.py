"""What the write-endpoint benchmarks share: a fresh database, the server's environment,
a log line, and one phase of timed requests with its percentiles.

Used by `bench/courseware_commit.py` and `bench/exam_load.py`; the page benchmark
(`bench/run.py`) keeps its own template database and wrk.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass, field

import psycopg

from bench.run import HOST, ROOT


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", flush=True)


def fresh_database(server: str, name: str) -> str:
    """Drop and create `name` on the PostgreSQL `server`; its URL."""
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def production_env(database_url: str) -> dict:
    """The environment of a production-like server (and of the process that prepares its data:
    launch tokens must be signed with the same secret)."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TAYNGHE_"))},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_URL": database_url,
        "CACHE_URL": "locmem://",
        "TAYNGHE_VAR_DIR": str(ROOT / "var" / "bench"),
        "TAYNGHE_BENCH_ENDPOINTS": "true",
        "PYTHONPATH": str(ROOT),
    }


@dataclass
class Phase:
    """The requests of one phase: latencies of the answered ones, failures, retries."""

    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    retries: int = 0
    statuses: dict = field(default_factory=dict)
    sample: str = ""  # the first unexpected answer, to see why
    started: float = 0.0
    ended: float = 0.0

    def summary(self) -> dict:
        ordered = sorted(self.latencies)

        def pct(p: float) -> float:
            return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0

        return {
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "sample_failure": self.sample,
            "requests": len(ordered),
            "errors": self.errors,
            "retries": self.retries,
            "rate_per_s": len(ordered) / max(self.ended - self.started, 1e-9),
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "max_ms": ordered[-1] * 1000 if ordered else 0,
        }
