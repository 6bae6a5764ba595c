"""Wagtail admin screens for institutions and cohorts, every one inside the tenancy scope.

Django model permissions (granted to each institution's Wagtail groups) decide which
screens a person reaches; `visible_to`/`editable_by` decide which records those screens
list, open by primary key, change and delete. A record outside the scope answers 404,
so another institution's records do not even reveal that they exist.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from . import services
from .models import Cohort, Institution, User
from .roles import InstitutionRole
from .scoping import is_national_admin


class TenantPermissionPolicy(ModelPermissionPolicy):
    """Model permissions from a person's groups, narrowed to the records their scope allows."""

    def user_has_permission(self, user, action):
        if user.is_active and is_national_admin(user):
            return True
        return super().user_has_permission(user, action)

    def narrow(self, queryset, user, actions):
        """The part of `queryset` on which `user` may perform one of `actions`."""
        permitted = [action for action in actions if self.user_has_permission(user, action)]
        if not permitted:
            return queryset.none()
        if "view" in permitted:
            # Reading reaches at least as far as changing.
            return queryset.visible_to(user)
        return queryset.editable_by(user)

    def instances_user_has_any_permission_for(self, user, actions):
        return self.narrow(self.model._default_manager.all(), user, actions)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return (
            self.instances_user_has_any_permission_for(user, actions)
            .filter(pk=instance.pk)
            .exists()
        )

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_any_permission_for_instance(user, [action], instance)


class InstitutionPermissionPolicy(TenantPermissionPolicy):
    """As the tenancy scope, but nobody adds institutions here.

    An institution is registered together with its catalogue section, staff groups and
    review workflow (`lms.services.institution_site_ensure`), which this screen cannot do.
    """

    def user_has_permission(self, user, action):
        return action != "add" and super().user_has_permission(user, action)


# -- views that look records up only inside the scope -------------------------------------

LIST_ACTIONS = ["view", "change", "delete"]


class ScopedIndexView(generic.IndexView):
    """Lists only the records the person may see."""

    def get_base_queryset(self):
        return self.permission_policy.narrow(
            super().get_base_queryset(), self.request.user, LIST_ACTIONS
        )


class ScopedEditView(generic.EditView):
    """Opens a record by primary key only inside what the person may change."""

    def get_queryset(self):
        return self.permission_policy.narrow(
            self.model._default_manager.all(), self.request.user, ["change"]
        )


class ScopedDeleteView(generic.DeleteView):
    """Deletes a record only inside what the person may delete."""

    def get_queryset(self):
        return self.permission_policy.narrow(
            self.model._default_manager.all(), self.request.user, ["delete"]
        )

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except DjangoValidationError as exc:
            raise PermissionDenied(" ".join(exc.messages)) from exc


class ScopedInspectView(generic.InspectView):
    """Shows a record only inside what the person may see."""

    def get_object(self, queryset=None):
        scoped = self.permission_policy.narrow(
            self.model._default_manager.all(), self.request.user, ["view", "change"]
        )
        return get_object_or_404(scoped, pk=self.pk)


class ScopedHistoryView(generic.HistoryView):
    """Shows the history of a record only inside what the person may change."""

    def get_base_object_queryset(self):
        return self.permission_policy.narrow(
            super().get_base_object_queryset(), self.request.user, ["change", "delete"]
        )


class ScopedUsageView(generic.UsageView):
    """Shows where a record is used only inside what the person may change."""

    def get_base_object_queryset(self):
        return self.permission_policy.narrow(
            super().get_base_object_queryset(), self.request.user, ["change"]
        )


class ServiceErrorsMixin:
    """Create and edit views that save through a service show its refusals as form errors."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except DjangoValidationError as exc:
            form.add_error(None, exc.messages)
            self.produced_error_code = "validation_error"
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class TenantModelViewSet(ModelViewSet):
    """A model's admin screens, each looking records up through the tenancy scope."""

    index_view_class = ScopedIndexView
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView
    inspect_view_class = ScopedInspectView
    history_view_class = ScopedHistoryView
    usage_view_class = ScopedUsageView
    # Copying would open any record by primary key; these records are quick to create.
    copy_view_enabled = False


# -- cohorts -------------------------------------------------------------------------------


def learners_of(institutions):
    """People who are learners of one of `institutions`."""
    return (
        User.objects.filter(
            memberships__role=InstitutionRole.LEARNER, memberships__institution__in=institutions
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class CohortForm(WagtailAdminModelForm):
    """A cohort: its institution chosen among the person's own, its learners among that one's."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        institutions = Institution.objects.visible_to(for_user)
        if self.instance.pk:
            # A cohort never moves between institutions: its enrolments stay where they are.
            institutions = institutions.filter(pk=self.instance.institution_id)
            self.fields["institution"].disabled = True
            learners = learners_of([self.instance.institution_id])
        else:
            learners = learners_of(institutions)
        self.fields["institution"].queryset = institutions
        self.fields["learners"].queryset = learners

    def clean(self):
        cleaned = super().clean()
        institution = cleaned.get("institution")
        learners = cleaned.get("learners")
        if institution is not None and learners:
            strangers = set(learners) - set(learners_of([institution]))
            if strangers:
                self.add_error(
                    "learners",
                    _("Not learners of this institution: %(names)s")
                    % {"names": ", ".join(sorted(str(s) for s in strangers))},
                )
        return cleaned


class CohortCreateView(ServiceErrorsMixin, generic.CreateView):
    """Creates a cohort through the institutions services (permission check, audit)."""

    def save_instance(self):
        data = self.form.cleaned_data
        cohort = services.cohort_create(
            actor=self.request.user,
            institution=data["institution"],
            code=data["code"],
            name=data["name"],
        )
        services.cohort_add_learners(
            actor=self.request.user, cohort=cohort, learners=data["learners"]
        )
        return cohort


class CohortEditView(ServiceErrorsMixin, ScopedEditView):
    """Changes a cohort through the institutions services."""

    def save_instance(self):
        data = self.form.cleaned_data
        return services.cohort_update(
            actor=self.request.user,
            cohort=self.object,
            code=data["code"],
            name=data["name"],
            learners=data["learners"],
        )


class CohortDeleteView(ScopedDeleteView):
    """Deletes a cohort through the institutions services."""

    def delete_action(self):
        services.cohort_delete(actor=self.request.user, cohort=self.object)


class CohortViewSet(TenantModelViewSet):
    """Cohorts of the institutions the person works for."""

    model = Cohort
    icon = "group"
    menu_label = _("Cohorts")
    add_view_class = CohortCreateView
    edit_view_class = CohortEditView
    delete_view_class = CohortDeleteView
    edit_handler = ObjectList(
        [
            FieldPanel("institution"),
            FieldPanel("code"),
            FieldPanel("name"),
            FieldPanel("learners", widget=forms.CheckboxSelectMultiple),
        ],
        base_form_class=CohortForm,
    )
    list_display = ["code", "name", Column("institution", label=_("institution"))]
    search_fields = ["code", "name"]
    ordering = ["institution__name", "code"]


# -- institutions --------------------------------------------------------------------------


class InstitutionViewSet(TenantModelViewSet):
    """Institutions: national administrators change any; an institution's administrators read it."""

    model = Institution
    icon = "site"
    menu_label = _("Institutions")
    inspect_view_enabled = True
    form_fields = [
        "code",
        "name",
        "short_name",
        "kind",
        "province",
        "address",
        "latitude",
        "longitude",
        "website",
        "is_active",
    ]
    list_display = ["code", "name", "kind", "province", "is_active"]
    search_fields = ["code", "name", "province"]
    ordering = ["code"]

    def formfield_for_dbfield(self, db_field, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, **kwargs)
