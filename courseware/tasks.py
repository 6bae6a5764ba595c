"""Background tasks of courseware: thin wrappers that take ids and call a service."""

from django_tasks import task

from . import services


@task()
def import_job_run_task(job_id: int) -> None:
    """Import the package upload kept for job `job_id` (see `services.import_job_run`)."""
    services.import_job_run(job_id=job_id)
