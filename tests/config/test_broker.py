"""A real Celery worker round-trips a task through every broker the settings can choose.

The worker is the command the compose file runs (`celery -A config worker`), started with
only environment variables, so the broker and result backend come through config/env.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from kombu import Connection

from .support import BIN, ROOT, clean_env, require_service, run

WORKER_READY_SECONDS = 30
RESULT_SECONDS = 20

CLIENT = """
import json, sys
from config.celery import app
result = app.send_task("config.ping", args=[21], queue=sys.argv[1])
print(json.dumps({"id": result.id, "result": result.get(timeout=float(sys.argv[2]))}))
"""


def _start_worker(env: dict[str, str], queue: str, log: Path) -> subprocess.Popen:
    args = [
        str(BIN / "celery"),
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "-Q",
        queue,
        "-n",
        f"{queue}@%h",
    ]
    with log.open("w") as out:
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait_ready(worker: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + WORKER_READY_SECONDS
    while time.monotonic() < deadline:
        if " ready." in log.read_text():
            return
        if worker.poll() is not None:
            pytest.fail(f"the worker exited ({worker.returncode}):\n{log.read_text()}")
        time.sleep(0.2)
    pytest.fail(f"the worker was not ready in {WORKER_READY_SECONDS}s:\n{log.read_text()}")


def _stop(worker: subprocess.Popen) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=10)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=10)


def _delete_queue(broker_url: str, queue: str) -> None:
    """Leave the shared Redis or RabbitMQ as the test found it."""
    with Connection(broker_url, connect_timeout=5) as connection:
        connection.default_channel.queue_delete(queue)
    if broker_url.startswith("redis"):
        client = redis.Redis.from_url(broker_url)
        client.delete(*client.keys(f"*{queue}*"), "_kombu.binding_deadlines")


def _round_trip(tmp_path: Path, **env_vars: str) -> dict:
    """Start a worker, send config.ping from a second process, return the worker's answer."""
    queue = f"taynghe-test-{uuid.uuid4().hex[:12]}"
    env = clean_env(tmp_path, DJANGO_SETTINGS_MODULE="config.settings.dev", **env_vars)
    log = tmp_path / "worker.log"
    worker = _start_worker(env, queue, log)
    try:
        _wait_ready(worker, log)
        client = run(
            [sys.executable, "-c", CLIENT, queue, str(RESULT_SECONDS)],
            env,
            timeout=RESULT_SECONDS + 30,
        )
        assert client.returncode == 0, client.stderr + "\n--- worker ---\n" + log.read_text()
    finally:
        _stop(worker)
        if "CELERY_BROKER_URL" in env_vars:
            _delete_queue(env_vars["CELERY_BROKER_URL"], queue)
    assert "config.ping" in log.read_text()
    answer = json.loads(client.stdout.strip().splitlines()[-1])
    if env_vars.get("CELERY_RESULT_BACKEND", "").startswith("redis"):
        redis.Redis.from_url(env_vars["CELERY_RESULT_BACKEND"]).delete(
            f"celery-task-meta-{answer['id']}"
        )
    return answer["result"]


def test_default_filesystem_broker_needs_no_server(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    answer = _round_trip(tmp_path, CELERY_RESULT_BACKEND=f"file://{results}")
    assert answer == {"value": 21, "doubled": 42}
    # The queue lives under TAYNGHE_VAR_DIR, not in the working directory.
    assert (tmp_path / "broker" / "control").is_dir()
    assert not (ROOT / "control").exists()
    assert list(results.iterdir())


def test_redis_broker_round_trip(tmp_path):
    require_service("127.0.0.1", 6379, "Redis")
    url = "redis://127.0.0.1:6379/11"
    answer = _round_trip(tmp_path, CELERY_BROKER_URL=url, CELERY_RESULT_BACKEND=url)
    assert answer == {"value": 21, "doubled": 42}


def test_rabbitmq_broker_round_trip(tmp_path):
    require_service("127.0.0.1", 5672, "RabbitMQ")
    answer = _round_trip(
        tmp_path,
        CELERY_BROKER_URL="amqp://guest:guest@127.0.0.1:5672//",
        CELERY_RESULT_BACKEND="rpc://",
    )
    assert answer == {"value": 21, "doubled": 42}
