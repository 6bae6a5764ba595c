"""The "LRS credentials" screens of the Wagtail admin.

Only institution administrators (and national administrators) see them, and only for
the institutions they administer: another institution's credentials answer 404. The
secret is shown once, on the page that answers the creation.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from institutions.api import admin_institution_ids, is_national_admin
from institutions.models import Institution

from . import services
from .forms import LRSClientForm
from .models import LRSClient


def administered(user):
    """The institutions whose LRS credentials `user` manages."""
    if is_national_admin(user):
        return Institution.objects.all()
    return Institution.objects.filter(pk__in=admin_institution_ids(user))


def _institutions(request):
    institutions = administered(request.user)
    if not is_national_admin(request.user) and not admin_institution_ids(request.user):
        raise PermissionDenied
    return institutions


def _clients(request):
    # Launch credentials are issued per launch by the platform and listed nowhere.
    return LRSClient.objects.filter(
        institution__in=_institutions(request), registration__isnull=True
    ).select_related("institution")


def client_index(request):
    """The credentials of the institutions the person administers, newest first."""
    clients = _clients(request).order_by("-created_at", "-pk")[:500]
    return render(request, "lrs/admin/index.html", {"clients": clients})


@require_http_methods(["GET", "POST"])
def client_create(request):
    """Issue credentials; the answer shows the secret this once."""
    form = LRSClientForm(request.POST or None, institutions=_institutions(request))
    if request.method == "POST" and form.is_valid():
        client, secret = services.lrs_client_create(
            actor=request.user,
            institution=form.cleaned_data["institution"],
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            assumed_version=form.cleaned_data["assumed_version"],
            profile_concurrency=form.cleaned_data["profile_concurrency"],
        )
        endpoint = request.build_absolute_uri("/xapi/")
        return render(
            request,
            "lrs/admin/created.html",
            {"client": client, "secret": secret, "endpoint": endpoint},
        )
    return render(request, "lrs/admin/create.html", {"form": form})


@require_POST
def client_deactivate(request, pk: int):
    """Revoke credentials: their key stops working at once."""
    client = get_object_or_404(_clients(request), pk=pk)
    services.lrs_client_deactivate(actor=request.user, client=client)
    messages.success(request, _("The credentials “%(name)s” are revoked.") % {"name": client.name})
    return redirect("lrs_admin:index")
