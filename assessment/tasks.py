"""Background work of assessment: thin tasks that call one service."""

from __future__ import annotations

from django_tasks import task

from .attempts import attempts_expire


@task()
def attempts_expire_task() -> int:
    """Submit attempts past their deadline and grace (run every minute by the scheduler)."""
    return attempts_expire()


@task()
def exam_statistics_task(
    *, user_id: int, exam_id: int, version_id: int | None, attempts: str, key: str, language: str
) -> None:
    """Compute an exam's item statistics for the screen, with progress (see
    `statistics.statistics_job_run`), as the person who asked and in their language."""
    from django.contrib.auth import get_user_model
    from django.utils import translation

    from . import statistics
    from .models import Exam, ExamVersion

    user = get_user_model().objects.get(pk=user_id)
    exam = Exam.objects.get(pk=exam_id)
    version = ExamVersion.objects.get(pk=version_id, exam=exam) if version_id else None
    with translation.override(language):
        statistics.statistics_job_run(
            user=user, exam=exam, version=version, attempts=attempts, key=key
        )
