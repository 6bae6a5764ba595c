"""The Dockerfile and compose.yaml say what the deployment needs; no container engine runs
here, so these tests read them and hold them to the settings the code actually reads."""

from __future__ import annotations

import re

import pytest
import yaml

from .support import ROOT

APP_SERVICES = {"web", "worker", "tasks", "migrate"}
ONE_SHOT = {"migrate", "minio-init"}
# Long-running services with nothing to probe from outside (documented in compose.yaml).
NO_PROBE = {"tasks"}
# Set in compose for the app but read by Django itself, not by config/env.py.
READ_BY_DJANGO = {"DJANGO_SETTINGS_MODULE"}


def config_env_vars() -> set[str]:
    """Every environment variable config/ reads, through config.env's helpers."""
    pattern = re.compile(r"""env_(?:str|bool|list)\(\s*["']([A-Z0-9_]+)["']""")
    environ = re.compile(r"""os\.environ(?:\.get)?[(\[]\s*["']([A-Z0-9_]+)["']""")
    names: set[str] = set()
    for path in (ROOT / "config").rglob("*.py"):
        text = path.read_text()
        names |= set(pattern.findall(text)) | set(environ.findall(text))
    return names


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def _instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    result = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            result.append((keyword.upper(), " ".join(rest.split())))
    return result


def _json_list(arguments: str) -> list[str]:
    return yaml.safe_load(arguments)  # JSON exec form is YAML too


def test_config_reads_the_variables_the_docs_promise():
    names = config_env_vars()
    for expected in [
        "DJANGO_SECRET_KEY",
        "DJANGO_ALLOWED_HOSTS",
        "DATABASE_URL",
        "CACHE_URL",
        "CELERY_BROKER_URL",
        "TASKS_BACKEND",
        "ELASTICSEARCH_URL",
        "TAYNGHE_S3_BUCKET",
        "TAYNGHE_VAR_DIR",
    ]:
        assert expected in names


def test_every_variable_config_reads_is_documented():
    doc = (ROOT / "docs" / "configuration.md").read_text()
    missing = sorted(name for name in config_env_vars() if f"`{name}`" not in doc)
    assert missing == []


# Dockerfile


def test_dockerfile_base_and_packages():
    instructions = _instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim-bookworm")
    runs = " ".join(args for keyword, args in instructions if keyword == "RUN")
    for package in ["ffmpeg", "gettext"]:
        assert package in runs
    assert "--no-install-recommends" in runs
    assert "rm -rf /var/lib/apt/lists/*" in runs
    assert """pip install ".[elasticsearch]\"""" in runs


def test_dockerfile_builds_translations_and_static_files_with_a_build_only_secret():
    instructions = _instructions()
    build = next(
        args for keyword, args in instructions if keyword == "RUN" and "collectstatic" in args
    )
    assert "manage.py compilemessages" in build
    assert "manage.py collectstatic --noinput" in build
    assert "DJANGO_SECRET_KEY=" in build
    env = " ".join(args for keyword, args in instructions if keyword in {"ENV", "ARG"})
    assert "DJANGO_SECRET_KEY" not in env, "the build secret must not persist in the image"
    assert "DJANGO_SETTINGS_MODULE=config.settings.production" in env


def test_dockerfile_runs_gunicorn_as_a_non_root_user():
    instructions = _instructions()
    users = [args for keyword, args in instructions if keyword == "USER"]
    assert users, "no USER: the container would run as root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    # Nothing runs as root after the switch.
    last_user = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "USER")
    assert all(keyword != "RUN" for keyword, _ in instructions[last_user:])
    cmd = _json_list(next(args for keyword, args in instructions if keyword == "CMD"))
    assert cmd[:2] == ["gunicorn", "config.wsgi"]
    assert cmd[cmd.index("--config") + 1] == "python:config.gunicorn"
    assert cmd[cmd.index("--bind") + 1] == "0.0.0.0:8000"
    healthcheck = next(args for keyword, args in instructions if keyword == "HEALTHCHECK")
    assert "config.healthcheck" in healthcheck


def test_dockerignore_keeps_secrets_and_local_state_out():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in [".git", ".venv", ".env", "var", "node_modules"]:
        assert entry in ignored


def test_image_build_commands_are_the_makefiles():
    """The image compiles messages exactly as `make messages` does."""
    makefile = (ROOT / "Makefile").read_text()
    make_line = re.search(r"\$\(MANAGE\) (compilemessages[^\n]*)", makefile).group(1)
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert f"manage.py {make_line}" in dockerfile


# compose.yaml


def test_compose_has_the_national_stack(compose):
    assert set(compose["services"]) == APP_SERVICES | {
        "postgres",
        "redis",
        "elasticsearch",
        "minio",
        "minio-init",
    }
    images = {name: service.get("image", "") for name, service in compose["services"].items()}
    assert images["postgres"] == "postgres:15"
    assert images["redis"] == "redis:7"
    assert re.fullmatch(r"elasticsearch:8\.\d+\.\d+", images["elasticsearch"])
    assert images["minio"].startswith("minio/minio:RELEASE.")


def test_compose_app_services_run_the_image_commands(compose):
    services = compose["services"]
    for name in APP_SERVICES:
        assert services[name]["build"] == "."
    web = services["web"]["command"]
    assert web[:2] == ["gunicorn", "config.wsgi"]
    assert web[web.index("--config") + 1] == "python:config.gunicorn"
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["tasks"]["command"][:3] == ["python", "manage.py", "db_worker"]
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]


def test_compose_passes_only_variables_config_reads(compose):
    known = config_env_vars() | READ_BY_DJANGO
    for name in APP_SERVICES:
        passed = set(compose["services"][name]["environment"])
        assert passed - known == set(), name


def test_compose_selects_the_scale_backends(compose):
    env = compose["services"]["web"]["environment"]
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert env["DATABASE_URL"].startswith("postgres://")
    assert "@postgres:5432/" in env["DATABASE_URL"]
    assert (
        env["CELERY_BROKER_URL"].startswith("redis://")
        and "@redis:6379/" in env["CELERY_BROKER_URL"]
    )
    assert env["CACHE_URL"].startswith("redis://")
    assert env["TASKS_BACKEND"] == "django_tasks_db.DatabaseBackend"
    assert "@elasticsearch:9200" in env["ELASTICSEARCH_URL"]
    assert env["TAYNGHE_S3_BUCKET"]


def test_compose_holds_no_secret(compose):
    """Every secret is interpolated from .env, and compose refuses to start without it."""
    env = compose["services"]["web"]["environment"]
    for name in ["DJANGO_SECRET_KEY", "TAYNGHE_S3_SECRET_ACCESS_KEY"]:
        assert re.fullmatch(r"\$\{" + name + r":\?[^}]*\}", env[name]), name
    for url in ["DATABASE_URL", "CACHE_URL", "ELASTICSEARCH_URL"]:
        assert re.search(r":\$\{[A-Z_]+PASSWORD(:\?[^}]*)?\}@", env[url]), url


def test_env_example_lists_every_interpolated_variable_and_no_secret():
    text = (ROOT / "compose.yaml").read_text()
    interpolated = set(re.findall(r"\$\{([A-Z0-9_]+)", text))
    example = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            example[key] = value
    optional = {
        "TAYNGHE_IMAGE",
        "DJANGO_CSRF_TRUSTED_ORIGINS",
        "TAYNGHE_S3_REGION",
        "TAYNGHE_S3_CUSTOM_DOMAIN",
        "TAYNGHE_S3_PORT",
    }
    assert interpolated - set(example) - optional == set()
    for key, value in example.items():
        if key.endswith(("SECRET_KEY", "PASSWORD", "SECRET_ACCESS_KEY")):
            assert value == "", f"{key} must be left empty in .env.example"


def test_compose_healthchecks_and_start_order(compose):
    services = compose["services"]
    for name, service in services.items():
        check = service.get("healthcheck", {})
        if name in ONE_SHOT or name in NO_PROBE:
            assert check.get("disable") is True, name
        else:
            assert check.get("test"), f"{name} has no healthcheck"
        if name in ONE_SHOT:
            assert service["restart"] == "no"
        for dependency, rule in service.get("depends_on", {}).items():
            condition = rule["condition"]
            if dependency in ONE_SHOT:
                assert condition == "service_completed_successfully", (name, dependency)
            else:
                assert condition == "service_healthy", (name, dependency)
                assert services[dependency]["healthcheck"].get("test"), dependency
    for name in ["web", "worker", "tasks"]:
        assert set(services[name]["depends_on"]) >= {
            "migrate",
            "redis",
            "elasticsearch",
            "minio-init",
        }


def test_compose_data_lives_in_named_volumes(compose):
    declared = set(compose["volumes"])
    used = set()
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            assert not source.startswith((".", "/")), f"bind mount {volume}"
            used.add(source)
    assert used == declared == {"pgdata", "redisdata", "esdata", "miniodata"}


def test_compose_elasticsearch_security_is_explicit(compose):
    env = compose["services"]["elasticsearch"]["environment"]
    assert env["discovery.type"] == "single-node"
    assert env["xpack.security.enabled"] == "true"
    assert "ELASTIC_PASSWORD" in env
    assert "ports" not in compose["services"]["elasticsearch"]


def test_minio_init_creates_the_bucket(compose):
    script = " ".join(compose["services"]["minio-init"]["command"])
    assert "mc mb --ignore-existing" in script
    assert '"store/$$TAYNGHE_S3_BUCKET"' in script
    assert "mc admin user add" in script
