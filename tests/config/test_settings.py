"""Settings come from environment variables read in config/env.py; production refuses to guess.

Each settings module is imported in a fresh interpreter with a clean environment, so the
test process's own settings and environment cannot leak into what is checked.
"""

from __future__ import annotations

import sys

import dj_database_url
import pytest

from config import env

from .support import GOOD_SECRET, clean_env, manage, port_open, run, settings_values

PRODUCTION = "config.settings.production"


def _production_env(tmp_path, **overrides):
    values = {
        "DJANGO_SETTINGS_MODULE": PRODUCTION,
        "DJANGO_SECRET_KEY": GOOD_SECRET,
        "DJANGO_ALLOWED_HOSTS": "taynghe.example.vn",
    }
    values.update(overrides)
    return clean_env(tmp_path, **{k: v for k, v in values.items() if v is not None})


@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        (None, "unset"),
        ("", "empty"),
        ("too-short-0123456789", "shorter than 50 characters"),
        ("django-insecure-" + "x1y2z3" * 10, "Django's generated placeholder"),
        ("ab" * 30, "fewer than 5 distinct characters"),
    ],
)
def test_production_refuses_to_start_without_a_proper_secret(tmp_path, secret, reason):
    result = manage(["check"], _production_env(tmp_path, DJANGO_SECRET_KEY=secret))
    assert result.returncode != 0, reason
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize("hosts", [None, "", "*", "taynghe.example.vn,*"])
def test_production_refuses_to_start_without_named_hosts(tmp_path, hosts):
    result = manage(["check"], _production_env(tmp_path, DJANGO_ALLOWED_HOSTS=hosts))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_production_passes_check_deploy_with_no_warnings(tmp_path):
    result = manage(["check", "--deploy", "--fail-level", "WARNING"], _production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stderr


def test_production_hardening(tmp_path):
    values = settings_values(
        PRODUCTION,
        ["DEBUG", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "STORAGES"],
        _production_env(tmp_path, DJANGO_ALLOWED_HOSTS="taynghe.example.vn, .taynghe.edu.vn"),
    )
    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["taynghe.example.vn", ".taynghe.edu.vn"]
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["STORAGES"]["staticfiles"]["BACKEND"].startswith("whitenoise.")


# Database


def test_database_url_postgres(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://taynghe:s3cret@db.internal:6432/taynghe")
    config = dj_database_url.parse(env.database_url())
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("taynghe", "taynghe", "s3cret")
    assert (config["HOST"], config["PORT"]) == ("db.internal", 6432)


def test_database_url_sqlite(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/other.sqlite3")
    config = dj_database_url.parse(env.database_url())
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == f"{tmp_path}/other.sqlite3"


def test_database_defaults_to_sqlite_under_var_dir(tmp_path):
    values = settings_values("config.settings.base", ["DATABASES"], clean_env(tmp_path))
    assert values["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert values["DATABASES"]["default"]["NAME"] == str(tmp_path / "taynghe.sqlite3")


def test_database_url_reaches_postgresql(tmp_path):
    if not port_open("127.0.0.1", 5432):
        pytest.skip("PostgreSQL is not listening on 127.0.0.1:5432")
    code = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute('select 1')\n"
        "    print(connection.vendor, c.fetchone()[0])\n"
    )
    environment = clean_env(
        tmp_path,
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        # The server's maintenance database: only connected to, never written.
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
    )
    result = run([sys.executable, "-c", code], environment)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["postgresql", "1"]


# Cache


@pytest.mark.parametrize(
    ("url", "backend", "location"),
    [
        (
            "redis://127.0.0.1:6379/2",
            "django.core.cache.backends.redis.RedisCache",
            "redis://127.0.0.1:6379/2",
        ),
        (
            "rediss://cache.internal:6380/0",
            "django.core.cache.backends.redis.RedisCache",
            "rediss://cache.internal:6380/0",
        ),
        ("locmem://", "django.core.cache.backends.locmem.LocMemCache", "taynghe"),
        (
            "file:///var/cache/taynghe",
            "django.core.cache.backends.filebased.FileBasedCache",
            "/var/cache/taynghe",
        ),
        ("dummy://", "django.core.cache.backends.dummy.DummyCache", None),
    ],
)
def test_cache_url(url, backend, location):
    config = env.cache_config(url)
    assert config["BACKEND"] == backend
    assert config.get("LOCATION") == location


@pytest.mark.parametrize("url", ["memcached://127.0.0.1:11211", "redis", ""])
def test_cache_url_with_an_unknown_scheme_raises(url):
    with pytest.raises(ValueError, match="CACHE_URL"):
        env.cache_config(url)


def test_cache_url_reaches_settings(tmp_path):
    environment = clean_env(tmp_path, CACHE_URL="redis://127.0.0.1:6379/3")
    values = settings_values("config.settings.base", ["CACHES"], environment)
    assert values["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert (
        settings_values("config.settings.base", ["CACHES"], clean_env(tmp_path))["CACHES"][
            "default"
        ]["BACKEND"]
        == "django.core.cache.backends.locmem.LocMemCache"
    )


def test_bad_cache_url_stops_startup(tmp_path):
    environment = clean_env(
        tmp_path, DJANGO_SETTINGS_MODULE="config.settings.dev", CACHE_URL="memcached://x"
    )
    result = manage(["check"], environment)
    assert result.returncode != 0
    assert "CACHE_URL has an unknown scheme" in result.stderr


# File storage


def test_uploads_go_to_a_local_folder_by_default(tmp_path):
    values = settings_values(
        "config.settings.base", ["STORAGES", "MEDIA_ROOT"], clean_env(tmp_path)
    )
    assert values["STORAGES"]["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert values["MEDIA_ROOT"] == str(tmp_path / "files")


S3_ENV = {
    "TAYNGHE_S3_BUCKET": "taynghe-files",
    "TAYNGHE_S3_ENDPOINT_URL": "http://minio.internal:9000",
    "TAYNGHE_S3_REGION": "ap-southeast-1",
    "TAYNGHE_S3_ACCESS_KEY_ID": "test-access-key",
    "TAYNGHE_S3_SECRET_ACCESS_KEY": "test-secret-key",
}


def test_s3_storage_selected_when_a_bucket_is_set(tmp_path):
    environment = _production_env(tmp_path, **S3_ENV)
    storages = settings_values(PRODUCTION, ["STORAGES"], environment)["STORAGES"]
    assert storages["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storages["default"]["OPTIONS"]
    assert options["bucket_name"] == "taynghe-files"
    assert options["endpoint_url"] == "http://minio.internal:9000"
    assert options["region_name"] == "ap-southeast-1"
    assert options["access_key"] == "test-access-key"
    assert options["secret_key"] == "test-secret-key"
    assert options["querystring_auth"] is True
    # Static files stay with whitenoise in the image; only uploads move to the bucket.
    assert storages["staticfiles"]["BACKEND"].startswith("whitenoise.")


def test_s3_storage_signs_urls_for_the_endpoint(tmp_path):
    """boto3 builds a presigned URL offline: proves the options are ones it accepts."""
    code = (
        "import django; django.setup()\n"
        "from django.core.files.storage import default_storage\n"
        "print(default_storage.url('courseware/bai-1.pdf'))\n"
    )
    environment = clean_env(tmp_path, DJANGO_SETTINGS_MODULE="config.settings.dev", **S3_ENV)
    result = run([sys.executable, "-c", code], environment)
    assert result.returncode == 0, result.stderr
    url = result.stdout.strip()
    assert url.startswith("http://minio.internal:9000/taynghe-files/courseware/bai-1.pdf?")
    assert "X-Amz-Signature=" in url


# Background work


def test_celery_broker_defaults_to_a_folder_under_var_dir(tmp_path):
    names = ["CELERY_BROKER_URL", "CELERY_BROKER_TRANSPORT_OPTIONS", "CELERY_RESULT_BACKEND"]
    values = settings_values("config.settings.base", names, clean_env(tmp_path))
    assert values["CELERY_BROKER_URL"] == "filesystem://"
    assert values["CELERY_RESULT_BACKEND"] is None
    options = values["CELERY_BROKER_TRANSPORT_OPTIONS"]
    for key in ["data_folder_in", "data_folder_out", "processed_folder", "control_folder"]:
        assert options[key].startswith(str(tmp_path / "broker")), key


def test_celery_broker_from_environment(tmp_path):
    environment = clean_env(
        tmp_path,
        CELERY_BROKER_URL="amqp://taynghe:pw@rabbit:5672/taynghe",
        CELERY_RESULT_BACKEND="redis://redis:6379/1",
    )
    names = ["CELERY_BROKER_URL", "CELERY_BROKER_TRANSPORT_OPTIONS", "CELERY_RESULT_BACKEND"]
    values = settings_values("config.settings.base", names, environment)
    assert values["CELERY_BROKER_URL"] == "amqp://taynghe:pw@rabbit:5672/taynghe"
    assert values["CELERY_BROKER_TRANSPORT_OPTIONS"] == {}
    assert values["CELERY_RESULT_BACKEND"] == "redis://redis:6379/1"


def test_wagtail_tasks_run_immediately_by_default(tmp_path):
    values = settings_values("config.settings.base", ["TASKS"], clean_env(tmp_path))
    assert (
        values["TASKS"]["default"]["BACKEND"] == "django_tasks.backends.immediate.ImmediateBackend"
    )


def test_wagtail_tasks_database_backend_and_its_worker(tmp_path):
    environment = clean_env(
        tmp_path,
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
    )
    values = settings_values("config.settings.base", ["TASKS"], environment)
    assert values["TASKS"]["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    # The compose file's `tasks` service runs this command.
    result = manage(["db_worker", "--help"], environment)
    assert result.returncode == 0, result.stderr
    assert "Run a database background worker" in result.stdout


# Search


def test_search_uses_the_database_backend_by_default(tmp_path):
    values = settings_values(
        "config.settings.base", ["WAGTAILSEARCH_BACKENDS"], clean_env(tmp_path)
    )
    assert values["WAGTAILSEARCH_BACKENDS"]["default"] == {
        "BACKEND": "wagtail.search.backends.database"
    }


def test_elasticsearch_url_selects_elasticsearch8(tmp_path):
    environment = clean_env(
        tmp_path, ELASTICSEARCH_URL="http://elastic:pw@es1:9200,http://elastic:pw@es2:9200?index=tn"
    )
    values = settings_values("config.settings.base", ["WAGTAILSEARCH_BACKENDS"], environment)
    backend = values["WAGTAILSEARCH_BACKENDS"]["default"]
    assert backend["BACKEND"] == "wagtail.search.backends.elasticsearch8"
    assert backend["URLS"] == ["http://elastic:pw@es1:9200", "http://elastic:pw@es2:9200"]
    assert backend["INDEX_PREFIX"] == "tn_"


def test_elasticsearch_backend_accepts_the_settings(tmp_path):
    """Builds the backend (no connection is made): needs the `elasticsearch` extra."""
    pytest.importorskip("elasticsearch", reason="pip install '.[elasticsearch]'")
    code = (
        "import django; django.setup()\n"
        "from wagtail.search.backends import get_search_backend\n"
        "backend = get_search_backend()\n"
        "from lms.models import CoursePage\n"
        "print(type(backend).__module__, backend.get_index_for_model(CoursePage).name, len(backend.hosts))\n"
    )
    environment = clean_env(
        tmp_path,
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        ELASTICSEARCH_URL="http://elastic:pw@127.0.0.1:9,http://elastic:pw@127.0.0.2:9",
    )
    result = run([sys.executable, "-c", code], environment)
    assert result.returncode == 0, result.stderr
    module, index, hosts = result.stdout.split()
    assert module.startswith("modelsearch.backends.elasticsearch8")
    assert index == "taynghe_wagtailcore_page"
    assert hosts == "2"


def test_courseware_limits_come_from_the_environment(tmp_path):
    environment = clean_env(tmp_path, COURSEWARE_MAX_FILES="7", COURSEWARE_MAX_ARCHIVE_BYTES="1000")
    names = [
        "COURSEWARE_MAX_FILES",
        "COURSEWARE_MAX_ARCHIVE_BYTES",
        "COURSEWARE_MAX_COMPRESSION_RATIO",
    ]
    assert settings_values("config.settings.base", names, environment) == {
        "COURSEWARE_MAX_FILES": 7,
        "COURSEWARE_MAX_ARCHIVE_BYTES": 1000,
        "COURSEWARE_MAX_COMPRESSION_RATIO": 200,
    }


def test_a_courseware_limit_that_is_not_a_number_stops_start_up(monkeypatch):
    monkeypatch.setenv("COURSEWARE_MAX_FILES", "many")
    with pytest.raises(ValueError, match="COURSEWARE_MAX_FILES must be a whole number"):
        env.env_int("COURSEWARE_MAX_FILES", 1)
    monkeypatch.setenv("COURSEWARE_MAX_FILES", " ")
    assert env.env_int("COURSEWARE_MAX_FILES", 1) == 1
