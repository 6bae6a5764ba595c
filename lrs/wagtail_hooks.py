"""The "LRS credentials" item of the Wagtail admin menu and its screens (see `admin_views`)."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from institutions.api import admin_institution_ids, is_national_admin

from . import admin_views

app_name = "lrs_admin"

urlpatterns = [
    path("", admin_views.client_index, name="index"),
    path("new/", admin_views.client_create, name="create"),
    path("<int:pk>/deactivate/", admin_views.client_deactivate, name="deactivate"),
]


@hooks.register("register_admin_urls")
def register_lrs_admin_urls():
    return [path("lrs/", include((urlpatterns, app_name), namespace=app_name))]


class LRSMenuItem(MenuItem):
    """Shown to institution administrators and national administrators."""

    def is_shown(self, request):
        user = request.user
        return is_national_admin(user) or bool(admin_institution_ids(user))


@hooks.register("register_admin_menu_item")
def register_lrs_menu_item():
    return LRSMenuItem(_("LRS credentials"), reverse("lrs_admin:index"), icon_name="key", order=260)
