"""The "Institutions" admin menu: institutions, cohorts and (from `lms`) staff roles."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.permissions import register_permission_policy

from .models import Cohort, Institution, Membership
from .viewsets import (
    CohortViewSet,
    InstitutionPermissionPolicy,
    InstitutionViewSet,
    TenantPermissionPolicy,
)

# Registered before any screen asks, so no fallback policy without the scope is made.
register_permission_policy(Institution, InstitutionPermissionPolicy(Institution))
register_permission_policy(Cohort, TenantPermissionPolicy(Cohort))
register_permission_policy(Membership, TenantPermissionPolicy(Membership))

#: Other apps add items to the menu group with this hook name as their `menu_hook`.
MENU_HOOK = "register_institutions_menu_item"


class InstitutionsMenuGroup(ViewSetGroup):
    """Institutions, cohorts and staff roles, under one menu item."""

    menu_label = _("Institutions")
    menu_name = "institutions"
    menu_icon = "site"
    menu_order = 300
    submenu_hook = MENU_HOOK
    items = (InstitutionViewSet("institutions"), CohortViewSet("cohorts"))


@hooks.register("register_admin_viewset")
def register_institutions_viewsets():
    return InstitutionsMenuGroup()
