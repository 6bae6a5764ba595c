"""The form of the LRS credentials screen."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from institutions.models import Institution

from .models import LRSClient


class LRSClientForm(forms.Form):
    """New credentials: for which institution, under which name, with which scopes."""

    institution = forms.ModelChoiceField(
        label=_("Institution"), queryset=Institution.objects.none()
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        help_text=_("Who uses these credentials, e.g. the content tool or the course."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=LRSClient.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
