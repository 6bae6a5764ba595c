"""The "Forwarding" screens of the LRS admin menu: destinations, their queues, retry failed.

Like the credentials screens, only institution administrators (and national
administrators) see them, for the institutions they administer; another institution's
destination answers 404. The password is written once and never shown again.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from institutions.api import admin_institution_ids, is_national_admin

from . import forwarding
from .admin_views import administered
from .models import ForwardingDestination
from .validation import XAPIValidationError


class DestinationForm(forms.Form):
    """A new destination: where, with which credentials, and which statements."""

    institution = forms.ModelChoiceField(label=gettext_lazy("Institution"), queryset=None)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    endpoint = forms.URLField(
        label=gettext_lazy("xAPI endpoint"),
        max_length=2048,
        assume_scheme="https",
        help_text=gettext_lazy("The external LRS's endpoint, e.g. https://lrs.example.edu/xapi/"),
    )
    version = forms.ChoiceField(
        label=gettext_lazy("xAPI version"), choices=ForwardingDestination.Version.choices
    )
    username = forms.CharField(label=gettext_lazy("Key (user name)"), max_length=255)
    password = forms.CharField(
        label=gettext_lazy("Secret (password)"),
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("Kept encrypted; it is not shown again."),
    )
    only_platform = forms.BooleanField(
        label=gettext_lazy("Only the platform's own statements"), required=False
    )
    verbs = forms.CharField(
        label=gettext_lazy("Only these verbs"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One verb IRI a line; empty forwards every verb."),
    )

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions


def _institutions(request):
    if not is_national_admin(request.user) and not admin_institution_ids(request.user):
        raise PermissionDenied
    return administered(request.user)


def _destinations(request):
    return ForwardingDestination.objects.filter(
        institution__in=_institutions(request)
    ).select_related("institution")


def destination_index(request):
    """Each destination with its pending, sent and failed counts and its latest errors."""
    destinations = _destinations(request).order_by("-active", "name", "pk")[:100]
    return render(
        request,
        "lrs/admin/forwarding_index.html",
        {"summaries": forwarding.destinations_summary(destinations)},
    )


@require_http_methods(["GET", "POST"])
def destination_create(request):
    """Add a destination; statements stored from now on are queued for it."""
    form = DestinationForm(request.POST or None, institutions=_institutions(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            forwarding.destination_create(
                actor=request.user,
                institution=data["institution"],
                name=data["name"],
                endpoint=data["endpoint"],
                version=data["version"],
                username=data["username"],
                password=data["password"],
                only_platform=data["only_platform"],
                verbs=data["verbs"].split(),
            )
        except XAPIValidationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Statements will be forwarded to “%s”.") % data["name"])
            return redirect("lrs_forwarding:index")
    return render(request, "lrs/admin/forwarding_create.html", {"form": form})


@require_POST
def destination_retry(request, pk: int):
    """Queue the destination's failed statements again."""
    destination = get_object_or_404(_destinations(request), pk=pk)
    count = forwarding.destination_retry_failed(actor=request.user, destination=destination)
    messages.success(request, _("%(count)d statements queued again.") % {"count": count})
    return redirect("lrs_forwarding:index")


@require_POST
def destination_deactivate(request, pk: int):
    """Stop forwarding to a destination."""
    destination = get_object_or_404(_destinations(request), pk=pk)
    forwarding.destination_deactivate(actor=request.user, destination=destination)
    messages.success(request, _("Forwarding to “%s” is stopped.") % destination.name)
    return redirect("lrs_forwarding:index")


app_name = "lrs_forwarding"

urlpatterns = [
    path("", destination_index, name="index"),
    path("new/", destination_create, name="create"),
    path("<int:pk>/retry/", destination_retry, name="retry"),
    path("<int:pk>/deactivate/", destination_deactivate, name="deactivate"),
]
