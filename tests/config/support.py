"""Helpers for the configuration tests: run the project's own commands in a clean environment."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# A secret that meets production's bar (and Django's security.W009); used only by tests.
GOOD_SECRET = "tests-only-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOP"


def clean_env(var_dir: Path, **overrides: str) -> dict[str, str]:
    """A process environment with nothing of ours but what the test sets."""
    base = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "TAYNGHE_VAR_DIR": str(var_dir),
    }
    return {**base, **overrides}


def run(args: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    """Run a command from the project root and capture its output."""
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def manage(
    args: list[str], env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess:
    """`python manage.py ...` with the venv's interpreter."""
    return run([sys.executable, "manage.py", *args], env, timeout)


def settings_values(module: str, names: list[str], env: dict[str, str]) -> dict:
    """Import a settings module in a fresh interpreter and return the named settings."""
    code = (
        "import importlib, json, sys\n"
        f"m = importlib.import_module({module!r})\n"
        f"print(json.dumps({{n: getattr(m, n) for n in {names!r}}}, default=str))\n"
    )
    result = run([sys.executable, "-c", code], env, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def port_open(host: str, port: int) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(host: str, port: int, name: str) -> None:
    """Skip on a laptop without the server; in CI (CI=true) a missing server is a failure."""
    if port_open(host, port):
        return
    message = f"{name} is not listening on {host}:{port}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
