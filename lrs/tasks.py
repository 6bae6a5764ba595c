"""Background work of the LRS: thin tasks that call one service."""

from __future__ import annotations

from django_tasks import task

from .forwarding import forward_due


@task()
def lrs_forward_task() -> dict:
    """Send the statements due to every forwarding destination (run every minute)."""
    report = forward_due()
    return {"sent": report.sent, "retried": report.retried, "failed": report.failed}
