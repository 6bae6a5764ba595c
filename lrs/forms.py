"""The form of the LRS credentials screen."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from institutions.models import Institution

from .models import LRSClient


class LRSClientForm(forms.Form):
    """New credentials: institution, name, scopes, and the xAPI settings of the credentials."""

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
    assumed_version = forms.ChoiceField(
        label=LRSClient._meta.get_field("assumed_version").verbose_name,
        choices=LRSClient.Version.choices,
        initial=LRSClient.Version.V1_0_3,
        required=False,
        help_text=LRSClient._meta.get_field("assumed_version").help_text,
    )
    profile_concurrency = forms.ChoiceField(
        label=LRSClient._meta.get_field("profile_concurrency").verbose_name,
        choices=LRSClient.Concurrency.choices,
        initial=LRSClient.Concurrency.XAPI2,
        required=False,
        widget=forms.RadioSelect,
        help_text=LRSClient._meta.get_field("profile_concurrency").help_text,
    )

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions

    # Not sent (a script posting the older form): the defaults, as on the model.
    def clean_assumed_version(self):
        return self.cleaned_data["assumed_version"] or LRSClient.Version.V1_0_3

    def clean_profile_concurrency(self):
        return self.cleaned_data["profile_concurrency"] or LRSClient.Concurrency.XAPI2
