"""The one place that reads the process environment.

Every setting that may differ between a laptop and a national deployment is read
here and nowhere else, so `docs/configuration.md` and this file stay the complete list.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
# Data written at run time (SQLite file, uploads, broker queue) lives outside the
# source packages: our `media/` is an app, not a folder of uploads.
VAR_DIR = Path(os.environ.get("TAYNGHE_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    """A string from the environment, or `default`."""
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    """A boolean from the environment: 1/true/yes/on are true."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    """A whole number from the environment, or `default`; anything else stops start-up."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated list from the environment, blanks dropped."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def origin_hosts(origin: str) -> list[str]:
    """The host name of an origin URL (TAYNGHE_CONTENT_ORIGIN), as an ALLOWED_HOSTS entry."""
    host = urlparse(origin.strip()).hostname if origin.strip() else None
    return [host] if host else []


def database_url() -> str:
    """DATABASE_URL, or the embedded SQLite file under var/."""
    return env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'taynghe.sqlite3'}")


def cache_config(url: str) -> dict:
    """Django CACHES['default'] from a URL: locmem://, dummy://, file:///path, redis://host:port/db."""
    parsed = urlparse(url)
    if parsed.scheme in {"redis", "rediss"}:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if parsed.scheme == "file":
        return {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": parsed.path,
        }
    if parsed.scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    if parsed.scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "taynghe"}
    raise ValueError(f"CACHE_URL has an unknown scheme: {url!r}")


@dataclass(frozen=True)
class S3Config:
    """Object storage for uploads when TAYNGHE_S3_BUCKET is set."""

    bucket: str
    endpoint_url: str
    region: str
    access_key: str
    secret_key: str
    custom_domain: str


def s3_config() -> S3Config | None:
    """The S3 bucket settings, or None for the local folder."""
    bucket = env_str("TAYNGHE_S3_BUCKET")
    if not bucket:
        return None
    return S3Config(
        bucket=bucket,
        endpoint_url=env_str("TAYNGHE_S3_ENDPOINT_URL"),
        region=env_str("TAYNGHE_S3_REGION", "us-east-1"),
        access_key=env_str("TAYNGHE_S3_ACCESS_KEY_ID"),
        secret_key=env_str("TAYNGHE_S3_SECRET_ACCESS_KEY"),
        custom_domain=env_str("TAYNGHE_S3_CUSTOM_DOMAIN"),
    )


def broker_url() -> str:
    """The Celery broker: a folder on disk by default (no server), redis:// or amqp:// at scale."""
    return env_str("CELERY_BROKER_URL", "filesystem://")


def search_backend() -> dict:
    """Wagtail search: the database backend, or Elasticsearch when ELASTICSEARCH_URL is set.

    ELASTICSEARCH_URL is one node URL or a comma-separated list of a cluster's nodes;
    credentials go in the URL (http://user:password@host:9200) and `?index=name`
    names the indices (name_wagtailcore_page, ...), so deployments can share a cluster.
    """
    es_urls = env_list("ELASTICSEARCH_URL")
    if es_urls:
        options: dict[str, list[str]] = {}
        for url in es_urls:
            options.update(parse_qs(urlparse(url).query))
        return {
            "BACKEND": "wagtail.search.backends.elasticsearch8",
            "URLS": [url.split("?")[0] for url in es_urls],
            # Wagtail 8's backends (modelsearch) read INDEX_PREFIX; the older INDEX is ignored.
            "INDEX_PREFIX": options.get("index", ["taynghe"])[0] + "_",
            "TIMEOUT": 10,
        }
    return {"BACKEND": "wagtail.search.backends.database"}
