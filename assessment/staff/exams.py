"""Admin screens: exams (see `assessment/staff/__init__.py`).

Examiners list their institutions' exams, create one, edit its settings and sections
(fixed items searched in readable banks, blueprint rules with a live count of matching
items), grant accommodations, publish it, and, for a standalone sitting in a test centre,
prepare the candidates' attempts and print their list with the access code. Every write
goes through `assessment.exams` / `assessment.attempts`, which check permission, audit,
and make a new version when the exam already has attempts. Every read starts from the
tenancy scope: another institution's exam is a 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from wagtail.admin.menu import MenuItem

from institutions.api import InstitutionRole, is_national_admin, staff_institution_ids

from .. import attempts, exams
from ..models import (
    Accommodation,
    Attempt,
    Exam,
    ExamVersion,
    ItemBank,
    ItemVersion,
    ItemVersionLabel,
)
from . import banks

# ---------------------------------------------------------------------------
# Forms.

DATETIME = "%Y-%m-%dT%H:%M"


def _datetime_field(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        input_formats=[DATETIME, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME),
    )


class ExamSettingsForm(forms.ModelForm):
    """An exam's title and the settings of its current version."""

    title = forms.CharField(label=gettext_lazy("Title"), max_length=255)
    opens_at = _datetime_field(gettext_lazy("Opens at"))
    closes_at = _datetime_field(gettext_lazy("Closes at"))
    allowed_networks = forms.CharField(
        label=gettext_lazy("Allowed IP ranges"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "One CIDR range per line, such as 10.20.0.0/16; empty allows any network."
        ),
    )

    class Meta:
        model = ExamVersion
        fields = list(exams.SETTINGS)
        widgets = {"instructions": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, exam: Exam | None = None, **kwargs):
        version = exam.current_version if exam is not None else None
        initial = kwargs.pop("initial", {})
        if version is not None:
            initial.setdefault("title", exam.title)
            initial.setdefault("allowed_networks", "\n".join(version.allowed_networks))
        # An unsaved copy: the form's model validation must not touch the stored version.
        instance = ExamVersion()
        if version is not None:
            for name in exams.SETTINGS:
                setattr(instance, name, getattr(version, name))
        super().__init__(*args, instance=instance, initial=initial, **kwargs)
        self.order_fields(["title"])

    def clean_allowed_networks(self) -> list[str]:
        value = self.cleaned_data.get("allowed_networks") or ""
        return [line.strip() for line in value.splitlines() if line.strip()]

    def settings(self) -> dict:
        """The cleaned settings, as `exam_create` / `exam_update` take them."""
        return {name: self.cleaned_data[name] for name in exams.SETTINGS}


class ExamCreateForm(ExamSettingsForm):
    """A new exam: its institution, then the same settings."""

    institution = forms.ModelChoiceField(
        label=gettext_lazy("Institution"), queryset=None, empty_label=None
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = _institutions(user)
        self.order_fields(["institution", "title"])


class RuleForm(forms.Form):
    """A blueprint rule: draw `count` items of a bank having a tag / outcome / difficulty."""

    bank = forms.ModelChoiceField(label=gettext_lazy("Item bank"), queryset=None)
    count = forms.IntegerField(label=gettext_lazy("Number of items"), min_value=1, max_value=500)
    tag = forms.CharField(label=gettext_lazy("Tag"), required=False, max_length=255)
    outcome_code = forms.CharField(
        label=gettext_lazy("Competency or outcome code"), required=False, max_length=255
    )
    difficulty = forms.TypedChoiceField(
        label=gettext_lazy("Difficulty"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *ItemVersion.Difficulty.choices],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bank"].queryset = ItemBank.objects.visible_to(user).order_by("name")


class AccommodationForm(forms.Form):
    """Extra time for one learner of the exam's institution."""

    learner = forms.ModelChoiceField(label=gettext_lazy("Learner"), queryset=None)
    extra_percent = forms.IntegerField(
        label=gettext_lazy("Extra time (%)"), min_value=0, max_value=400, initial=0
    )
    extra_minutes = forms.IntegerField(
        label=gettext_lazy("Extra time (minutes)"), min_value=0, max_value=24 * 60, initial=0
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=255)

    def __init__(self, *args, exam: Exam, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["learner"].queryset = _learners_of(exam.institution_id)


class CandidatesForm(forms.Form):
    """Who sits a standalone sitting: a whole cohort and/or learners by username."""

    cohort = forms.ModelChoiceField(label=gettext_lazy("Cohort"), queryset=None, required=False)
    usernames = forms.CharField(
        label=gettext_lazy("Learners by username"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("One username per line."),
    )

    def __init__(self, *args, exam: Exam, **kwargs):
        super().__init__(*args, **kwargs)
        self.exam = exam
        self.fields["cohort"].queryset = exam.institution.cohorts.order_by("code")

    def clean(self):
        data = super().clean()
        names = [line.strip() for line in (data.get("usernames") or "").splitlines()]
        names = [name for name in names if name]
        learners = list(_learners_of(self.exam.institution_id).filter(username__in=names))
        unknown = sorted(set(names) - {learner.username for learner in learners})
        if unknown:
            self.add_error(
                "usernames",
                _("Not learners of this institution: %(names)s") % {"names": ", ".join(unknown)},
            )
        cohort = data.get("cohort")
        if cohort is not None:
            learners += [
                learner
                for learner in _learners_of(self.exam.institution_id).filter(cohorts=cohort)
                if learner not in learners
            ]
        if not learners and not self.errors:
            raise ValidationError(_("Choose a cohort or name at least one learner."))
        data["learners"] = learners
        return data


# ---------------------------------------------------------------------------
# Reads.


def _institutions(user):
    model = Exam._meta.get_field("institution").related_model
    if is_national_admin(user):
        return model.objects.order_by("code")
    return model.objects.filter(pk__in=staff_institution_ids(user)).order_by("code")


def _learners_of(institution_id: int):
    return (
        get_user_model()
        .objects.filter(
            memberships__institution_id=institution_id,
            memberships__role=InstitutionRole.LEARNER,
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def _require_exam_staff(request) -> None:
    user = request.user
    if not (is_national_admin(user) or staff_institution_ids(user)):
        raise PermissionDenied


def _exam(request, pk: int) -> Exam:
    """The exam if the person may change it (staff of its institution), else 404."""
    _require_exam_staff(request)
    return get_object_or_404(
        Exam.objects.editable_by(request.user).select_related("institution"), pk=pk
    )


def matching_items(*, user, bank, tag: str = "", outcome_code: str = "", difficulty=None):
    """The current versions a blueprint rule with these filters would draw from."""
    newest = ItemVersion.objects.filter(item=OuterRef("item")).order_by("-number").values("number")
    query = ItemVersion.objects.visible_to(user).filter(
        item__bank=bank, number=Subquery(newest[:1])
    )
    if tag:
        query = query.filter(
            pk__in=ItemVersionLabel.objects.filter(
                kind=ItemVersionLabel.Kind.TAG, value=tag
            ).values("version")
        )
    if outcome_code:
        query = query.filter(
            pk__in=ItemVersionLabel.objects.filter(
                kind=ItemVersionLabel.Kind.OUTCOME, value=outcome_code
            ).values("version")
        )
    if difficulty:
        query = query.filter(difficulty=difficulty)
    return query


def _sections(version: ExamVersion) -> list[exams.SectionSpec]:
    # The same copy the service makes when it versions an exam.
    return exams._sections_of(version)


def _apply_sections(request, exam: Exam, sections: list[exams.SectionSpec]) -> bool:
    """Save the sections through the service; tell the examiner if that made a version."""
    before = exam.current_version.number
    try:
        version = exams.exam_update(actor=request.user, exam=exam, sections=sections)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return False
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return False
    _say_version(request, before, version.number)
    return True


def _say_version(request, before: int, after: int) -> None:
    if after != before:
        messages.warning(
            request,
            _(
                "Learners already have attempts on version %(old)d, so your change made "
                "version %(new)d. Their attempts keep version %(old)d; new attempts use "
                "version %(new)d."
            )
            % {"old": before, "new": after},
        )
    else:
        messages.success(request, _("Saved."))


# ---------------------------------------------------------------------------
# Views.


@require_GET
def exam_index(request):
    """The exams of the person's institutions with their state and attempts."""
    _require_exam_staff(request)
    rows = (
        Exam.objects.visible_to(request.user)
        .select_related("institution")
        .annotate(
            version_count=Count("versions", distinct=True),
            attempt_count=Count("attempts", distinct=True),
        )
        .order_by("-created_at", "-pk")[:500]
    )
    return render(request, "assessment/staff/exams/index.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
def exam_create(request):
    """A new exam (version 1) in one of the person's institutions."""
    _require_exam_staff(request)
    form = ExamCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            exam = exams.exam_create(
                actor=request.user,
                institution=form.cleaned_data["institution"],
                title=form.cleaned_data["title"],
                sections=[exams.SectionSpec(title=_("Section 1"))],
                **form.settings(),
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("The exam is created: now add its questions."))
            return redirect("assessment_exams:edit", pk=exam.pk)
    return render(request, "assessment/staff/exams/create.html", {"form": form})


@require_http_methods(["GET", "POST"])
def exam_edit(request, pk: int):
    """An exam's settings and sections, its state, and the way to publish it."""
    exam = _exam(request, pk)
    version = exam.current_version
    form = ExamSettingsForm(request.POST or None, exam=exam)
    if request.method == "POST" and form.is_valid():
        try:
            saved = exams.exam_update(
                actor=request.user,
                exam=exam,
                title=form.cleaned_data["title"],
                **form.settings(),
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            _say_version(request, version.number, saved.number)
            return redirect("assessment_exams:edit", pk=exam.pk)
    sections = list(
        version.sections.prefetch_related("items__item_version__item__bank", "rules__bank")
    )
    for section in sections:
        for rule in section.rules.all():
            rule.matching = matching_items(
                user=request.user,
                bank=rule.bank,
                tag=rule.tag,
                outcome_code=rule.outcome_code,
                difficulty=rule.difficulty,
            ).count()
    context = {
        "exam": exam,
        "version": version,
        "form": form,
        "sections": sections,
        "attempt_count": exam.attempts.count(),
        "version_attempts": version.attempts.count(),
        "rule_form": RuleForm(user=request.user),
    }
    return render(request, "assessment/staff/exams/edit.html", context)


@require_POST
def exam_sections(request, pk: int):
    """Add or remove a section, a fixed item or a blueprint rule (the whole list is saved)."""
    exam = _exam(request, pk)
    specs = _sections(exam.current_version)
    action = request.POST.get("action", "")
    try:
        index = int(request.POST.get("section", "0")) - 1
        position = int(request.POST.get("position", "0")) - 1
    except ValueError as exc:
        raise Http404 from exc
    if action == "add_section":
        specs.append(exams.SectionSpec(title=request.POST.get("title", "")[:255]))
    elif not 0 <= index < len(specs):
        raise Http404
    elif action == "remove_section":
        del specs[index]
    elif action == "rename_section":
        specs[index].title = request.POST.get("title", "")[:255]
    elif action == "remove_item" and 0 <= position < len(specs[index].items):
        del specs[index].items[position]
    elif action == "remove_rule" and 0 <= position < len(specs[index].rules):
        del specs[index].rules[position]
    elif action == "add_rule":
        form = RuleForm(request.POST, user=request.user)
        if not form.is_valid():
            for field, errors in form.errors.items():
                label = form.fields[field].label if field in form.fields else ""
                messages.error(request, f"{label}: {' '.join(errors)}")
            return redirect("assessment_exams:edit", pk=exam.pk)
        specs[index].rules.append(exams.RuleSpec(**form.cleaned_data))
    elif action == "add_items":
        ids = [value for value in request.POST.getlist("item_version") if value.isdigit()]
        chosen = {
            version.pk: version
            for version in ItemVersion.objects.visible_to(request.user).filter(pk__in=ids)
        }
        if len(chosen) != len(set(ids)):
            raise Http404  # an item the examiner may not read
        present = {version.pk for version in specs[index].items}
        specs[index].items += [
            chosen[int(pk_)] for pk_ in dict.fromkeys(ids) if int(pk_) not in present
        ]
    else:
        raise Http404
    _apply_sections(request, exam, specs)
    return redirect("assessment_exams:edit", pk=exam.pk)


@require_GET
def item_picker(request, pk: int, section: int):
    """Search the readable banks (text, tag, type, bank) for items to add to a section."""
    exam = _exam(request, pk)
    version = exam.current_version
    if not 1 <= section <= version.sections.count():
        raise Http404
    query = request.GET.get("q", "").strip()
    tag = request.GET.get("tag", "").strip()
    bank = request.GET.get("bank", "")
    kind = request.GET.get("type", "")
    newest = ItemVersion.objects.filter(item=OuterRef("item")).order_by("-number").values("number")
    results = (
        ItemVersion.objects.visible_to(request.user)
        .filter(number=Subquery(newest[:1]))
        .select_related("item__bank")
        .order_by("item__bank__name", "item_id")
    )
    if query:
        results = results.filter(Q(stem__icontains=query) | Q(item__uid__icontains=query))
    if tag:
        results = results.filter(
            labels__kind__in=[ItemVersionLabel.Kind.TAG, ItemVersionLabel.Kind.OUTCOME],
            labels__value=tag,
        ).distinct()
    if bank.isdigit():
        results = results.filter(item__bank_id=int(bank))
    if kind:
        results = results.filter(question_type=kind)
    context = {
        "exam": exam,
        "section": section,
        "results": results[:100],
        "banks": ItemBank.objects.visible_to(request.user).order_by("name"),
        "types": sorted(ItemVersion.objects.values_list("question_type", flat=True).distinct()),
        "q": query,
        "tag": tag,
        "bank": bank,
        "type": kind,
    }
    return render(request, "assessment/staff/exams/items.html", context)


@require_GET
def rule_count(request):
    """How many items a blueprint rule would draw from (the live count beside the rule)."""
    _require_exam_staff(request)
    form = RuleForm(request.GET, user=request.user)
    form.fields["count"].required = False
    if not form.is_valid():
        return JsonResponse({"count": None, "errors": form.errors}, status=400)
    data = form.cleaned_data
    count = matching_items(
        user=request.user,
        bank=data["bank"],
        tag=data["tag"],
        outcome_code=data["outcome_code"],
        difficulty=data["difficulty"],
    ).count()
    return JsonResponse({"count": count})


@require_POST
def exam_publish(request, pk: int):
    """Open the exam to attempts."""
    exam = _exam(request, pk)
    try:
        exams.exam_publish(actor=request.user, exam=exam)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The exam is published."))
    return redirect("assessment_exams:edit", pk=exam.pk)


@require_http_methods(["GET", "POST"])
def exam_accommodations(request, pk: int):
    """Extra time per learner."""
    exam = _exam(request, pk)
    form = AccommodationForm(request.POST or None, exam=exam)
    if request.method == "POST" and form.is_valid():
        try:
            exams.accommodation_set(actor=request.user, exam=exam, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("The accommodation is saved."))
            return redirect("assessment_exams:accommodations", pk=exam.pk)
    rows = Accommodation.objects.filter(exam=exam).select_related("learner")
    return render(
        request,
        "assessment/staff/exams/accommodations.html",
        {"exam": exam, "form": form, "rows": rows},
    )


@require_http_methods(["GET", "POST"])
def exam_candidates(request, pk: int):
    """A standalone sitting: prepare the candidates' attempts, then their list for the centre."""
    exam = _exam(request, pk)
    form = CandidatesForm(request.POST or None, exam=exam)
    if request.method == "POST" and form.is_valid():
        try:
            ready = attempts.exam_attempts_prepare(
                actor=request.user, exam=exam, learners=form.cleaned_data["learners"]
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(
                request,
                _("%(count)d candidates have an attempt ready.") % {"count": len(ready)},
            )
            return redirect("assessment_exams:candidates", pk=exam.pk)
    rows = (
        Attempt.objects.filter(exam=exam)
        .select_related("learner", "version")
        .order_by("learner__last_name", "learner__first_name", "learner__username", "number")
    )
    return render(
        request,
        "assessment/staff/exams/candidates.html",
        {
            "exam": exam,
            "version": exam.current_version,
            "form": form,
            "rows": rows,
            "attempt_base": request.build_absolute_uri(reverse("assessment:my_exams")),
        },
    )


urlpatterns = [
    path("", exam_index, name="index"),
    path("new/", exam_create, name="create"),
    path("rule-count/", rule_count, name="rule_count"),
    path("<int:pk>/", exam_edit, name="edit"),
    path("<int:pk>/sections/", exam_sections, name="sections"),
    path("<int:pk>/sections/<int:section>/items/", item_picker, name="items"),
    path("<int:pk>/publish/", exam_publish, name="publish"),
    path("<int:pk>/accommodations/", exam_accommodations, name="accommodations"),
    path("<int:pk>/candidates/", exam_candidates, name="candidates"),
    *banks.urlpatterns,
]


def menu_items():
    """The entries this part adds to the "Assessment" admin menu."""
    return [
        MenuItem(
            gettext_lazy("Exams"),
            reverse_lazy("assessment_exams:index"),
            icon_name="tasks",
            order=100,
        )
    ]
