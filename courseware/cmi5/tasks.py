"""Background work of cmi5: thin tasks that call one service."""

from __future__ import annotations

from django_tasks import task

from .services import sessions_expire


@task()
def cmi5_sessions_expire_task() -> int:
    """Abandon cmi5 sessions left open over 12 hours (run hourly by the scheduler)."""
    return sessions_expire()
