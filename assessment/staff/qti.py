"""Admin screens: QTI import and export (see `assessment/staff/__init__.py`).

Import a package into a bank and read the item-by-item report; export a bank, chosen items
of it, or an exam as QTI 2.1, 2.2 or 3.0. Banks and exams another institution keeps
private are 404s here; the services check the same rules again (docs/qti.md).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse_lazy
from django.utils.text import slugify
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from wagtail.admin.menu import MenuItem

from institutions.api import is_national_admin, staff_institution_ids

from .. import questions
from ..models import Exam, ItemBank
from ..qti.package import QtiPackageError
from ..qti.services import (
    importable_banks,
    qti_export_bank,
    qti_export_exam,
    qti_import,
)
from ..selectors import latest_versions

VERSION_CHOICES = [("2.1", "QTI 2.1"), ("2.2", "QTI 2.2"), ("3.0", "QTI 3.0")]


def _require_staff(request) -> None:
    user = request.user
    if not (is_national_admin(user) or staff_institution_ids(user)):
        raise PermissionDenied


def _exams(user):
    exams = Exam.objects.select_related("institution").order_by("-pk")
    if is_national_admin(user):
        return exams
    return exams.filter(institution__in=staff_institution_ids(user))


class ImportForm(forms.Form):
    """A package and the bank it goes into."""

    bank = forms.ModelChoiceField(queryset=ItemBank.objects.none(), label=gettext_lazy("Item bank"))
    file = forms.FileField(
        label=gettext_lazy("QTI package (.zip)"),
        help_text=gettext_lazy(
            "An IMS content package of QTI 2.1, 2.2 or 3.0 items, with imsmanifest.xml."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bank"].queryset = importable_banks(user).select_related("institution")


@require_GET
def index(request):
    """Banks to export or import into, and exams to export."""
    _require_staff(request)
    banks = (
        ItemBank.objects.visible_to(request.user)
        .select_related("institution")
        .annotate(item_count=Count("items"))
        .order_by("institution__code", "name")
    )
    return render(
        request,
        "assessment/staff/qti/index.html",
        {"banks": banks[:500], "exams": _exams(request.user)[:200], "versions": VERSION_CHOICES},
    )


@require_http_methods(["GET", "POST"])
def import_package(request):
    """Upload a package into a bank; the answer is the item-by-item report."""
    _require_staff(request)
    initial = {"bank": request.GET.get("bank")} if request.GET.get("bank") else None
    form = ImportForm(
        request.POST or None, request.FILES or None, user=request.user, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        bank = form.cleaned_data["bank"]
        try:
            report = qti_import(actor=request.user, bank=bank, fileobj=form.cleaned_data["file"])
        except QtiPackageError as error:
            form.add_error("file", error.message)
        else:
            labels = dict(questions.choices())
            return render(
                request,
                "assessment/staff/qti/report.html",
                {
                    "bank": bank,
                    "report": report,
                    "rows": [(item, labels.get(item.question_type, "")) for item in report.items],
                    "name": form.cleaned_data["file"].name,
                },
            )
    status = 400 if request.method == "POST" else 200
    return render(request, "assessment/staff/qti/import.html", {"form": form}, status=status)


def _zip(data: bytes, name: str, version: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/zip")
    filename = f"{slugify(name) or 'qti'}-qti{version.replace('.', '')}.zip"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _version(request) -> str:
    version = request.GET.get("version", "2.1")
    if version not in dict(VERSION_CHOICES):
        raise Http404
    return version


@require_GET
def bank_detail(request, bank_id: int):
    """A bank's items, to export all or some of them."""
    _require_staff(request)
    bank = get_object_or_404(ItemBank.objects.visible_to(request.user), pk=bank_id)
    versions = latest_versions(user=request.user, bank=bank)
    can_import = importable_banks(request.user).filter(pk=bank.pk).exists()
    return render(
        request,
        "assessment/staff/qti/bank.html",
        {
            "bank": bank,
            "versions": versions[:1000],
            "qti_versions": VERSION_CHOICES,
            "can_import": can_import,
        },
    )


@require_GET
def bank_export(request, bank_id: int):
    """The bank (or the items ticked, `?item=…`) as a QTI package."""
    _require_staff(request)
    bank = get_object_or_404(ItemBank.objects.visible_to(request.user), pk=bank_id)
    version = _version(request)
    chosen = request.GET.getlist("item")
    item_ids = None
    if chosen:
        try:
            item_ids = [int(value) for value in chosen]
        except ValueError as exc:
            raise Http404 from exc
    try:
        data = qti_export_bank(
            actor=request.user, bank=bank, qti_version=version, item_ids=item_ids
        )
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=400, content_type="text/plain")
    return _zip(data, bank.name, version)


@require_GET
def exam_export(request, exam_id: int):
    """An exam's current version as a QTI test package."""
    _require_staff(request)
    exam = get_object_or_404(_exams(request.user), pk=exam_id)
    version = _version(request)
    try:
        data = qti_export_exam(actor=request.user, exam=exam, qti_version=version)
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=400, content_type="text/plain")
    return _zip(data, exam.title, version)


urlpatterns = [
    path("", index, name="index"),
    path("import/", import_package, name="import"),
    path("banks/<int:bank_id>/", bank_detail, name="bank"),
    path("banks/<int:bank_id>/export", bank_export, name="bank_export"),
    path("exams/<int:exam_id>/export", exam_export, name="exam_export"),
]


def menu_items():
    """The entries this part adds to the "Assessment" admin menu."""
    return [
        MenuItem(
            gettext_lazy("QTI import and export"),
            reverse_lazy("assessment_qti:index"),
            icon_name="download",
            order=300,
        )
    ]
