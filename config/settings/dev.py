"""The embedded default: one laptop, SQLite under var/, local files, no servers."""

from .base import *  # noqa: F403

DEBUG = env.env_bool("DJANGO_DEBUG", True)  # noqa: F405
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-never-in-production"  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
