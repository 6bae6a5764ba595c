"""Admin screens: item banks and their items (mounted by `staff/exams.py` under `banks/`).

Examiners list the banks they may read (their institutions' and the nationally shared
ones), create and rename their own, and create or edit items: a simple editor for
single and multiple choice, true/false, short answer and numeric, and a JSON body
editor (with the type's validation errors) for the other types. Every write goes through
`assessment.services`, which checks permission, audits, and makes a new item version
when an exam already used the current one.
"""

from __future__ import annotations

import json
import string

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from institutions.api import is_national_admin, staff_institution_ids

from .. import questions, services
from ..models import Exam, Item, ItemBank, ItemVersion
from ..selectors import latest_versions

SIMPLE_TYPES = ("single_choice", "multiple_choice", "true_false", "short_answer", "numeric")


def _require_staff(request) -> None:
    user = request.user
    if not (is_national_admin(user) or staff_institution_ids(user)):
        raise PermissionDenied


def _institutions(user):
    model = Exam._meta.get_field("institution").related_model
    if is_national_admin(user):
        return model.objects.order_by("code")
    return model.objects.filter(pk__in=staff_institution_ids(user)).order_by("code")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class BankForm(forms.ModelForm):
    """A bank's name, description and national sharing."""

    class Meta:
        model = ItemBank
        fields = ["name", "description", "shared_nationally"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class BankCreateForm(BankForm):
    """A new bank in one of the person's institutions."""

    institution = forms.ModelChoiceField(
        label=gettext_lazy("Institution"), queryset=None, empty_label=None
    )

    class Meta(BankForm.Meta):
        fields = ["institution", *BankForm.Meta.fields]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = _institutions(user)


class ItemForm(forms.Form):
    """An item's stem, labels and body: simple fields for the simple types, JSON otherwise."""

    stem = forms.CharField(
        label=gettext_lazy("Question (stem)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Text or simple HTML; scripts and styles are removed."),
    )
    tags = forms.CharField(
        label=gettext_lazy("Tags"), required=False, help_text=gettext_lazy("Separated by commas.")
    )
    outcome_codes = forms.CharField(
        label=gettext_lazy("Competency or outcome codes"),
        required=False,
        help_text=gettext_lazy("Separated by commas."),
    )
    difficulty = forms.TypedChoiceField(
        label=gettext_lazy("Difficulty"), coerce=int, choices=ItemVersion.Difficulty.choices
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language"), choices=ItemVersion.Language.choices
    )
    # Choice types: one option per line, the correct ones starting with "*".
    options = forms.CharField(
        label=gettext_lazy("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("One option per line; start each correct option with *."),
    )
    correct_bool = forms.TypedChoiceField(
        label=gettext_lazy("Correct answer"),
        required=False,
        coerce=lambda value: value == "true",
        choices=[("true", gettext_lazy("True")), ("false", gettext_lazy("False"))],
    )
    accepted = forms.CharField(
        label=gettext_lazy("Accepted answers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One accepted answer per line."),
    )
    case_sensitive = forms.BooleanField(label=gettext_lazy("Case sensitive"), required=False)
    diacritic_sensitive = forms.BooleanField(
        label=gettext_lazy("Diacritics matter"), required=False, initial=True
    )
    value = forms.DecimalField(label=gettext_lazy("Value"), required=False)
    tolerance = forms.DecimalField(
        label=gettext_lazy("Tolerance (±)"), required=False, min_value=0, initial=0
    )
    units = forms.CharField(
        label=gettext_lazy("Units"),
        required=False,
        help_text=gettext_lazy("Optional, one per line: a unit and its factor, such as “kV 1000”."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    body_json = forms.CharField(
        label=gettext_lazy("Definition (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "class": "code"}),
    )

    SIMPLE_FIELDS = {
        "single_choice": ["options"],
        "multiple_choice": ["options"],
        "true_false": ["correct_bool"],
        "short_answer": ["accepted", "case_sensitive", "diacritic_sensitive"],
        "numeric": ["value", "tolerance", "units"],
    }

    def __init__(self, *args, question_type: str, version: ItemVersion | None = None, **kw):
        if version is not None and "initial" not in kw:
            kw["initial"] = self.initial_from(version)
        super().__init__(*args, **kw)
        self.question_type = question_type
        wanted = self.SIMPLE_FIELDS.get(question_type, ["body_json"])
        for name in {name for names in self.SIMPLE_FIELDS.values() for name in names} | {
            "body_json"
        }:
            if name not in wanted:
                del self.fields[name]

    @staticmethod
    def initial_from(version: ItemVersion) -> dict:
        body = version.body
        initial = {
            "stem": version.stem,
            "tags": ", ".join(version.tags),
            "outcome_codes": ", ".join(version.outcome_codes),
            "difficulty": version.difficulty,
            "language": version.language,
            "body_json": json.dumps(body, ensure_ascii=False, indent=2),
        }
        kind = version.question_type
        if kind in ("single_choice", "multiple_choice"):
            correct = body.get("correct")
            correct = set(correct if isinstance(correct, list) else [correct])
            initial["options"] = "\n".join(
                ("*" if option["id"] in correct else "") + option["text"]
                for option in body.get("options", [])
            )
        elif kind == "true_false":
            initial["correct_bool"] = "true" if body.get("correct") else "false"
        elif kind == "short_answer":
            initial["accepted"] = "\n".join(entry["text"] for entry in body.get("accepted", []))
            initial["case_sensitive"] = body.get("case_sensitive", False)
            initial["diacritic_sensitive"] = body.get("diacritic_sensitive", True)
        elif kind == "numeric" and body.get("answers"):
            initial["value"] = body["answers"][0].get("value")
            initial["tolerance"] = body["answers"][0].get("tolerance", 0)
            initial["units"] = "\n".join(
                f"{unit['unit']} {unit.get('factor', 1)}" for unit in body.get("units", [])
            )
        return initial

    def body(self) -> dict:
        """The item body from the cleaned fields (ValidationError on a malformed one)."""
        data = self.cleaned_data
        kind = self.question_type
        if kind in ("single_choice", "multiple_choice"):
            lines = _lines(data.get("options"))
            ids = iter(string.ascii_lowercase)
            options, correct = [], []
            for line in lines[:26]:
                option_id = next(ids)
                if line.startswith("*"):
                    correct.append(option_id)
                    line = line[1:].strip()
                options.append({"id": option_id, "text": line})
            if kind == "single_choice":
                if len(correct) != 1:
                    raise ValidationError(_("Mark exactly one option as correct with *."))
                return {"options": options, "correct": correct[0]}
            return {"options": options, "correct": correct, "scoring": "partial"}
        if kind == "true_false":
            return {"correct": bool(data.get("correct_bool"))}
        if kind == "short_answer":
            return {
                "accepted": [{"text": line} for line in _lines(data.get("accepted"))],
                "case_sensitive": bool(data.get("case_sensitive")),
                "diacritic_sensitive": bool(data.get("diacritic_sensitive")),
            }
        if kind == "numeric":
            if data.get("value") is None:
                raise ValidationError(_("Give the expected value."))
            units = []
            for line in _lines(data.get("units")):
                name, _sep, factor = line.rpartition(" ")
                try:
                    units.append({"unit": name.strip() or factor, "factor": float(factor)})
                except ValueError as exc:
                    raise ValidationError(
                        _("A unit line is “unit factor”, such as “kV 1000”: %(line)s")
                        % {"line": line[:64]}
                    ) from exc
            return {
                "answers": [
                    {"value": float(data["value"]), "tolerance": float(data.get("tolerance") or 0)}
                ],
                "units": units,
            }
        try:
            body = json.loads(data.get("body_json") or "")
        except ValueError as exc:
            raise ValidationError(
                _("The definition is not valid JSON: %(error)s") % {"error": exc}
            ) from exc
        if not isinstance(body, dict):
            raise ValidationError(_("The definition must be a JSON object."))
        return body

    def fields_for_service(self) -> dict:
        data = self.cleaned_data
        return {
            "stem": data["stem"],
            "body": self.body(),
            "tags": [tag.strip() for tag in data.get("tags", "").split(",") if tag.strip()],
            "outcome_codes": [
                code.strip() for code in data.get("outcome_codes", "").split(",") if code.strip()
            ],
            "difficulty": data["difficulty"],
            "language": data["language"],
        }


def _service_call(form, call):
    """Run a service; its validation errors land on the form. Answers the result or None."""
    try:
        return call(**form.fields_for_service())
    except ValidationError as exc:
        form.add_error(None, exc.messages)
    return None


@require_http_methods(["GET", "POST"])
def bank_index(request):
    """The banks the person may read, and a form for a new one."""
    _require_staff(request)
    form = BankCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            bank = services.bank_create(actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, getattr(exc, "messages", [str(exc)]))
        else:
            messages.success(request, _("The item bank is created."))
            return redirect("assessment_exams:bank", pk=bank.pk)
    banks = ItemBank.objects.visible_to(request.user).select_related("institution")
    return render(
        request,
        "assessment/staff/banks/index.html",
        {"banks": banks.order_by("institution__code", "name"), "form": form},
    )


@require_http_methods(["GET", "POST"])
def bank_detail(request, pk: int):
    """A bank's current items; its owner's staff also rename it and add items."""
    _require_staff(request)
    bank = get_object_or_404(
        ItemBank.objects.visible_to(request.user).select_related("institution"), pk=pk
    )
    editable = ItemBank.objects.editable_by(request.user).filter(pk=pk).exists()
    form = BankForm(request.POST or None, instance=bank) if editable else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            services.bank_update(actor=request.user, bank=bank, **form.cleaned_data)
            messages.success(request, _("Saved."))
            return redirect("assessment_exams:bank", pk=bank.pk)
    context = {
        "bank": bank,
        "form": form,
        "editable": editable,
        "items": latest_versions(user=request.user, bank=bank)[:500],
        "types": questions.choices(),
    }
    return render(request, "assessment/staff/banks/bank.html", context)


@require_http_methods(["GET", "POST"])
def item_create(request, pk: int):
    """A new item of `?type=` in a bank the person's institution owns."""
    _require_staff(request)
    bank = get_object_or_404(ItemBank.objects.editable_by(request.user), pk=pk)
    kind = request.GET.get("type", "")
    if kind not in dict(questions.choices()):
        kind = "single_choice"
    form = ItemForm(request.POST or None, question_type=kind)
    if request.method == "POST" and form.is_valid():
        version = _service_call(
            form,
            lambda **fields: services.item_create(
                actor=request.user, bank=bank, question_type=kind, **fields
            ),
        )
        if version is not None:
            messages.success(request, _("The item is created."))
            return redirect("assessment_exams:bank", pk=bank.pk)
    return render(
        request,
        "assessment/staff/banks/item.html",
        {"bank": bank, "form": form, "question_type": kind, "version": None},
    )


@require_http_methods(["GET", "POST"])
def item_edit(request, pk: int):
    """Edit an item's latest version (a new version if an exam already used it)."""
    _require_staff(request)
    item = get_object_or_404(Item.objects.editable_by(request.user).select_related("bank"), pk=pk)
    version = item.versions.order_by("-number").first()
    form = ItemForm(request.POST or None, question_type=version.question_type, version=version)
    if request.method == "POST" and form.is_valid():
        saved = _service_call(
            form, lambda **fields: services.item_update(actor=request.user, item=item, **fields)
        )
        if saved is not None:
            if saved.number != version.number:
                messages.warning(
                    request,
                    _(
                        "An exam already uses version %(old)d, so your change made version "
                        "%(new)d; past attempts keep version %(old)d."
                    )
                    % {"old": version.number, "new": saved.number},
                )
            else:
                messages.success(request, _("Saved."))
            return redirect("assessment_exams:bank", pk=item.bank_id)
    return render(
        request,
        "assessment/staff/banks/item.html",
        {
            "bank": item.bank,
            "form": form,
            "question_type": version.question_type,
            "version": version,
        },
    )


urlpatterns = [
    path("banks/", bank_index, name="banks"),
    path("banks/<int:pk>/", bank_detail, name="bank"),
    path("banks/<int:pk>/items/new/", item_create, name="item_create"),
    path("banks/items/<int:pk>/", item_edit, name="item_edit"),
]
