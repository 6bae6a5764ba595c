"""Background work of assessment: thin tasks that call one service."""

from __future__ import annotations

from django_tasks import task

from .attempts import attempts_expire


@task()
def attempts_expire_task() -> int:
    """Submit attempts past their deadline and grace (run every minute by the scheduler)."""
    return attempts_expire()
