"""The "Courseware" item of the Wagtail admin menu and its screens (see `admin_views`)."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from institutions.api import is_national_admin, staff_institution_ids

from . import admin_views
from .cmi5 import admin_views as cmi5_admin_views

app_name = "courseware_admin"

urlpatterns = [
    path("", admin_views.package_index, name="index"),
    path("upload/", admin_views.package_upload, name="upload"),
    path("packages/<int:pk>/", admin_views.package_detail, name="package"),
    path("imports/<int:pk>/", admin_views.import_job_detail, name="job"),
    path("imports/<int:pk>/status/", admin_views.import_job_status, name="job_status"),
    path("packages/<int:pk>/cmi5/", cmi5_admin_views.cmi5_learners, name="cmi5_learners"),
    path("packages/<int:pk>/cmi5/waive/", cmi5_admin_views.cmi5_waive, name="cmi5_waive"),
    path(
        "packages/<int:pk>/cmi5/sessions/<uuid:session_id>/abandon/",
        cmi5_admin_views.cmi5_abandon,
        name="cmi5_abandon",
    ),
]


@hooks.register("register_admin_urls")
def register_courseware_admin_urls():
    return [path("courseware/", include((urlpatterns, app_name), namespace=app_name))]


class CoursewareMenuItem(MenuItem):
    """Shown to staff of an institution and to national administrators."""

    def is_shown(self, request):
        user = request.user
        return is_national_admin(user) or bool(staff_institution_ids(user))


@hooks.register("register_admin_menu_item")
def register_courseware_menu_item():
    return CoursewareMenuItem(
        _("Courseware"),
        reverse("courseware_admin:index"),
        icon_name="folder-open-inverse",
        order=250,
    )
