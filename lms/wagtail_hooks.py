"""Staff roles in the admin: granting and revoking them moves people between Wagtail groups."""

from __future__ import annotations

from django import forms
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic

from institutions.api import admin_institution_ids, is_national_admin, staff_institution_ids
from institutions.models import Institution, Membership, User
from institutions.viewsets import (
    ScopedDeleteView,
    ScopedEditView,
    ServiceErrorsMixin,
    TenantModelViewSet,
)
from institutions.wagtail_hooks import MENU_HOOK

from . import services
from .models import InstitutionPage


def _institutions_administered_by(user):
    institutions = Institution.objects.all()
    if is_national_admin(user):
        return institutions
    return institutions.filter(pk__in=admin_institution_ids(user))


class MembershipCreateForm(WagtailAdminModelForm):
    """Give a person, named by username, a role in one of the institutions you administer."""

    username = forms.CharField(label=_("username"), max_length=150)

    class Meta:
        model = Membership
        fields = ["institution", "role"]

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        self.fields["institution"].queryset = _institutions_administered_by(for_user)
        self.order_fields(["username", "institution", "role"])

    def clean_username(self):
        # Looked up by exact username so the form never lists other institutions' people.
        user = User.objects.filter(username=self.cleaned_data["username"]).first()
        if user is None:
            raise forms.ValidationError(_("No account has this username."))
        return user

    def validate_unique(self):
        # The grant service is idempotent: granting a role held already changes nothing.
        pass


class MembershipEditForm(WagtailAdminModelForm):
    """Change the role a person holds in an institution."""

    class Meta:
        model = Membership
        fields = ["role"]

    def validate_unique(self):
        pass


class MembershipCreateView(ServiceErrorsMixin, generic.CreateView):
    """Grants a role through `lms.services.staff_role_grant`, so Wagtail groups follow."""

    def save_instance(self):
        data = self.form.cleaned_data
        services.staff_role_grant(
            actor=self.request.user,
            user=data["username"],
            institution=data["institution"],
            role=data["role"],
        )
        return Membership.objects.get(
            user=data["username"], institution=data["institution"], role=data["role"]
        )


class MembershipEditView(ServiceErrorsMixin, ScopedEditView):
    """Changes a role: grants the new one, then revokes the old one."""

    def save_instance(self):
        old = Membership.objects.select_related("user", "institution").get(pk=self.object.pk)
        role = self.form.cleaned_data["role"]
        if role == old.role:
            return old
        with transaction.atomic():
            services.staff_role_grant(
                actor=self.request.user, user=old.user, institution=old.institution, role=role
            )
            services.staff_role_revoke(actor=self.request.user, membership=old)
        return Membership.objects.get(user=old.user, institution=old.institution, role=role)


class MembershipDeleteView(ScopedDeleteView):
    """Revokes a role through `lms.services.staff_role_revoke`."""

    def delete_action(self):
        services.staff_role_revoke(actor=self.request.user, membership=self.object)


class MembershipViewSet(TenantModelViewSet):
    """The people and roles of the institutions you administer."""

    model = Membership
    icon = "user"
    menu_label = _("Staff and learners")
    menu_hook = MENU_HOOK
    add_view_class = MembershipCreateView
    edit_view_class = MembershipEditView
    delete_view_class = MembershipDeleteView
    # The first column links to the edit screen, so it must be a field name.
    list_display = ["user", "role", Column("institution", label=_("institution"))]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    ordering = ["institution__name", "user__username", "role"]

    def get_form_class(self, for_update=False):
        return MembershipEditForm if for_update else MembershipCreateForm


@hooks.register("register_admin_viewset")
def register_membership_viewset():
    return MembershipViewSet("memberships")


@hooks.register("construct_page_chooser_queryset")
def hide_other_institutions_drafts(pages, request):
    """Choosers offer live pages and the person's own sections, never another's drafts."""
    user = request.user
    if is_national_admin(user):
        return pages
    own_sections = Q(pk__in=[])
    for path in InstitutionPage.objects.filter(
        institution__in=staff_institution_ids(user)
    ).values_list("path", flat=True):
        own_sections |= Q(path__startswith=path)
    return pages.filter(Q(live=True) | own_sections)
