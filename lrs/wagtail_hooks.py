"""The "LRS" item of the Wagtail admin menu: credentials (`admin_views`) and forwarding
(`forwarding_views`)."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from institutions.api import admin_institution_ids, is_national_admin

from . import admin_views, forwarding_views

app_name = "lrs_admin"

urlpatterns = [
    path("", admin_views.client_index, name="index"),
    path("new/", admin_views.client_create, name="create"),
    path("<int:pk>/deactivate/", admin_views.client_deactivate, name="deactivate"),
]


@hooks.register("register_admin_urls")
def register_lrs_admin_urls():
    return [
        path("lrs/", include((urlpatterns, app_name), namespace=app_name)),
        path(
            "lrs/forwarding/",
            include((forwarding_views.urlpatterns, forwarding_views.app_name)),
        ),
    ]


class LRSMenuItem(SubmenuMenuItem):
    """Shown to institution administrators and national administrators."""

    def is_shown(self, request):
        user = request.user
        return is_national_admin(user) or bool(admin_institution_ids(user))


@hooks.register("register_admin_menu_item")
def register_lrs_menu_item():
    return LRSMenuItem(
        _("LRS"),
        Menu(
            items=[
                MenuItem(_("LRS credentials"), reverse("lrs_admin:index"), icon_name="key"),
                MenuItem(_("Forwarding"), reverse("lrs_forwarding:index"), icon_name="redirect"),
            ]
        ),
        icon_name="key",
        order=260,
    )
