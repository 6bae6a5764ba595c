"""The image's own commands, run here once: build-time compilemessages and collectstatic
with production settings, then the web command (gunicorn config.wsgi) answering /healthz."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import time

import pytest

from .support import BIN, ROOT, clean_env, free_port, run

HOST = "taynghe.example.vn"
# Throwaway, like the Dockerfile's build-only secret.
BUILD_SECRET = "build-only-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOP"


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory):
    """TAYNGHE_VAR_DIR after the Dockerfile's build step (its exact commands)."""
    path = tmp_path_factory.mktemp("var")
    env = clean_env(
        path,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=BUILD_SECRET,
        DJANGO_ALLOWED_HOSTS="build.invalid",
    )
    python = sys.executable
    for command in [
        [python, "manage.py", "compilemessages", "--ignore=.venv", "--ignore=node_modules", "-v0"],
        [python, "manage.py", "collectstatic", "--noinput", "-v0"],
    ]:
        result = run(command, env, timeout=300)
        assert result.returncode == 0, result.stderr
    return path


def test_build_step_compiles_messages_and_collects_hashed_static_files(var_dir):
    assert (ROOT / "locale" / "vi" / "LC_MESSAGES" / "django.mo").is_file()
    manifest = json.loads((var_dir / "static" / "staticfiles.json").read_text())
    assert manifest["paths"]
    assert (var_dir / "static" / "wagtailadmin").is_dir()


@pytest.fixture(scope="module")
def gunicorn(var_dir):
    """The image's CMD, on a free local port, with production settings and no build secret."""
    port = free_port()
    env = clean_env(
        var_dir,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="run-time-" + BUILD_SECRET[::-1],
        DJANGO_ALLOWED_HOSTS=HOST,
    )
    log = var_dir / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "config.wsgi",
                "--config",
                "python:config.gunicorn",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while not _answers(port):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield port, env
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def _answers(port: int) -> bool:
    try:
        _get(port, "/healthz")
        return True
    except OSError:
        return False


def _get(port: int, path: str, host: str = HOST, headers: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers={"Host": host, **(headers or {})})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_gunicorn_answers_healthz_over_plain_http(gunicorn):
    port, _ = gunicorn
    status, _, body = _get(port, "/healthz")
    assert (status, body) == (200, b"ok")


def test_container_healthcheck_command_passes(gunicorn):
    port, env = gunicorn
    result = run([sys.executable, "-m", "config.healthcheck", str(port)], env, timeout=30)
    assert result.returncode == 0, result.stderr


def test_container_healthcheck_command_fails_when_nothing_listens(var_dir):
    env = clean_env(var_dir, DJANGO_ALLOWED_HOSTS=HOST)
    result = run([sys.executable, "-m", "config.healthcheck", str(free_port())], env, timeout=30)
    assert result.returncode == 1


def test_production_redirects_plain_http_to_https(gunicorn):
    port, _ = gunicorn
    status, headers, _ = _get(port, "/")
    assert status == 301
    assert headers["Location"] == f"https://{HOST}/"


def test_whitenoise_serves_the_collected_static_files(gunicorn, var_dir):
    port, _ = gunicorn
    manifest = json.loads((var_dir / "static" / "staticfiles.json").read_text())
    hashed = next(iter(manifest["paths"].values()))
    status, headers, _ = _get(port, f"/static/{hashed}", headers={"X-Forwarded-Proto": "https"})
    assert status == 200
    assert "max-age=315360000" in headers.get("Cache-Control", "")
