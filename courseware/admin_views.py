"""The courseware screens of the Wagtail admin: packages, their versions, and imports under way.

Every screen is scoped by the tenancy rule: staff see and change their institutions'
packages, national administrators all of them; anything else is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from institutions.api import is_national_admin, staff_institution_ids

from . import services
from .forms import PackageUploadForm, VersionUploadForm
from .importing import PackageImportError
from .models import Activity, ImportJob, Package, PackageVersion


def _require_courseware_staff(request) -> None:
    user = request.user
    if not (is_national_admin(user) or staff_institution_ids(user)):
        raise PermissionDenied


def package_index(request):
    """The packages of the person's institutions, newest first, with the imports under way."""
    _require_courseware_staff(request)
    packages = (
        Package.objects.visible_to(request.user)
        .select_related("institution")
        .order_by("-updated_at", "-pk")
    )
    latest = {}
    for version in PackageVersion.objects.filter(
        package__in=packages, status=PackageVersion.Status.READY
    ).order_by("package_id", "-number"):
        latest.setdefault(version.package_id, version)
    rows = [(package, latest.get(package.pk)) for package in packages[:200]]
    jobs = (
        ImportJob.objects.visible_to(request.user)
        .exclude(status=ImportJob.Status.SUCCEEDED)
        .select_related("institution")[:10]
    )
    return render(request, "courseware/admin/index.html", {"rows": rows, "jobs": jobs})


@require_http_methods(["GET", "POST"])
def package_upload(request):
    """Upload a zip: it is kept and imported in the background, then the progress is shown."""
    _require_courseware_staff(request)
    form = PackageUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.import_job_create(
                actor=request.user,
                institution=form.cleaned_data["institution"],
                file=form.cleaned_data["file"],
                metadata=form.metadata(),
            )
        except PackageImportError as error:
            form.add_error("file", [problem.message for problem in error.problems])
        else:
            return redirect("courseware_admin:job", pk=job.pk)
    return render(request, "courseware/admin/upload.html", {"form": form})


def _job(request, pk: int) -> ImportJob:
    _require_courseware_staff(request)
    return get_object_or_404(
        ImportJob.objects.visible_to(request.user).select_related("package", "institution"), pk=pk
    )


def import_job_detail(request, pk: int):
    """The progress bar of one import, updated by polling `import_job_status`."""
    job = _job(request, pk)
    return render(request, "courseware/admin/job.html", {"job": job, "state": _job_state(job)})


@require_GET
def import_job_status(request, pk: int):
    """The state of an import as JSON, for the progress bar."""
    return JsonResponse(_job_state(_job(request, pk)))


def _job_state(job: ImportJob) -> dict:
    package_url = (
        reverse("courseware_admin:package", kwargs={"pk": job.package_id})
        if job.package_id and job.status == ImportJob.Status.SUCCEEDED
        else ""
    )
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "phase": job.phase,
        "phase_label": job.get_phase_display(),
        "percent": job.percent,
        "done": job.done,
        "total": job.total,
        "finished": job.status in (ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED),
        "problems": job.problems,
        "package_url": package_url,
    }


@require_http_methods(["GET", "POST"])
def package_detail(request, pk: int):
    """A package: its metadata, its versions, the activity tree of the newest, a new upload."""
    _require_courseware_staff(request)
    package = get_object_or_404(
        Package.objects.visible_to(request.user).select_related("institution"), pk=pk
    )
    form = VersionUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not Package.objects.editable_by(request.user).filter(pk=pk).exists():
            raise Http404
        if form.is_valid():
            try:
                job = services.import_job_create(
                    actor=request.user,
                    institution=package.institution,
                    package=package,
                    file=form.cleaned_data["file"],
                )
            except PackageImportError as error:
                form.add_error("file", [problem.message for problem in error.problems])
            else:
                messages.info(request, _("The new version is being imported."))
                return redirect("courseware_admin:job", pk=job.pk)
    versions = list(package.versions.select_related("uploaded_by").order_by("-number"))
    current = next((v for v in versions if v.status == PackageVersion.Status.READY), None)
    activities = (
        Activity.objects.filter(version=current)
        .select_related("organization")
        .order_by("organization__sort_order", "sort_order")
        if current
        else []
    )
    return render(
        request,
        "courseware/admin/package.html",
        {
            "package": package,
            "versions": versions,
            "current": current,
            "activities": activities,
            "form": form,
        },
    )
